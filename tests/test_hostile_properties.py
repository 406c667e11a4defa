"""Arbitrary text in every slot of a definition: the models parse, import and keep it exactly."""

from __future__ import annotations

import ast
import importlib.util
import keyword
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.definitions.validate import ENVELOPE_KEYS
from generator.model.naming import MODEL_ATTRIBUTES
from tests.test_cases import check_generated, expected_entities, snapshot

# Any text at all (st.text never draws a lone surrogate, which no UTF-8 file can hold).
TEXT = st.text()
# Labels and names must hold something besides white space.
LABEL = st.text(min_size=1).filter(str.strip)
IDENTIFIER = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True)
HOSTILE_NAMES = sorted({*keyword.kwlist, "match", "case", "type", "_", *MODEL_ATTRIBUTES, "str", "Field", "BaseModel"})
CODE = st.one_of(IDENTIFIER, st.sampled_from(HOSTILE_NAMES), LABEL).filter(lambda c: c not in ENVELOPE_KEYS)
# The record class is named by the entity code, as the spec says, so entity I or O would be a class
# that pycodestyle calls ambiguous (E742); every other name is the generator's to choose.
ENTITY_CODE = st.from_regex(r"[A-Z][A-Z0-9_]{0,11}", fullmatch=True).filter(lambda c: c not in ("I", "O"))
TYPES = ["text", "number", "boolean", "datetime", "enum", "multiselect", "reference", "gauge"]
# Collisions the generator may not settle by itself; it stops and names the pin instead.
PIN_MESSAGES = ("is also the name of field", "is the name of a model class", "is also the module of")


@st.composite
def field(draw: st.DrawFn, code: str) -> dict[str, Any]:
    """One field of any type, with arbitrary text in every slot that takes text."""
    kind = draw(st.sampled_from(TYPES))
    result: dict[str, Any] = {"code": code, "type": kind}
    for key, strategy in (("label", LABEL), ("notes", TEXT)):
        if draw(st.booleans()):
            result[key] = draw(strategy)
    result["required"] = draw(st.booleans())
    result["readOnly"] = draw(st.booleans())
    if kind == "enum" or (kind == "multiselect" and draw(st.booleans())):
        ids = draw(st.lists(st.integers(-1000, 10**12), min_size=1, max_size=5, unique=True))
        result["options"] = [{"id": i, "label": draw(LABEL)} for i in ids]
    if kind == "reference":
        result["target"] = draw(ENTITY_CODE)
    return result


@st.composite
def definition(draw: st.DrawFn) -> dict[str, Any]:
    """A whole definition: its fields spread over one or two panels of one or two sections."""
    codes = draw(st.lists(CODE, min_size=1, max_size=6, unique=True))
    fields = [draw(field(code)) for code in codes]
    cut = draw(st.integers(0, len(fields)))
    groups = [fields[:cut], fields[cut:]]
    panels = [{"name": draw(LABEL), "sections": [{"name": draw(LABEL), "fields": group} for group in groups if group]}]
    if draw(st.booleans()):
        panels.append({"name": draw(LABEL), "sections": [{"name": draw(LABEL), "fields": []}]})
    result: dict[str, Any] = {"code": draw(ENTITY_CODE), "displayName": draw(LABEL), "level": draw(st.integers())}
    for key, strategy in (("plural", LABEL), ("description", TEXT), ("useCases", TEXT)):
        if draw(st.booleans()):
            result[key] = draw(strategy)
    result["panels"] = panels
    return result


def yaml_text(value: Any) -> str:
    """YAML in flow style, every string double-quoted with only printable ASCII left unescaped.

    A raw NEL or U+2028 would be a line break to YAML, and a raw C1 control is refused, so
    escaping is the one way a definition file can carry any text exactly.
    """
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_text(k)}: {yaml_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(yaml_text(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = []
    for char in value:
        if " " <= char <= "~" and char not in '"\\':
            escaped.append(char)
        elif ord(char) < 0x10000:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(f"\\U{ord(char):08x}")
    return '"' + "".join(escaped) + '"'


def test_arbitrary_text_and_codes_generate_inert_exact_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.dfgen]\ntargets = ["models"]\n', encoding="utf-8")
    monkeypatch.chdir(project)
    runner = CliRunner()
    # An earlier good run and a file of the user's: a failed run must leave both as they are.
    baseline = tmp_path / "baseline"
    (project / "definitions").mkdir()
    (project / "definitions" / "x.yaml").write_text(
        yaml_text({"code": "OLD", "displayName": "Old", "level": 1, "panels": []}), encoding="utf-8"
    )
    assert runner.invoke(main, ["generate", "--out", str(baseline)]).exit_code == 0
    (baseline / "mine.txt").write_text("the user's own file\n", encoding="utf-8")
    jobs: list[dict[str, Any]] = []
    failures: list[str] = []

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(document=definition())
    def run(document: dict[str, Any]) -> None:
        number = len(jobs) + len(failures)
        (project / "definitions" / "x.yaml").write_text(yaml_text(document), encoding="utf-8")
        out = tmp_path / f"out{number}"
        shutil.copytree(baseline, out)
        before = snapshot(out)
        result = runner.invoke(main, ["generate", "--out", str(out)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output + result.stderr
        if result.exit_code != 0:
            assert result.exit_code == 2
            assert snapshot(out) == before
            lines = result.stderr.splitlines()
            assert lines and all(any(m in line for m in PIN_MESSAGES) for line in lines), result.stderr
            failures.append(result.stderr)
            return
        for path in sorted((out / "models").glob("*.py")):
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        jobs.append({"out": str(out), "entities": expected_entities(document)})

    run()
    # Most examples must generate, or the import check below proves little.
    assert len(jobs) > len(failures), failures
    # One interpreter, warnings as errors, for every example that generated.
    check_generated(jobs, tmp_path)
    if importlib.util.find_spec("ruff") is not None:
        # Import order, __all__ order, unused imports and names stay clean whatever the codes.
        # RUF001 is left out: it flags tenant text that merely looks like ASCII (a multiplication sign, an acute accent).
        lint = ["ruff", "check", "--isolated", "--target-version", "py310", "--select", "E4,E7,E9,F,W,I,B,UP,RUF"]
        models = [str(Path(job["out"]) / "models") for job in jobs]
        result = subprocess.run(
            [sys.executable, "-m", *lint, "--ignore", "RUF001", *models], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
