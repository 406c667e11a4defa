"""The schema and dfgen's validator agree: on written cases and on generated definitions and mutations."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.definitions.format import FieldType
from generator.definitions.validate import ENTITY_KEYS, FIELD_KEYS, OPTION_KEYS, PANEL_KEYS, SECTION_KEYS
from tests.schema_support import assert_agree


def yaml_doc(fields: str = "- {code: a, type: text}", top: str = "") -> str:
    """A small definition in YAML, with these fields (one per line) and these top-level lines in front."""
    body = "".join(f"          {line}\n" for line in fields.splitlines())
    head = "".join(f"{line}\n" for line in top.splitlines())
    known = {line.split(":", 1)[0] for line in top.splitlines()}
    base = "".join(
        line for line in ("code: TICKET\n", "displayName: Ticket\n", "level: 100\n") if line.split(":")[0] not in known
    )
    return f"{head}{base}panels:\n  - name: Main\n    sections:\n      - name: Basics\n        fields:\n{body}"


OK, BAD, DFGEN = "accepted by both", "refused by both", "refused by dfgen only"
BIG = "1" * 101
YAML_CASES: dict[str, list[str]] = {
    OK: [
        yaml_doc("- {code: a, type: text, multiline: true, label: A, required: true, readOnly: false, notes: ''}"),
        yaml_doc(
            "- {code: a, type: number, min: -1, max: 5.5}\n- {code: b, type: gauge, min: -5}\n- {code: c, type: gauge, min: 150, max: 200}"
        ),
        yaml_doc(
            "- {code: a, type: enum, options: [{id: 1, label: A}, {id: -2, label: B}]}\n- {code: b, type: multiselect, options: []}\n- {code: c, type: multiselect}"
        ),
        yaml_doc("- {code: a, type: reference, target: CURRENCY}\n- {code: b, type: reference, target: TRUE}"),
        yaml_doc(
            "- {code: a, type: text, min: null, options: ~, target: , max: NULL}\n- {code: b, type: boolean}\n- {code: c, type: datetime}"
        ),
        yaml_doc(
            "- {code: 2024, type: text, label: 2024, notes: true}\n- {code: .inf, type: text, label: 1e5, notes: 0x10}"
        ),
        yaml_doc(top="code: TRUE\nplural: ~\ndescription: 42\nuseCases: |\n  Markdown *text*"),
        yaml_doc(
            "- {code: a, type: number, min: +1, max: 012}\n- {code: b, type: number, min: 1e2, max: 1.5E+3}",
            "level: -7",
        ),
    ],
    BAD: [
        yaml_doc("- {code: a, type: text, multiline: yes}"),
        yaml_doc("- {code: a, type: number, multiline: true}"),
        yaml_doc("- {code: a, type: text, target: CDR}"),
        yaml_doc("- {code: a, type: boolean, min: 1}"),
        yaml_doc("- {code: a, type: datetime, max: 1}"),
        yaml_doc("- {code: a, type: text, options: []}"),
        yaml_doc("- {code: a, type: enum}"),
        yaml_doc("- {code: a, type: enum, options: []}"),
        yaml_doc("- {code: a, type: enum, options: ~}"),
        yaml_doc("- {code: a, type: enum, options: [{id: x, label: A}]}"),
        yaml_doc("- {code: a, type: enum, options: [{id: '1', label: A}]}"),
        yaml_doc("- {code: a, type: enum, options: [{id: 1, label: '\u3000 '}]}"),
        yaml_doc('- {code: a, type: text, label: "\\x1f\\x85"}'),
        yaml_doc("- {code: a, type: enum, options: [{id: 1}]}"),
        yaml_doc("- {code: a, type: enum, options: [{id: 1, label: A, extra: 1}]}"),
        yaml_doc("- {code: a, type: enum, options: [Voice]}"),
        yaml_doc("- {code: a, type: reference}"),
        yaml_doc("- {code: a, type: reference, target: ~}"),
        yaml_doc("- {code: a, type: reference, target: currency}"),
        yaml_doc("- {code: a, type: gauge, min: 101}"),
        yaml_doc("- {code: a, type: gauge, max: -1}"),
        yaml_doc("- {code: a, type: txt}"),
        yaml_doc("- {code: a, type: Text}"),
        yaml_doc("- {code: a}"),
        yaml_doc("- {type: text}"),
        yaml_doc("- {code: '', type: text}"),
        yaml_doc("- {code: ' \t', type: text}"),
        yaml_doc("- {code: entity, type: text}"),
        yaml_doc("- {code: comboKey, type: text}"),
        yaml_doc("- {code: a, type: text, Label: A}"),
        yaml_doc("- {code: a, type: text, label: ''}"),
        yaml_doc("- {code: a, type: text, required: 'true'}"),
        yaml_doc("- {code: a, type: text, readOnly: no}"),
        yaml_doc("- {code: a, type: number, min: '1'}"),
        yaml_doc("- {code: a, type: number, min: true}"),
        yaml_doc("- {code: a, type: text, notes: [x]}"),
        yaml_doc("- a field"),
        yaml_doc(top="code: cdr"),
        yaml_doc(top='code: "TICKET\\n"'),
        yaml_doc(top="code: 1A"),
        yaml_doc(top="level: '100'"),
        yaml_doc(top="level: 1.5"),
        yaml_doc(top="level: true"),
        yaml_doc(top="displayName: ''"),
        yaml_doc(top="displayName: ~"),
        yaml_doc(top="plural: ' '"),
        yaml_doc(top="entity: DEFINITION"),
        "code: TICKET\ndisplayName: Ticket\nlevel: 100\n",
        "code: TICKET\ndisplayName: Ticket\nlevel: 100\npanels: {}\n",
        "code: TICKET\ndisplayName: Ticket\nlevel: 100\npanels: [{name: Main}]\n",
        "code: TICKET\ndisplayName: Ticket\nlevel: 100\npanels: [{name: ' ', sections: []}]\n",
        "code: TICKET\ndisplayName: Ticket\nlevel: 100\npanels: [{name: M, sections: [{name: S, fields: ~}]}]\n",
        "- code: TICKET\n",
    ],
    DFGEN: [
        yaml_doc("- {code: a, type: text}\n- {code: a, type: number}"),
        yaml_doc("- {code: a, type: enum, options: [{id: 1, label: A}, {id: 1, label: B}]}"),
        yaml_doc("- {code: a, type: number, min: 5, max: 1}"),
        yaml_doc("- {code: a, type: enum, options: [{id: 1.0, label: A}]}"),
        yaml_doc("- {code: a, type: enum, options: [{id: 1e2, label: A}]}"),
        yaml_doc("- {code: a, type: number, min: 0x10, max: 0o17}"),
        yaml_doc("- {code: a, type: number, max: .inf}\n- {code: b, type: number, min: 1e400}"),
        yaml_doc(f"- {{code: a, type: number, min: {BIG}}}"),
        yaml_doc(top="level: 1.0"),
        yaml_doc(top="level: 0x64"),
        yaml_doc(top="code: true"),
        yaml_doc("- {code: a, type: reference, target: true}"),
    ],
}


def api_doc(**changes: Any) -> dict[str, Any]:
    """A small definition as the API returns it, with these top-level keys changed or added."""
    field = changes.pop("field", {"code": "a", "type": "text"})
    fields = field if isinstance(field, list) else [field]
    base = {"code": "TICKET", "displayName": "Ticket", "level": 100}
    return {**base, "panels": [{"name": "Main", "sections": [{"name": "Basics", "fields": fields}]}], **changes}


API_CASES: dict[str, list[Any]] = {
    OK: [
        api_doc(entity="DEFINITION", id="TICKET", createdAt="2024-05-01T12:00:00Z"),
        api_doc(anything={"nested": [1]}, plural=None, description=""),
        api_doc(field={"code": "a", "type": "number", "min": 0.5, "max": 1e300, "notes": None}),
    ],
    BAD: [
        api_doc(field={"code": "a", "type": "text", "notes": 5}),
        api_doc(field={"code": "a", "type": "text", "label": True}),
        api_doc(field={"code": 5, "type": "text"}),
        api_doc(field={"code": "a", "type": "text", "id": "x"}),
        api_doc(field={"code": "a", "type": "text", "required": "true"}),
        api_doc(field={"code": "a", "type": "number", "min": "1"}),
        api_doc(field={"code": "a", "type": "enum", "options": [{"id": True, "label": "A"}]}),
        api_doc(level="100"),
        api_doc(level=True),
        api_doc(level=None),
        api_doc(code="TICKET\n"),
        api_doc(code=True),
        api_doc(displayName=2024),
        api_doc(displayName="\x1c\u2028"),
        ["not", "a", "definition"],
    ],
    DFGEN: [
        api_doc(field={"code": "a", "type": "text", "notes": "\ud800"}),
        api_doc(field=[{"code": "a", "type": "text"}, {"code": "a", "type": "number"}]),
        api_doc(field={"code": "a", "type": "number", "min": 2, "max": 1}),
        api_doc(level=1.0),
        api_doc(field={"code": "a", "type": "number", "min": float("inf"), "max": float("nan")}),
    ],
}
VERDICTS = {OK: (True, True), BAD: (False, False), DFGEN: (True, False)}


WRITTEN: list[tuple[str, Any]] = [
    (verdict, document) for verdict in VERDICTS for document in [*YAML_CASES[verdict], *API_CASES[verdict]]
]


@pytest.mark.parametrize(("expected", "document"), WRITTEN)
def test_the_schema_and_dfgen_agree_on_written_cases(expected: str, document: str | Any) -> None:
    assert assert_agree(document) == VERDICTS[expected], expected


# -- generated definitions and mutations of them -------------------------------------------------------


class Plain(str):
    """A scalar written unquoted into the YAML, as a person would type it (0x10, TRUE, 1.0, .inf)."""


PLAIN = ["0x10", "0o17", "1.0", "1e2", ".inf", "-.Inf", ".nan", "TRUE", "true", "False", "~", "NULL", "+5", "012"]
SCALARS = st.one_of(
    st.sampled_from(
        [None, True, False, 0, 1, -3, 100, 101, 10**100, int(BIG), 0.5, -2.5, 2.5e300, "", " ", "\u00a0", "x"]
        + ["CDR", "cdr", "A_1", "1A", "CDR\n", "entity", "comboKey", "1e5", "yes", "null"]
        + [t.value for t in FieldType]
    ),
    st.sampled_from(PLAIN).map(Plain),
    st.text(max_size=6),
    st.text(" \t\x1c\x1f\x85\xa0\u2000\u3000\ufeff", min_size=1, max_size=3),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=2),
    st.lists(st.fixed_dictionaries({"id": SCALARS, "label": SCALARS}), max_size=2),
    st.dictionaries(st.sampled_from(["id", "label", "name", "code", "type", "fields"]), SCALARS, max_size=2),
)
KEYS = sorted({*ENTITY_KEYS, *PANEL_KEYS, *SECTION_KEYS, *FIELD_KEYS, *OPTION_KEYS, "Code", "extra"})


@st.composite
def fields(draw: st.DrawFn, code: str) -> dict[str, Any]:
    """One valid field of a random type, with some of the keys that fit it."""
    kind = draw(st.sampled_from(list(FieldType)))
    field: dict[str, Any] = {"code": code, "type": kind.value}
    for key, value in (("label", st.sampled_from(["Call Type", "2024", "É"])), ("required", st.booleans())):
        if draw(st.booleans()):
            field[key] = draw(value)
    if kind in (FieldType.ENUM, FieldType.MULTISELECT) and (kind is FieldType.ENUM or draw(st.booleans())):
        ids = draw(st.lists(st.integers(-5, 50), min_size=kind is FieldType.ENUM, max_size=3, unique=True))
        field["options"] = [{"id": i, "label": f"Option {i}"} for i in ids]
    if kind is FieldType.REFERENCE:
        field["target"] = draw(st.from_regex(r"[A-Z][A-Z0-9_]{0,5}", fullmatch=True))
    if kind is FieldType.TEXT and draw(st.booleans()):
        field["multiline"] = draw(st.booleans())
    if kind in (FieldType.NUMBER, FieldType.GAUGE):
        low, high = sorted(draw(st.lists(st.integers(0, 100), min_size=2, max_size=2)))
        field.update({"min": low, "max": high} if draw(st.booleans()) else {})
    return field


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    """A valid definition: some fields with unique codes in two sections."""
    codes = draw(st.lists(st.from_regex(r"[a-z][A-Za-z0-9]{0,4}", fullmatch=True), min_size=1, max_size=4, unique=True))
    built = [draw(fields(code)) for code in codes]
    half = draw(st.integers(0, len(built)))
    sections = [{"name": "First", "fields": built[:half]}, {"name": "Second", "fields": built[half:]}]
    return {"code": "TICKET", "displayName": "Ticket", "level": 320, "panels": [{"name": "Main", "sections": sections}]}


def _parts(tree: Any, kind: type) -> list[Any]:
    found = [tree] if isinstance(tree, kind) else []
    children = tree.values() if isinstance(tree, dict) else tree if isinstance(tree, list) else []
    return found + [part for child in children for part in _parts(child, kind)]


def mutate(data: st.DataObject, tree: dict[str, Any]) -> None:
    """Set, delete or duplicate something anywhere in the tree."""
    draw = data.draw
    action = draw(st.sampled_from(["set", "set", "delete", "duplicate", "empty"]))
    if action in ("set", "delete"):
        target = draw(st.sampled_from(_parts(tree, dict)))
        if action == "set":
            target[draw(st.sampled_from([*target, *KEYS]))] = draw(VALUES)
        elif target:
            del target[draw(st.sampled_from(sorted(target)))]
        return
    lists = [part for part in _parts(tree, list) if part]
    if lists:
        chosen = draw(st.sampled_from(lists))
        if action == "duplicate":
            chosen.append(json.loads(json.dumps(chosen[0])))
        else:
            chosen.clear()


def as_yaml(tree: Any) -> str:
    """The tree as a YAML file: PyYAML's block style, each Plain scalar as typed."""
    plain: dict[str, str] = {}

    def hide(value: Any) -> Any:
        if isinstance(value, Plain):
            plain[f"zzplain{len(plain)}zz"] = str(value)
            return f"zzplain{len(plain) - 1}zz"
        if isinstance(value, dict):
            return {k: hide(v) for k, v in value.items()}
        return [hide(v) for v in value] if isinstance(value, list) else value

    text = yaml.safe_dump(hide(tree), sort_keys=False, allow_unicode=True)
    return re.sub(r"zzplain[0-9]+zz", lambda m: plain[m.group(0)], text)


def as_api(tree: Any) -> Any:
    """The tree as the API's JSON: every Plain scalar a string."""
    return json.loads(json.dumps(tree))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_schema_and_dfgen_agree_on_generated_definitions_and_mutations(data: st.DataObject) -> None:
    tree = data.draw(definitions())
    assert assert_agree(as_yaml(tree)) == (True, True) and assert_agree(as_api(tree)) == (True, True)
    for _ in range(data.draw(st.integers(1, 3))):
        mutate(data, tree)
    assert_agree(as_yaml(tree))
    assert_agree(as_api(tree))
