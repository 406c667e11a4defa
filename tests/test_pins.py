"""Pins through the command line: a pin that matches nothing stops generate and check, not diff;
module pins; every pin hint, pasted as printed, resolves its clash."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.config import key_lines
from tests.helpers import ROOT, SMALL, dfgen, import_generated, snapshot

CASES = ROOT / "tests" / "cases"
# `pin a name in pyproject.toml: [tool.dfgen.pins.X.fields] key = 'name'`: the table, then the line.
HINT = re.compile(r"pyproject\.toml: (\[tool\.dfgen\.pins\.[^\]]+\]) (.+ = '[^']*')$")


def git(cwd: Path, *args: str) -> None:
    """Run git in cwd with a fixed identity."""
    identity = ["-c", "user.name=t", "-c", "user.email=t@dfgen.invalid", "-c", "commit.gpgsign=false"]
    result = subprocess.run(["git", *identity, *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A committed project with TICKET, a pin on its `title` field, and the generated models."""
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "ticket.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dfgen]\ntargets = ["models"]\n\n[tool.dfgen.pins.TICKET.fields]\ntitle = "headline"\n',
        encoding="utf-8",
    )
    assert dfgen(tmp_path, "generate").returncode == 0
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "TICKET")
    return tmp_path


def test_a_pin_left_behind_by_a_rename_stops_generate_and_check(project: Path) -> None:
    definition = project / "definitions" / "ticket.yaml"
    definition.write_text(SMALL.replace("code: title", "code: titel"), encoding="utf-8")
    before = snapshot(project)
    expected = (
        "error: pyproject.toml:5:1: [tool.dfgen.pins.TICKET.fields] 'title': TICKET has no field 'title'"
        " (did you mean 'titel'?)\n"
    )
    for command in ("generate", "check"):
        result = dfgen(project, command)
        assert (result.returncode, result.stderr) == (2, expected), result.stdout
        assert snapshot(project) == before


def test_diff_reports_the_rename_whatever_the_pins(project: Path) -> None:
    """The pin matched at the revision and matches nothing now: diff still reports, generate names it."""
    (project / "definitions" / "ticket.yaml").write_text(SMALL.replace("code: title", "code: subject"))
    result = dfgen(project, "diff", "HEAD")
    assert result.returncode == 1, result.stderr
    assert "title" in result.stdout and "subject" in result.stdout
    assert dfgen(project, "generate").returncode == 2


def test_an_entity_pin_with_a_typo_names_the_entity_it_meant(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.dfgen.pins.TIKCET.fields]\ntitle = "headline"\n')
    result = dfgen(project, "generate")
    assert result.returncode == 2
    assert result.stderr == (
        "error: pyproject.toml:1:1: [tool.dfgen.pins.TIKCET]: no entity 'TIKCET' in the definitions"
        " (did you mean 'TICKET'?)\n"
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('module = "Ticket"', "definitions/ticket.yaml:1:1: pinned module name 'Ticket' must be lower case"),
        ('module = "_tickets"', "definitions/ticket.yaml:1:1: pinned module name '_tickets' is not a usable"),
        ('module = "import"', "definitions/ticket.yaml:1:1: pinned module name 'import' is a Python keyword"),
        ("module = 3", 'pyproject.toml: [tool.dfgen.pins.TICKET] module: expected module = "python_module_name"'),
        ('modul = "tickets"', "pyproject.toml: [tool.dfgen.pins.TICKET]: unknown key 'modul' (did you mean 'module'?)"),
    ],
)
def test_a_bad_module_pin_is_bad_input(project: Path, table: str, message: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.dfgen.pins.TICKET]\n{table}\n", encoding="utf-8")
    result = dfgen(project, "generate")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {message}"), result.stderr


def test_a_module_pin_renames_the_module_and_the_package_works(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.dfgen]\ntargets = ["models"]\n[tool.dfgen.pins.TICKET]\nmodule = "tickets"\n'
    )
    result = dfgen(project, "generate")
    assert result.returncode == 0, result.stderr
    models = project / "generated" / "models"
    assert not (models / "ticket.py").exists() and (models / "tickets.py").is_file()
    package = import_generated(project / "generated")
    assert package.TICKETCreate(title="Printer").to_payload("s")["title"] == "Printer"
    assert package.TICKET.__module__.endswith(".tickets")


@pytest.mark.parametrize("case", ["entity-module-collision", "field-name-collision", "enum-class-collision"])
def test_each_pin_hint_pasted_as_printed_resolves_the_clash(tmp_path: Path, case: str) -> None:
    shutil.copytree(CASES / case / "definitions", tmp_path / "definitions")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.dfgen]\ntargets = ["models"]\n', encoding="utf-8")
    failed = dfgen(tmp_path, "generate")
    assert failed.returncode == 2
    hints = [HINT.search(line) for line in failed.stderr.splitlines()]
    assert hints and all(hints), failed.stderr
    # Each hint is a table and a line to put in it, both as printed.
    tables: dict[str, list[str]] = {}
    for match in filter(None, hints):
        tables.setdefault(match.group(1), []).append(match.group(2))
    pasted = "".join(f"{table}\n" + "".join(f"{line}\n" for line in lines) for table, lines in tables.items())
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + pasted, encoding="utf-8")
    result = dfgen(tmp_path, "generate")
    assert result.returncode == 0, pasted + result.stderr
    assert import_generated(tmp_path / "generated").__all__


def test_pin_lines_are_found_in_headers_dotted_and_quoted_keys() -> None:
    text = (
        "[tool.dfgen]  # settings\n"
        'pins.CDR.fields.calltype = "call_type"\n'
        "\n"
        '[ tool.dfgen.pins."CDR".options.codec ]\n'
        '  "99" = "G_711"\n'
        "[tool.dfgen.pins.TICKET]\n"
        'fields = { titel = "title" }\n'
    )
    lines = key_lines(text)
    assert lines[("tool", "dfgen", "pins", "CDR", "fields", "calltype")] == (2, 1)
    assert lines[("tool", "dfgen", "pins", "CDR", "options", "codec", "99")] == (5, 3)
    assert lines[("tool", "dfgen", "pins", "TICKET", "fields")] == (7, 1)
    # A key inside an inline table is not found: its message names the file alone.
    assert ("tool", "dfgen", "pins", "TICKET", "fields", "titel") not in lines
