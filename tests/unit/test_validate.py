"""generator/definitions/validate.py: the DEFINITION format's rules, every problem named at its place."""

from __future__ import annotations

from typing import Any

import pytest

from generator.definitions.format import FieldType
from generator.definitions.load import from_json, load_file, parse_yaml
from generator.definitions.validate import KEYS_FOR_TYPES, validate_definition
from generator.diagnostics import InputError
from tests.helpers import CDR_DEFINITION

HEAD = "code: E\ndisplayName: E\nlevel: 1\npanels:\n  - name: P\n    sections:\n      - name: S\n        fields:\n"


def problems(text: str, allow_envelope: bool = False) -> list[str]:
    """Every message for a YAML definition, in order."""
    with pytest.raises(InputError) as raised:
        validate_definition(parse_yaml(text, "d.yaml"), "d.yaml", allow_envelope)
    return str(raised.value).splitlines()


def fields(*lines: str) -> str:
    """A definition whose fields are the given lines, indented as a field list (line 9 onwards)."""
    return HEAD + "".join(f"          {line}\n" for line in lines)


def test_the_cdr_definition_has_what_the_vendor_page_lists() -> None:
    entity = validate_definition(load_file(CDR_DEFINITION, "definitions/cdr.yaml"), "definitions/cdr.yaml")
    assert (entity.code, entity.level, entity.source) == ("CDR", 320, "definitions/cdr.yaml")
    assert [p.name for p in entity.panels] == ["General", "Network", "Technical", "Billing", "Analysis"]
    assert sum(len(p.sections) for p in entity.panels) == 10
    assert len(entity.fields) == 63
    assert sum(f.required for f in entity.fields) == 8
    assert sum(f.read_only for f in entity.fields) == 4
    assert sum(f.type is FieldType.ENUM for f in entity.fields) == 8


def test_defaults_are_applied_and_values_converted() -> None:
    entity = validate_definition(
        parse_yaml(fields("- {code: a, type: text}", "- {code: n, type: number, min: -1.5, max: 10}"), "d.yaml"),
        "d.yaml",
    )
    text, number = entity.fields
    assert (text.label, text.required, text.read_only, text.notes, text.multiline, text.options) == (
        None,
        False,
        False,
        None,
        False,
        (),
    )
    assert (number.min, number.max) == (-1.5, 10) and isinstance(number.max, int)
    assert (entity.plural, entity.description, entity.use_cases) == (None, None, None)
    assert text.location.line == 9 and number.location.line == 10


def test_every_problem_is_reported_at_once_with_place_field_and_suggestion() -> None:
    text = fields(
        "- code: a",
        "  type: txt",
        "- code: b",
        "  type: text",
        "  lable: B",
        "  multiline: yes",
        "  min: 1",
    )
    assert problems(text) == [
        "d.yaml:10:19: field 'a': unknown type 'txt' (expected one of text, number, boolean, datetime, enum, "
        "multiselect, reference, gauge) (did you mean 'text'?)",
        "d.yaml:13:13: field 'b': unknown field key 'lable' (did you mean 'label'?)",
        "d.yaml:14:24: field 'b': multiline: expected true or false, got 'yes'",
        "d.yaml:15:18: field 'b': key 'min' does not apply to a text field (only number and gauge)",
    ]


def test_entity_keys_missing_mistyped_and_misspelt() -> None:
    assert problems("code: e\ndisplayName: ''\nlevl: 1\npanels: {}\n") == [
        "d.yaml:1:1: missing required definition key 'level'",
        "d.yaml:1:7: code: 'e' is not an entity code (expected [A-Z][A-Z0-9_]*, such as CDR)",
        "d.yaml:2:14: displayName: must not be empty",
        "d.yaml:3:1: unknown definition key 'levl' (did you mean 'level'?)",
        "d.yaml:4:9: panels: expected a list, got a mapping",
    ]


def test_each_type_needs_its_keys_and_bounds_must_fit() -> None:
    text = fields(
        "- code: a",
        "  type: enum",
        "- code: r",
        "  type: reference",
        "- code: n",
        "  type: number",
        "  min: 5",
        "  max: 1",
        "- code: g",
        "  type: gauge",
        "  min: 200",
        "- code: h",
        "  type: gauge",
        "  max: -1",
    )
    assert problems(text) == [
        "d.yaml:10:19: field 'a': an enum needs 'options': a list of {id, label}",
        "d.yaml:11:13: field 'r': a reference needs 'target': the code of the entity it points at",
        "d.yaml:15:18: field 'n': min 5 is above max 1",
        "d.yaml:19:18: field 'g': min 200 is above a gauge's default max 100",
        "d.yaml:22:18: field 'h': max -1 is below a gauge's default min 0",
    ]


@pytest.mark.parametrize(("key", "types"), sorted(KEYS_FOR_TYPES.items()))
def test_a_key_of_one_type_is_refused_on_every_other(key: str, types: tuple[FieldType, ...]) -> None:
    value = {"options": "[{id: 1, label: A}]", "multiline": "true", "target": "CDR", "min": "1", "max": "1"}[key]
    for field_type in FieldType:
        text = fields("- code: f", f"  type: {field_type.value}", f"  {key}: {value}")
        if field_type in types:
            validate_definition(parse_yaml(text, "d.yaml"), "d.yaml")
            continue
        expected = (
            f"d.yaml:11:{15 + len(key)}: field 'f': key {key!r} does not apply to a {field_type.value} field "
            f"(only {' and '.join(t.value for t in types)})"
        )
        assert expected in problems(text)


def test_duplicates_and_reserved_codes_name_the_first_place() -> None:
    text = fields(
        "- code: a",
        "  type: multiselect",
        "  options:",
        "    - {id: 1, label: A}",
        "    - {id: 1, label: B}",
        "    - {id: x, label: C}",
        "- code: a",
        "  type: text",
        "- code: entity",
        "  type: text",
    )
    assert problems(text) == [
        "d.yaml:13:17: field 'a': duplicate option id 1 (first at line 12)",
        "d.yaml:14:22: field 'a': option id: expected an integer, got 'x'",
        "d.yaml:15:13: field 'a': duplicate field code (first at line 9)",
        "d.yaml:17:19: field 'entity': code 'entity' is reserved: the create payload's envelope uses it",
    ]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "CON",
            "'CON' would name the file con.py, which Windows reserves for a device; expected a code other than "
            "AUX, CON, NUL, PRN, COM0 to COM9 and LPT0 to LPT9",
        ),
        (
            "LPT9",
            "'LPT9' would name the file lpt9.py, which Windows reserves for a device; expected a code other "
            "than AUX, CON, NUL, PRN, COM0 to COM9 and LPT0 to LPT9",
        ),
        ("INDEX", "'INDEX' would name the file docs/index.md, the docs' index; expected another entity code"),
        ("A" * 65, "expected an entity code of at most 64 characters, got 65"),
        ("CDR-2", "'CDR-2' is not an entity code (expected [A-Z][A-Z0-9_]*, such as CDR)"),
        ("_CDR", "'_CDR' is not an entity code (expected [A-Z][A-Z0-9_]*, such as CDR)"),
    ],
)
def test_entity_codes_must_name_portable_files(code: str, message: str) -> None:
    assert problems(f"code: {code}\ndisplayName: E\nlevel: 1\npanels: []\n") == [f"d.yaml:1:7: code: {message}"]


@pytest.mark.parametrize("code", ["CONSOLE", "INDEX_CARD", "COM10", "A" * 64, "CLASS"])
def test_codes_that_only_look_reserved_are_fine(code: str) -> None:
    node = parse_yaml(f"code: {code}\ndisplayName: E\nlevel: 1\npanels: []\n", "d.yaml")
    assert validate_definition(node, "d.yaml").code == code


def test_a_quoted_number_or_boolean_is_text_and_the_message_says_so() -> None:
    text = fields(
        "- code: r",
        "  type: reference",
        "  target: cdr",
        "- code: x",
        "  type: number",
        "  max: .nan",
        "- code: y",
        "  type: boolean",
        "  required: 'true'",
    ).replace("level: 1", "level: '1'")
    assert problems(text) == [
        "d.yaml:3:8: level: expected an integer, got the quoted string '1'",
        "d.yaml:11:21: field 'r': target: 'cdr' is not an entity code (expected [A-Z][A-Z0-9_]*, such as CDR)",
        "d.yaml:14:18: field 'x': max: expected a finite number, got '.nan'",
        "d.yaml:17:23: field 'y': required: expected true or false, got the quoted string 'true'",
    ]


def test_envelope_keys_are_refused_in_a_file_and_ignored_from_the_api() -> None:
    text = "code: E\ndisplayName: E\nlevel: 1\npanels: []\nentity: DEFINITION\nid: CDR\n"
    assert problems(text) == [
        "d.yaml:5:1: unknown definition key 'entity'",
        "d.yaml:6:1: unknown definition key 'id'",
    ]
    assert validate_definition(parse_yaml(text, "d.yaml"), "d.yaml", allow_envelope=True).code == "E"


def test_json_from_the_api_is_checked_by_type_and_named_by_json_path() -> None:
    data: dict[str, Any] = {
        "code": "E",
        "displayName": "E",
        "level": "1",
        "panels": [
            {
                "name": "P",
                "sections": [
                    {
                        "name": "S",
                        "fields": [
                            {"code": "a", "type": "text", "required": "yes"},
                            {"code": "b", "type": "number", "min": 10**101},
                            {"code": "c", "type": "number", "max": True},
                        ],
                    }
                ],
            }
        ],
    }
    with pytest.raises(InputError) as raised:
        validate_definition(from_json(data, "api"), "api", allow_envelope=True)
    fields_at = "api: $.panels[0].sections[0].fields"
    assert str(raised.value).splitlines() == [
        "api: $.level: level: expected an integer, got a string",
        f"{fields_at}[0].required: field 'a': required: expected true or false, got a string",
        f"{fields_at}[1].min: field 'b': min: expected at most 100 digits, got 102 digits",
        f"{fields_at}[2].max: field 'c': max: expected a finite number, got a boolean",
    ]
