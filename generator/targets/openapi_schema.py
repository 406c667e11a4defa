"""JSON Schemas (OpenAPI 3.1) of one entity's classes, accepting exactly the JSON the models accept."""

from __future__ import annotations

import re
from typing import Any

from generator.definitions.format import FieldType
from generator.model.entities import Entity, EnumType, Field

Schema = dict[str, Any]

RECORD, CREATE, UPDATE = "record", "create", "update"

# The models' date-time (RFC 3339 with "T", seconds and an offset) in the regex subset that every
# JSON Schema validator shares. The ranges are spelled out so that the pattern alone refuses what
# the models refuse and some date-time checkers allow: leap seconds, hour 24, year 0000. Days past
# the end of the month are left to `format: date-time`.
DATETIME_PATTERN = (
    "^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
    "-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    "[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?"
    "([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
COMBO_KEY_PATTERN = "^SUB:[^|]+\\|ENT:$"

_SCALARS = {
    FieldType.TEXT: "string",
    FieldType.REFERENCE: "string",
    FieldType.NUMBER: "number",
    FieldType.GAUGE: "number",
    FieldType.BOOLEAN: "boolean",
    FieldType.DATETIME: "string",
}
_COMPONENT_NAME = re.compile(r"[A-Za-z0-9_]+\Z")


def ref(name: str) -> Schema:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def enum_component(entity: Entity, enum: EnumType) -> str:
    """The component name of an enum: entity code, a dot, the class name (unique in any bundle).

    Component names are ASCII; a class name that is not gets the hex of its UTF-8 bytes instead,
    after `enum-`, which no class name contains.
    """
    name = enum.name if _COMPONENT_NAME.match(enum.name) else f"enum-{enum.name.encode('utf-8').hex()}"
    return f"{entity.code}.{name}"


def _typed(name: str, nullable: bool) -> str | list[str]:
    return [name, "null"] if nullable else name


def _option_schemas(entity: Entity, enum: EnumType, tolerant: bool) -> list[Schema]:
    """A known option id; reads also keep any other string or integer id, as the records do."""
    known = ref(enum_component(entity, enum))
    if not tolerant:
        return [known]
    return [known, {"type": ["string", "integer"], "description": "An option id this version does not know yet."}]


def value_schema(entity: Entity, field: Field, tolerant: bool, nullable: bool) -> Schema:
    """The JSON values a field takes, as the generated class types it."""
    if field.type is FieldType.ENUM and field.enum is not None:
        options = _option_schemas(entity, field.enum, tolerant)
        if nullable:
            options.append({"type": "null"})
        return options[0] if len(options) == 1 else {"anyOf": options}
    if field.type is FieldType.MULTISELECT:
        if field.enum is None:
            items: Schema = {"type": "string"}
        else:
            options = _option_schemas(entity, field.enum, tolerant)
            items = options[0] if len(options) == 1 else {"anyOf": options}
        return {"type": _typed("array", nullable), "items": items}
    schema: Schema = {"type": _typed(_SCALARS[field.type], nullable)}
    if field.type is FieldType.DATETIME:
        schema["format"] = "date-time"
        schema["pattern"] = DATETIME_PATTERN
    if not tolerant:
        # A record is read whatever its bounds: values written under older ones stay.
        if field.minimum is not None:
            schema["minimum"] = field.minimum
        if field.maximum is not None:
            schema["maximum"] = field.maximum
    return schema


def field_schema(entity: Entity, field: Field, kind: str) -> Schema:
    """One property: title and description exactly as the label and notes say, then its type."""
    schema: Schema = {"title": field.title}
    description = field.description
    if description is None and field.target is not None:
        description = f"Points at a {field.target} record."
    if description is not None:
        schema["description"] = description
    if field.target is not None:
        # The target entity may not be generated: a marker, not a $ref.
        schema["x-reference"] = field.target
    if kind == RECORD and field.read_only:
        schema["readOnly"] = True
    # On a record every field may be absent or null: it may predate the field being required.
    nullable = kind in (RECORD, UPDATE) or not field.required
    schema.update(value_schema(entity, field, tolerant=kind == RECORD, nullable=nullable))
    return schema


def enum_schema(field: Field, enum: EnumType) -> Schema:
    """The ids an enum class accepts: each as a string ("1") or as an integer (1)."""
    names = [member.name for member in enum.members]
    labels = [member.label for member in enum.members]
    listing = "\n".join(f"- `{member.value}`: {member.label}" for member in enum.members)
    return {
        "title": field.title,
        "description": f'Option ids, sent as a string ("1") or an integer (1):\n\n{listing}',
        "oneOf": [
            {
                "type": "string",
                "enum": [member.value for member in enum.members],
                "x-enum-varnames": names,
                "x-enum-descriptions": labels,
            },
            {
                "type": "integer",
                "enum": [member.option_id for member in enum.members],
                "x-enum-varnames": names,
                "x-enum-descriptions": labels,
            },
        ],
    }


def _object(description: str | None, fields: list[tuple[str, Schema]], required: list[str], closed: bool) -> Schema:
    schema: Schema = {}
    if description is not None:
        schema["description"] = description
    schema["type"] = "object"
    if required:
        schema["required"] = required
    schema["properties"] = dict(fields)
    if closed:
        # Writes are strict: a key the class does not know is refused, so a typo cannot vanish.
        schema["additionalProperties"] = False
    return schema


def envelope(entity: Entity) -> list[tuple[str, Schema]]:
    """The keys that POST /v1/objects carries beside the fields."""
    return [
        ("entity", {"description": "The entity code.", "type": "string", "const": entity.code}),
        ("level", {"description": "The entity level.", "type": "integer", "const": entity.level}),
        (
            "comboKey",
            {"description": "SUB:<subscription id>|ENT:", "type": "string", "pattern": COMBO_KEY_PATTERN},
        ),
    ]


def record_keys() -> list[tuple[str, Schema]]:
    """The keys a record holds beside the entity's fields: the object's id, and the envelope when present."""
    return [
        ("id", {"title": "Id", "description": "The object's id.", "type": "string"}),
        ("entity", {"title": "Entity", "description": "The entity code.", "type": ["string", "null"]}),
        ("level", {"title": "Level", "description": "The entity level.", "type": ["integer", "null"]}),
        ("comboKey", {"title": "Combo Key", "description": "SUB:<subscription id>|ENT:", "type": ["string", "null"]}),
    ]


def entity_schemas(entity: Entity) -> dict[str, Schema]:
    """The component schemas of one entity: record, Create, Update, create request, list page, enums."""
    create = [(f.code, field_schema(entity, f, CREATE)) for f in entity.create_fields]
    create_required = [f.code for f in entity.create_fields if f.required]
    record = _object(
        entity.description,
        record_keys() + [(f.code, field_schema(entity, f, RECORD)) for f in entity.fields if f.code != "id"],
        ["id"],
        closed=False,
    )
    schemas = {
        entity.record_class: {"title": entity.display_name, **record},
        entity.create_class: _object(
            f"The fields a client sends to create a {entity.code} record.", create, create_required, closed=True
        ),
        entity.update_class: _object(
            f"The fields a client may change in a {entity.code} record; read-only fields are absent.",
            [(f.code, field_schema(entity, f, UPDATE)) for f in entity.update_fields],
            [],
            closed=True,
        ),
        f"{entity.code}CreateRequest": _object(
            f"The body of POST /v1/objects that creates a {entity.code} record: the envelope and the fields.",
            envelope(entity) + create,
            ["entity", "level", "comboKey", *create_required],
            closed=True,
        ),
        f"{entity.code}List": _object(
            f"One page of {entity.code} records; `next` is the URL of the next page, or null on the last.",
            [("items", {"type": "array", "items": ref(entity.record_class)}), ("next", {"type": ["string", "null"]})],
            ["items"],
            closed=False,
        ),
    }
    by_code = {f.code: f for f in entity.fields}
    for enum in entity.enums:
        schemas[enum_component(entity, enum)] = enum_schema(by_code[enum.field_code], enum)
    return schemas
