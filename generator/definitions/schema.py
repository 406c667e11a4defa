"""The DEFINITION format as a JSON Schema 2020-12 document, built as data, for editors and other validators."""

from __future__ import annotations

import json
from typing import Any

from generator.definitions.format import GAUGE_BOUNDS, FieldType
from generator.definitions.validate import ENVELOPE_KEYS, KEYS_FOR_TYPES

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FILE_ID = "urn:dfgen:definition"
API_ID = "urn:dfgen:definition:api"

# The characters str.isspace() knows, which str.strip() removes: dfgen calls a label made only of them
# empty. Spelled out because `\s` differs between Python's re and the ECMA-262 regexes schemas use.
_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"[^{_SPACE}]"
ENTITY_CODE = "^[A-Z][A-Z0-9_]*$"

TYPE_MEANINGS = {
    FieldType.TEXT: "a string",
    FieldType.NUMBER: "a number, within min and max when they are given",
    FieldType.BOOLEAN: "true or false",
    FieldType.DATETIME: "an RFC 3339 date and time with an offset",
    FieldType.ENUM: "one of the options, sent as its id",
    FieldType.MULTISELECT: "a list of option ids, or of free tags when the field has no options",
    FieldType.REFERENCE: "the id of a record of the target entity",
    FieldType.GAUGE: f"a read-only score, {GAUGE_BOUNDS[0]} to {GAUGE_BOUNDS[1]} unless min and max say otherwise",
}


class _Flavour:
    """Property schemas for one flavour of the document: a YAML file, or the API's JSON."""

    def __init__(self, api: bool) -> None:
        # dfgen reads a YAML scalar where it expects text as the text written, so `label: 2024` is
        # the label "2024", though YAML (and so an editor) reads a number. The API's JSON must say "2024".
        self.text: list[str] = ["string"] if api else ["string", "number", "boolean"]
        # Likewise TRUE is an entity code to dfgen and a boolean to YAML.
        self.code: list[str] = ["string"] if api else ["string", "boolean"]
        self.typed = "" if api else " An unquoted YAML number or boolean counts as the text written."

    @staticmethod
    def value(types: list[str], description: str, required: bool = False, **rules: Any) -> dict[str, Any]:
        """A property's schema; an optional one may also be null, which dfgen reads as absent."""
        types = types if required else [*types, "null"]
        return {"type": types[0] if len(types) == 1 else types, "description": description, **rules}

    def label(self, description: str, required: bool = False) -> dict[str, Any]:
        """Text that must hold more than white space."""
        return self.value(self.text, f"{description} Not empty.{self.typed}", required, pattern=NOT_BLANK)

    def entity_code(self, description: str, required: bool = False) -> dict[str, Any]:
        """An entity's code."""
        return self.value(self.code, f"{description} Upper case: [A-Z][A-Z0-9_]*.", required, pattern=ENTITY_CODE)

    def flag(self, description: str) -> dict[str, Any]:
        """An optional boolean, false when absent."""
        return self.value(["boolean"], f"{description} Default: false.", default=False)


def _option(f: _Flavour) -> dict[str, Any]:
    """An enum or multiselect option."""
    return {
        "type": "object",
        "title": "Option",
        "description": "One option of an enum or multiselect field.",
        "required": ["id", "label"],
        "properties": {
            "id": f.value(
                ["integer"],
                'The option\'s id: a whole number, unique within the field. Records carry it as a string ("1").',
                required=True,
            ),
            "label": f.label("The option's label, shown to users; enum member names derive from it.", True),
        },
        "additionalProperties": False,
    }


def _applies_to(key: str, types: tuple[FieldType, ...]) -> dict[str, Any]:
    """Refuse `key` (unless null) on a field whose type is not one of `types`."""
    names = [t.value for t in types]
    return {
        "if": {"required": ["type"], "properties": {"type": {"not": {"enum": names}}}},
        "then": {
            "properties": {
                key: {"type": "null", "description": f"'{key}' applies only to {' and '.join(names)} fields."}
            }
        },
    }


def _field_rules(f: _Flavour) -> list[dict[str, Any]]:
    """What depends on the field's type: the keys that fit it, and what enum, reference and gauge need."""
    low, high = GAUGE_BOUNDS
    return [
        *(_applies_to(key, types) for key, types in KEYS_FOR_TYPES.items()),
        {
            "if": {"required": ["type"], "properties": {"type": {"const": FieldType.ENUM.value}}},
            "then": {
                "required": ["options"],
                "properties": {
                    "options": {"type": "array", "minItems": 1, "description": "An enum needs at least one option."}
                },
            },
        },
        {
            "if": {"required": ["type"], "properties": {"type": {"const": FieldType.REFERENCE.value}}},
            "then": {
                "required": ["target"],
                "properties": {"target": {"type": f.code, "description": "A reference needs the code of its target."}},
            },
        },
        # One bound alone must not cross the gauge's default other bound; two bounds are dfgen's to compare.
        {
            "if": {
                "required": ["type"],
                "properties": {"type": {"const": FieldType.GAUGE.value}, "max": {"type": "null"}},
            },
            "then": {
                "properties": {"min": {"maximum": high, "description": f"A gauge's min alone is at most {high}."}}
            },
        },
        {
            "if": {
                "required": ["type"],
                "properties": {"type": {"const": FieldType.GAUGE.value}, "min": {"type": "null"}},
            },
            "then": {"properties": {"max": {"minimum": low, "description": f"A gauge's max alone is at least {low}."}}},
        },
    ]


def _field(f: _Flavour) -> dict[str, Any]:
    """A field: every key, and the rules its type brings."""
    types = "; ".join(f"{t.value}: {meaning}" for t, meaning in TYPE_MEANINGS.items())
    return {
        "type": "object",
        "title": "Field",
        "description": "One field of the entity: its API name, type, flags and the keys its type takes.",
        "required": ["code", "type"],
        "properties": {
            "code": f.label(
                "The field's API name, unique in the entity and stable across renames. Not 'entity', 'level' "
                "or 'comboKey': the create payload's envelope uses them.",
                True,
            )
            | {"not": {"enum": list(ENVELOPE_KEYS)}},
            "type": f.value(["string"], f"The field's type. {types}.", True, enum=[t.value for t in FieldType]),
            "label": f.label("The display name (default: derived from the code); the generated title."),
            "required": f.flag("Whether a create must give the field."),
            "readOnly": f.flag("Whether clients may not write the field (a required one is set once, at creation)."),
            "notes": f.value(f.text, f"Free text about the field, shown as typed; the generated description.{f.typed}"),
            "options": f.value(
                ["array"],
                "enum and multiselect only: the options, each {id, label}, ids unique. An enum needs at least one; "
                "a multiselect without options takes free tags.",
                items={"$ref": "#/$defs/option"},
            ),
            "multiline": f.flag("text only: whether the text spans lines."),
            "target": f.entity_code("reference only, and required there: the code of the entity it points at."),
            "min": f.value(["number"], "number and gauge only: the lowest value allowed (a finite number)."),
            "max": f.value(["number"], "number and gauge only: the highest value allowed, not below min."),
        },
        "additionalProperties": False,
        "allOf": _field_rules(f),
    }


def _section(f: _Flavour) -> dict[str, Any]:
    """A section of a panel."""
    return {
        "type": "object",
        "title": "Section",
        "description": "A named group of fields inside a panel.",
        "required": ["name", "fields"],
        "properties": {
            "name": f.label("The section's name.", True),
            "fields": f.value(["array"], "The section's fields, in order.", True, items={"$ref": "#/$defs/field"}),
        },
        "additionalProperties": False,
    }


def _panel(f: _Flavour) -> dict[str, Any]:
    """A panel of the layout."""
    return {
        "type": "object",
        "title": "Panel",
        "description": "A named group of sections: the entity's layout.",
        "required": ["name", "sections"],
        "properties": {
            "name": f.label("The panel's name.", True),
            "sections": f.value(["array"], "The panel's sections, in order.", True, items={"$ref": "#/$defs/section"}),
        },
        "additionalProperties": False,
    }


def _envelope() -> dict[str, Any]:
    """The API's envelope keys that editors may show."""
    return {
        "entity": {"description": "Envelope: the kind of object (DEFINITION). Ignored."},
        "id": {"description": "Envelope: the object's id (the entity code). Ignored."},
    }


def definition_schema(api: bool = False) -> dict[str, Any]:
    """The JSON Schema of a DEFINITION: a file in definitions/, or (api) the JSON the API returns."""
    f = _Flavour(api)
    where = (
        "as the DemandFlow API returns it: JSON, where keys beside the format's (the envelope: entity, id, "
        "timestamps) are ignored"
        if api
        else "as a file in definitions/ (YAML): one entity per file, every key known"
    )
    return {
        "$schema": DIALECT,
        "$id": API_ID if api else FILE_ID,
        "title": "DemandFlow entity DEFINITION",
        "description": f"One entity's schema, {where}. See docs/definition-format.md of dfgen; "
        "dfgen also checks what JSON Schema cannot say: field codes and option ids unique, min not above max.",
        "type": "object",
        "required": ["code", "displayName", "level", "panels"],
        "properties": {
            "code": f.entity_code("The entity's code, stable across renames, such as CDR.", True),
            "displayName": f.label("The entity's display name.", True),
            "plural": f.label("The display name in the plural (default: the display name and an s)."),
            "level": f.value(["integer"], "The entity's level: a whole number, part of every create payload.", True),
            "description": f.value(f.text, f"One line about the entity.{f.typed}"),
            "useCases": f.value(f.text, f"Markdown: what the entity is for.{f.typed}"),
            "panels": f.value(["array"], "The layout, in order.", True, items={"$ref": "#/$defs/panel"}),
            **(_envelope() if api else {}),
        },
        "additionalProperties": api,
        "$defs": {"panel": _panel(f), "section": _section(f), "field": _field(f), "option": _option(f)},
    }


def schema_text(api: bool = False) -> str:
    """The schema as JSON text: keys in the order above, two-space indents, lists of scalars on one line."""
    return _json(definition_schema(api), "") + "\n"


def _json(value: Any, indent: str) -> str:
    """One value as JSON text, nested objects and lists of objects indented."""
    if isinstance(value, dict) and value:
        inner = indent + "  "
        items = (f"{inner}{json.dumps(k, ensure_ascii=False)}: {_json(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + _json(item, inner) for item in value) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False)
