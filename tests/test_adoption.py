"""What a team pastes from the README: install lines, configuration and formatter settings work as printed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CDR_DEFINITION, ROOT, dfgen, import_generated, snapshot

README = ROOT / "README.md"
# Where a team copies install lines and pins from.
DOCUMENTS = [README, ROOT / "docs" / "ci" / "github-actions.yml", ROOT / ".pre-commit-hooks.yaml"]


def readme_blocks(section: str, language: str) -> list[str]:
    """The fenced blocks of a language in a `## ` section of the README, as printed."""
    text = README.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", body, flags=re.S)


def examples(document: Path) -> str:
    """What a reader copies: the README's fenced blocks and inline code; a YAML file's lines other than comments."""
    text = document.read_text(encoding="utf-8")
    if document.suffix == ".md":
        return "\n".join(re.findall(r"```\w*\n(.*?)```", text, flags=re.S) + re.findall(r"`([^`\n]+)`", text))
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_no_example_installs_the_project_that_took_the_name_dfgen() -> None:
    for document in DOCUMENTS:
        text = examples(document)
        assert not re.search(r"pip install\s+['\"]?dfgen\b", text), document
        assert not re.search(r"['\"]dfgen(\[\w+\])?\s*@", text), document
        assert "'dfgen[" not in text and '"dfgen[' not in text, document


def refs(text: str) -> list[str]:
    """Every git revision an example pins: pre-commit's `rev:` and a `git+URL@REV` requirement."""
    found = re.findall(r"^\s*rev:\s*(\S+)", text, flags=re.M)
    return found + re.findall(r"git\+(?:<[^>]*>|[^\s@\"'`<]+)@(<[^>]*>|[^\s\"'`]+)", text)


def test_every_pinned_revision_is_a_placeholder_or_exists() -> None:
    """A tag written into an example (`v0.1.0`) must be one that dfgen's repository has."""
    found = [(document, ref) for document in DOCUMENTS for ref in refs(document.read_text(encoding="utf-8"))]
    assert len(found) >= 3, found  # the README's git install and hooks, the CI recipe
    for document, ref in found:
        if ref.startswith("<") and ref.endswith(">"):
            continue  # a placeholder: pip and pre-commit refuse it as it is
        exists = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=ROOT, capture_output=True, check=False
        )
        assert exists.returncode == 0, f"{document.name} pins {ref}, which dfgen's repository does not have"


def test_the_revision_finder_sees_tags_and_commits() -> None:
    text = 'rev: v0.1.0\nDFGEN: "dfgen @ git+https://h/o/dfgen@v0.1.0"\npip install "x @ git+<url>@<commit>"\n'
    assert refs(text) == ["v0.1.0", "v0.1.0", "<commit>"]


@pytest.fixture()
def cdr_project(tmp_path: Path) -> Path:
    """A project with the CDR definition and nothing else."""
    (tmp_path / "definitions").mkdir()
    shutil.copy(CDR_DEFINITION, tmp_path / "definitions" / "cdr.yaml")
    return tmp_path


def test_the_configuration_examples_paste_as_they_are(cdr_project: Path) -> None:
    """The [tool.dfgen] block and the pins, pasted into a CDR project: generate works, fetch goes nowhere."""
    blocks = readme_blocks("Your own definitions and output package", "toml")
    assert len(blocks) == 2 and blocks[0].startswith("[tool.dfgen]\n")
    (cdr_project / "pyproject.toml").write_text("".join(blocks), encoding="utf-8")
    result = dfgen(cdr_project, "generate")
    assert result.returncode == 0, result.stderr
    assert dfgen(cdr_project, "check").returncode == 0
    models = import_generated(cdr_project / "generated")
    assert models.Codec["G_711"].label == "G.711" and "call_type" in models.CDR.model_fields
    # No placeholder host: fetch stops at the missing base URL, before any request.
    before = snapshot(cdr_project)
    env = {**os.environ, "DEMANDFLOW_TOKEN": "dfpat_example"}
    fetched = subprocess.run(
        [sys.executable, "-m", "generator", "fetch", "CDR"], cwd=cdr_project, env=env, capture_output=True, text=True
    )
    assert fetched.returncode == 2 and "base-url" in fetched.stderr, fetched.stderr
    assert snapshot(cdr_project) == before


def formatters(project: Path) -> None:
    """ruff format and black over the project, and over a generated file named as pre-commit names it."""
    generated = "generated/models/cdr.py"
    for tool in ("ruff", "black"):
        for target in (".", generated):
            command = [sys.executable, "-m", tool, *(["format"] if tool == "ruff" else []), "-q", target]
            result = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
            assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_s_formatter_settings_keep_check_passing(cdr_project: Path) -> None:
    [settings] = readme_blocks("Install dfgen in your project", "toml")
    # A team's own style, added to the README's tables: it would reformat the generated code.
    style = 'line-length = 60\nskip-string-normalization = true\n\n[tool.ruff.format]\nquote-style = "single"\n'
    pyproject = cdr_project / "pyproject.toml"
    pyproject.write_text('[tool.dfgen]\ntargets = ["models"]\n\n' + settings.replace("force-exclude", "#") + style)
    assert dfgen(cdr_project, "generate").returncode == 0
    formatters(cdr_project)
    # Without the exclusions, the team's formatters make check fail ...
    assert dfgen(cdr_project, "check").returncode == 1
    pyproject.write_text('[tool.dfgen]\ntargets = ["models"]\n\n' + settings + style, encoding="utf-8")
    assert dfgen(cdr_project, "generate").returncode == 0
    formatters(cdr_project)
    # ... and with them, the output folder is left as dfgen wrote it.
    result = dfgen(cdr_project, "check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_states_the_generated_package_s_pydantic_minimum() -> None:
    text = README.read_text(encoding="utf-8")
    minimum = re.search(r'"pydantic>=([0-9.]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert minimum is not None
    assert f"pydantic {minimum.group(1)} or newer" in text and f"`pydantic>={minimum.group(1)}`" in text
