"""dfgen import-doc: the vendor's page gives definitions/cdr.yaml; our own pages read back exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from generator.cli import main
from generator.definitions.canonical import dump_definition
from generator.definitions.format import EntityDef
from generator.definitions.load import parse_yaml
from generator.definitions.validate import validate_definition
from generator.diagnostics import InputError
from generator.importdoc.page import read_page
from generator.importdoc.read import parse_page
from generator.model.build import build_project
from generator.pipeline import load_definitions, render_targets
from tests.docs_support import (
    comparable,
    definitions,
    generate_all,
    write_definitions,
)
from tests.helpers import CDR_DEFINITION, ROOT

# The vendor's documentation page for CDR, as published (an input, kept beside the docs goldens).
SEED = ROOT / "tests" / "golden" / "docs" / "vendor-cdr-page.txt"


def cdr() -> EntityDef:
    return load_definitions(CDR_DEFINITION, str)[0]


def vendor_seed() -> str:
    return read_page(SEED, "seed.txt")


def test_vendor_seed_gives_definitions_cdr_yaml() -> None:
    imported = parse_page(vendor_seed(), "seed.txt")
    assert len(imported.fields) == 63
    assert [comparable(f) for f in imported.fields] == [comparable(f) for f in cdr().fields]
    assert comparable(imported) == comparable(cdr())
    assert dump_definition(imported) == dump_definition(cdr())


def test_vendor_seed_counts_match_the_spec() -> None:
    imported = parse_page(vendor_seed(), "seed.txt")
    fields = imported.fields
    assert [p.name for p in imported.panels] == ["General", "Network", "Technical", "Billing", "Analysis"]
    assert sum(len(p.sections) for p in imported.panels) == 10
    assert sum(f.required for f in fields) == 8
    assert [f.code for f in fields if f.read_only] == ["name", "duration", "fraudScore", "qualityScore"]
    assert sum(f.type.value == "enum" for f in fields) == 8


VENDOR_PAGE = """\
THING: Thing
A thing.
THING definition shipped with DemandFlow. Read it any time.Entity properties
| Property | Value |
|---|---|
| Entity code | THING |
| Display name | Thing |
| Plural | Things |
| Level | 12 |
Use cases
First line.
Second line.
Fields
Main: Only
| Field | Type | Required | Notes |
|---|---|---|---|
plain | text | Yes | Read-only. |
shifted | text | A note without a period | |
labelled | number | Score (0-10). | |
ratio | gauge | Read-only. Ratio (%). | |
range | number | Yes | Temperature (-40-85.5). |
kind | enum | Kind. Valid ids: 1 (A (first)), 2 (B, C), -3 (Last.). | |
body | text (multi-line) | Yes | Body text. |
owner | reference → USER | Owner. | |
free | multiselect | Free tags |
Relationships
- Lookups: ...
"""


def test_vendor_rules_each_apply() -> None:
    entity = parse_page(VENDOR_PAGE, "page.txt")
    assert (entity.code, entity.display_name, entity.plural, entity.level) == ("THING", "Thing", "Things", 12)
    assert entity.description == "A thing." and entity.use_cases == "First line.\nSecond line.\n"
    fields = {f.code: f for f in entity.fields}
    assert (fields["plain"].required, fields["plain"].read_only, fields["plain"].label, fields["plain"].notes) == (
        True,
        True,
        None,
        None,
    )
    assert (fields["shifted"].required, fields["shifted"].notes, fields["shifted"].label) == (
        False,
        "A note without a period",
        None,
    )
    assert (fields["labelled"].label, fields["labelled"].min, fields["labelled"].max) == ("Score (0-10)", 0, 10)
    assert (fields["ratio"].read_only, fields["ratio"].label, fields["ratio"].min, fields["ratio"].max) == (
        True,
        "Ratio (%)",
        0,
        100,
    )
    assert (fields["range"].required, fields["range"].min, fields["range"].max) == (True, -40, 85.5)
    assert [(o.id, o.label) for o in fields["kind"].options] == [(1, "A (first)"), (2, "B, C"), (-3, "Last.")]
    assert fields["kind"].label == "Kind"
    assert (fields["body"].multiline, fields["body"].required, fields["body"].label) == (True, True, "Body text")
    assert (fields["owner"].target, fields["owner"].label) == ("USER", "Owner")
    assert (fields["free"].type.value, fields["free"].notes, fields["free"].options) == ("multiselect", "Free tags", ())
    assert fields["plain"].location.line == 17 and fields["free"].location.line == 25


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("# Just a README\n\nSome text.\n", "page.md:1:1: not a definition page: no 'Entity properties' table"),
        ("\n\n", "page.md:1:1: not a definition page"),
        (
            VENDOR_PAGE.replace("owner | reference → USER", "owner | pointer"),
            "page.md:24:1: field 'owner': unknown type 'pointer'",
        ),
        (
            VENDOR_PAGE.replace("| Level | 12 |", "| Level | twelve |"),
            "page.md:9:1: level: expected a number, got 'twelve'",
        ),
        (VENDOR_PAGE.replace("1 (A (first)), 2", "1 A, 2"), "page.md:22:1: field 'kind': Valid ids: expected"),
        (VENDOR_PAGE.replace("Main: Only", "Main Only"), "page.md:14:1: expected a 'Panel: Section' heading"),
        (
            VENDOR_PAGE.replace("range | number", "plain | number"),
            "page.md:21:1: field 'plain': duplicate field code (first at line 17)",
        ),
        (
            VENDOR_PAGE.replace(
                "kind | enum | Kind. Valid ids: 1 (A (first)), 2 (B, C), -3 (Last.). | |", "kind | enum | Kind. | |"
            ),
            "page.md:22:1: field 'kind': an enum needs 'options'",
        ),
    ],
)
def test_pages_that_are_not_definitions_are_refused_with_line_numbers(page: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_page(page, "page.md")
    assert any(str(d).startswith(message) for d in caught.value.diagnostics), caught.value.diagnostics


def test_cli_writes_yaml_to_stdout_or_file(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["import-doc", str(SEED)])
    assert result.exit_code == 0, result.output
    assert result.output == dump_definition(cdr())
    target = tmp_path / "out" / "cdr.yaml"
    result = runner.invoke(main, ["import-doc", str(SEED), "-o", str(target)])
    assert result.exit_code == 0 and result.output == ""
    assert target.read_text(encoding="utf-8") == dump_definition(cdr())


def test_cli_refuses_a_page_that_is_not_a_definition(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Project\n\nNothing here.\n", encoding="utf-8")
    target = tmp_path / "never.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "generator", "import-doc", str(readme), "-o", str(target)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {readme}:1:1: not a definition page")
    assert "Traceback" not in result.stderr and not target.exists()
    missing = subprocess.run(
        [sys.executable, "-m", "generator", "import-doc", str(tmp_path / "nope.md")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "cannot read file" in missing.stderr


def our_page(entity: EntityDef, others: tuple[EntityDef, ...] = ()) -> str:
    project = build_project([entity, *others], {})
    module = project.entity(entity.code).module  # type: ignore[union-attr]
    return render_targets(project, ("docs",), (), "definitions")[f"docs/{module}.md"]


def assert_round_trip(entity: EntityDef, others: tuple[EntityDef, ...] = ()) -> None:
    """Docs of a definition read back to the same definition, and so does its canonical YAML."""
    # The definition itself is valid: its canonical YAML validates to the same definition.
    assert comparable(validate_definition(parse_yaml(dump_definition(entity), "in.yaml"), "in.yaml")) == comparable(
        entity
    )
    back = parse_page(our_page(entity, others), "page.md")
    assert comparable(back) == comparable(entity)
    reloaded = validate_definition(parse_yaml(dump_definition(back), "back.yaml"), "back.yaml")
    assert comparable(reloaded) == comparable(entity)


def test_our_cdr_page_reads_back_exactly() -> None:
    assert_round_trip(cdr())


def test_our_hostile_page_reads_back_exactly(tmp_path: Path) -> None:
    folder = write_definitions(tmp_path / "definitions")
    entities = load_definitions(folder, str)
    hostile = next(e for e in entities if e.code == "EVIL_X")
    assert_round_trip(hostile, tuple(e for e in entities if e is not hostile))
    page = generate_all(folder, ("docs",))["docs/evil_x.md"]
    (tmp_path / "evil_x.md").write_text(page, encoding="utf-8")
    result = CliRunner().invoke(main, ["import-doc", str(tmp_path / "evil_x.md")])
    assert result.exit_code == 0, result.output
    assert result.output == dump_definition(hostile)


@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
@given(definitions())
def test_any_definition_reads_back_from_its_page(entity: EntityDef) -> None:
    assert_round_trip(entity)


DIRECTION = '- **Label:** Direction\n- **Type:** enum\n- **JSON:** a string holding one option id, such as `"1"`\n'


@pytest.mark.parametrize(
    ("change", "message", "line_starts"),
    [
        (("| Entity code | CDR |\n", ""), "the 'Entity properties' table has no 'Entity code' row", "# CDR"),
        (
            (
                "##### callId {#callId}\n\n- **Label:** *Call Id*\n- **Type:** text\n",
                "##### callId {#callId}\n\n- **Label:** *Call Id*\n",
            ),
            "field 'callId': no '- **Type:**' line",
            "##### callId",
        ),
        (
            ("- **Type:** number, 1 to 5\n", "- **Type:** number, 1 up to 5\n"),
            "Type: expected a range",
            "- **Type:** number, 1 up",
        ),
        (
            (DIRECTION + "- **Required:** yes", DIRECTION + "- **Required:** maybe"),
            "Required: expected yes or no",
            "- **Required:** maybe",
        ),
        (("- **Options:** `1`&nbsp;Voice · ", "- **Options:** Voice · "), "Options: expected", "- **Options:** Voice"),
        (
            ("- **Label:** *Imsi*\n", "- **Label:** *Imsi*\n- **Label:** IMSI\n"),
            "expected one each of Label, Type",
            "- **Label:** IMSI",
        ),
        (
            ("##### name {#name}\n", "- **Label:** Orphan\n##### name {#name}\n"),
            "outside a field",
            "- **Label:** Orphan",
        ),
        (("##### name {#name}\n", "##### name\n"), "expected a field heading", "##### name"),
        (("\n## Fields\n", "\n## Layout\n"), "no '## Fields' heading", "# CDR"),
        (
            ("##### imsi {#imsi}", "##### callId {#imsi}"),
            "field 'callId': duplicate field code (first at line",
            "##### callId {#imsi}",
        ),
    ],
)
def test_broken_pages_of_ours_name_the_line(change: tuple[str, str], message: str, line_starts: str) -> None:
    page = our_page(cdr())
    assert change[0] in page
    broken = page.replace(*change)
    with pytest.raises(InputError) as caught:
        parse_page(broken, "cdr.md")
    diagnostic = caught.value.diagnostics[0]
    assert message in str(diagnostic)
    assert broken.split("\n")[diagnostic.location.line - 1].startswith(line_starts)
