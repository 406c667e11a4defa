"""The canonical YAML writer of definitions: key order, omitted defaults, and exact round trips."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.definitions.canonical import canonical_dict, dump_definition
from generator.definitions.format import EntityDef
from generator.definitions.load import from_json, load_file, parse_yaml
from generator.definitions.validate import validate_definition
from generator.diagnostics import Location
from tests.helpers import CDR_DEFINITION

HOSTILE = [
    'say "hi"',
    "back\\slash \\n not a newline",
    "it's",
    "Ünïcödé – ß ✓ 日本語 🎉",
    "line\u2028separator",
    "next\x85line",
    "para\u2029graph",
    "nul\x00byte",
    "cr\rlf\r\n",
    "tab\there",
    "\ufeffbom first",
    "nbsp\xa0here",
    "bell\x07 esc\x1b del\x7f",
    "null",
    "~",
    "true",
    "No",
    "1",
    "0x1F",
    "1e5",
    ".nan",
    "-",
    "- item",
    "? key",
    "key: value",
    "# comment",
    "trailing #",
    "&anchor",
    "*alias",
    "!tag",
    "%directive",
    "@at",
    "`tick`",
    "{flow: map}",
    "[flow, list]",
    "---",
    "...",
    "|",
    ">",
    " leading space",
    "trailing space ",
    "two\nlines",
    "trailing newline\n",
    "two trailing newlines\n\n",
    "\nleading newline",
    "spaces at line end   \nnext",
    "{{ jinja }} {% raw %}",
    "'''\"\"\"",
]


def _plain(value: Any) -> Any:
    """A definition as nested data, without source locations, so equal definitions compare equal."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in ("location", "source")
        }
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def _reload(text: str) -> EntityDef:
    """The canonical text read back by dfgen's own loader and validator, as a hand-written file is."""
    return validate_definition(parse_yaml(text, "definitions/x.yaml"), "definitions/x.yaml")


def _definition(text: str = "Label", notes: str | None = "Notes", **entity: Any) -> dict[str, Any]:
    """A definition as the API's JSON, with every string slot open to test text."""
    return {
        "code": "HOSTILE",
        "displayName": entity.get("displayName", text),
        "plural": entity.get("plural", text),
        "level": 7,
        "description": entity.get("description", text),
        "useCases": entity.get("useCases", text),
        "panels": [
            {
                "name": text,
                "sections": [
                    {
                        "name": text,
                        "fields": [
                            {"code": text, "type": "text", "label": text, "notes": notes, "multiline": True},
                            {
                                "code": "choice",
                                "type": "enum",
                                "label": text,
                                "options": [{"id": 1, "label": text}, {"id": -2, "label": "Other"}],
                            },
                        ],
                    }
                ],
            }
        ],
    }


def _from_api(value: dict[str, Any]) -> EntityDef:
    return validate_definition(from_json(value, "https://api.test/d"), "https://api.test/d", allow_envelope=True)


def test_the_cdr_definition_reads_back_equal_from_its_canonical_text() -> None:
    original = validate_definition(load_file(CDR_DEFINITION, "definitions/cdr.yaml"), "definitions/cdr.yaml")
    text = dump_definition(original)
    again = _reload(text)
    assert _plain(again) == _plain(original)
    assert len(again.fields) == 63
    assert dump_definition(again) == text


def test_keys_come_in_the_format_order_and_defaults_are_left_out() -> None:
    value = {
        "panels": [
            {
                "sections": [
                    {
                        "fields": [
                            {
                                "options": [{"label": "A", "id": 2}],
                                "type": "multiselect",
                                "code": "tags",
                                "readOnly": False,
                                "required": True,
                                "notes": "n",
                                "label": "Tags",
                            },
                            {"max": 5, "min": 1.5, "notes": None, "type": "number", "code": "mos", "readOnly": True},
                            {"target": "CURRENCY", "type": "reference", "code": "currency", "label": None},
                            {"multiline": False, "type": "text", "code": "plain", "notes": ""},
                            {"type": "multiselect", "code": "free", "options": []},
                        ],
                        "name": "S",
                    }
                ],
                "name": "P",
            }
        ],
        "useCases": "Use it.\n",
        "description": "",
        "level": 0,
        "displayName": "Ticket",
        "code": "TICKET",
        "plural": None,
    }
    assert dump_definition(_from_api(value)) == (
        "code: TICKET\n"
        "displayName: Ticket\n"
        "level: 0\n"
        'description: ""\n'
        "useCases: |\n"
        "  Use it.\n"
        "panels:\n"
        "  - name: P\n"
        "    sections:\n"
        "      - name: S\n"
        "        fields:\n"
        "          - code: tags\n"
        "            type: multiselect\n"
        "            label: Tags\n"
        "            required: true\n"
        "            notes: n\n"
        "            options:\n"
        "              - id: 2\n"
        "                label: A\n"
        "          - code: mos\n"
        "            type: number\n"
        "            readOnly: true\n"
        "            min: 1.5\n"
        "            max: 5\n"
        "          - code: currency\n"
        "            type: reference\n"
        "            target: CURRENCY\n"
        "          - code: plain\n"
        "            type: text\n"
        '            notes: ""\n'
        "          - code: free\n"
        "            type: multiselect\n"
    )


def test_hostile_strings_in_every_slot_read_back_exactly() -> None:
    for text in HOSTILE:
        if not text.strip():
            continue
        fetched = _from_api(_definition(text, notes=text))
        canonical = dump_definition(fetched)
        again = _reload(canonical)
        assert _plain(again) == _plain(fetched), repr(text)
        assert again.panels[0].sections[0].fields[0].notes == text


def test_numbers_keep_their_value_and_kind() -> None:
    for low, high in [(0, 100), (-1, 1), (0.1, 0.2), (1e-7, 1e300), (-(10**30), 10**30), (2.5, 2.5)]:
        value = _definition()
        value["panels"][0]["sections"][0]["fields"].append({"code": "n", "type": "gauge", "min": low, "max": high})
        again = _reload(dump_definition(_from_api(value)))
        field = again.fields[-1]
        assert (field.min, field.max) == (low, high)
        assert (type(field.min), type(field.max)) == (type(low), type(high))


def test_the_canonical_data_is_plain_and_deterministic() -> None:
    entity = _from_api(_definition())
    first = canonical_dict(entity)
    assert first == canonical_dict(entity)
    assert list(first) == ["code", "displayName", "plural", "level", "description", "useCases", "panels"]
    assert dump_definition(entity) == dump_definition(_from_api(_definition()))


_text = st.text(min_size=1).filter(lambda s: bool(s.strip()))


@settings(max_examples=200, deadline=None)
@given(label=_text, notes=st.text(), description=st.text(), use_cases=st.text())
def test_any_text_reads_back_exactly(label: str, notes: str, description: str, use_cases: str) -> None:
    fetched = _from_api(_definition(label, notes=notes, description=description, useCases=use_cases))
    assert _plain(_reload(dump_definition(fetched))) == _plain(fetched)


def test_locations_are_not_part_of_the_comparison() -> None:
    entity = _from_api(_definition())
    moved = dataclasses.replace(entity, location=Location("elsewhere", 9, 9), source="elsewhere")
    assert _plain(moved) == _plain(entity)
