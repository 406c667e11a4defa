"""generator/diagnostics.py: how a place and a problem are printed, sorted and cut short."""

from __future__ import annotations

import pytest

from generator.diagnostics import MAX_QUOTED, Diagnostic, InputError, Location, excerpt, quoted


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        (Location("definitions/cdr.yaml", 12, 7), "definitions/cdr.yaml:12:7"),
        (
            Location("https://t.example/v1/objects/DEFINITION/CDR", path="$.panels[0].name"),
            "https://t.example/v1/objects/DEFINITION/CDR: $.panels[0].name",
        ),
        (Location("pyproject.toml"), "pyproject.toml"),
    ],
)
def test_a_location_is_file_line_column_or_source_and_json_path(location: Location, shown: str) -> None:
    assert str(location) == shown


def test_a_diagnostic_names_the_field_when_it_has_one() -> None:
    at = Location("cdr.yaml", 3, 5)
    assert str(Diagnostic(at, "expected a string, got a list", "callType")) == (
        "cdr.yaml:3:5: field 'callType': expected a string, got a list"
    )
    assert str(Diagnostic(at, "missing required definition key 'level'")) == (
        "cdr.yaml:3:5: missing required definition key 'level'"
    )
    # The field is quoted as a repr: a code holding a quote or a line break stays on the line.
    assert str(Diagnostic(at, "m", "a'b\nc")) == 'cdr.yaml:3:5: field "a\'b\\nc": m'


def test_input_error_sorts_by_place_drops_repeats_and_prints_a_line_each() -> None:
    late, early, other = Location("b.yaml", 2, 1), Location("a.yaml", 10, 3), Location("a.yaml", 9, 40)
    error = InputError([Diagnostic(late, "x"), Diagnostic(early, "y"), Diagnostic(other, "z"), Diagnostic(late, "x")])
    assert str(error) == "a.yaml:9:40: z\na.yaml:10:3: y\nb.yaml:2:1: x"
    assert [d.location for d in error.diagnostics] == [other, early, late]
    single = InputError.at(early, "bad", "f")
    assert single.diagnostics == [Diagnostic(early, "bad", "f")] and str(single) == "a.yaml:10:3: field 'f': bad"


def test_lines_sort_by_number_not_as_text() -> None:
    error = InputError([Diagnostic(Location("a", 10, 1), "ten"), Diagnostic(Location("a", 9, 1), "nine")])
    assert str(error).splitlines() == ["a:9:1: nine", "a:10:1: ten"]


def test_long_tenant_text_is_cut_in_messages_and_fields() -> None:
    long = "x" * 500
    assert excerpt("short") == "short" and len(excerpt(long)) == MAX_QUOTED and excerpt(long).endswith("...")
    assert quoted("a'b") == repr("a'b")
    cut = quoted(long)
    # Still reads as a quoted value: the closing quote is kept after the cut.
    assert len(cut) == MAX_QUOTED and cut.startswith("'xxx") and cut.endswith("...'")
    assert quoted(12) == "12"
    diagnostic = Diagnostic(Location("a"), "m", long)
    assert diagnostic.field is not None and len(diagnostic.field) == MAX_QUOTED
    exact = "y" * MAX_QUOTED
    assert Diagnostic(Location("a"), "m", exact).field == exact
