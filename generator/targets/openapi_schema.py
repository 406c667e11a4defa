"""JSON Schemas (OpenAPI 3.1) of one entity's classes, accepting exactly the JSON the models accept."""

from __future__ import annotations

import re
from typing import Any

from generator.definitions.format import FieldType
from generator.model.entities import Entity, EnumType, Field
from generator.targets.markdown import md

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
# A plain identifier: what every generator can use as a class name as it is.
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def ref(name: str) -> Schema:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def enum_component(entity: Entity, enum: EnumType) -> str:
    """The component name of an enum: the entity code, then the class name (`CDRCallType`).

    Component names are ASCII identifiers; a class name that is not one gets the hex of its UTF-8
    bytes after `Enum` instead (`OPENAPIEnumcf87...`).
    """
    name = enum.name if _IDENTIFIER.match(enum.name) else f"Enum{enum.name.encode('utf-8').hex()}"
    if name in _ENTITY_SUFFIXES:
        # An enum class called List would meet the list page's component, CDRList.
        name += "Enum"
    return f"{entity.code}{name}"


def list_component(entity: Entity) -> str:
    """The component name of a page of the entity's records."""
    return f"{entity.code}List"


def request_component(entity: Entity) -> str:
    """The component name of the body of POST /v1/objects that creates one of the entity's records."""
    return f"{entity.code}CreateRequest"


# What follows the entity code in the names of its own components other than enums.
_ENTITY_SUFFIXES = ("List", "CreateRequest")


def _typed(name: str, nullable: bool) -> str | list[str]:
    return [name, "null"] if nullable else name


def _option_schemas(entity: Entity, enum: EnumType, tolerant: bool) -> list[Schema]:
    """A known option id; reads also keep any other id, as the records do."""
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


def field_description(field: Field) -> str | None:
    """A field's notes as CommonMark that shows them as typed; dfgen's own line for a bare reference."""
    if field.description is not None:
        return md(field.description)
    if field.target is not None:
        return f"Points at a {md(field.target)} record: its id."
    return None


def field_schema(entity: Entity, field: Field, kind: str) -> Schema:
    """One property: the label as its title, the notes (escaped) as its description, then its type."""
    schema: Schema = {"title": field.title}
    description = field_description(field)
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


def enum_schema(entity: Entity, field: Field, enum: EnumType) -> Schema:
    """The ids of an enum field's options, as they travel: strings ("1"); the labels in the description."""
    listing = "\n".join(f"- `{member.value}`: {md(member.label)}" for member in enum.members)
    return {
        "title": enum_component(entity, enum),
        "description": f"The options of {md(field.title)} ({md(field.code)}), by id:\n\n{listing}",
        "type": "string",
        "enum": [member.value for member in enum.members],
        "x-enum-varnames": [member.name for member in enum.members],
        "x-enum-descriptions": [member.label for member in enum.members],
    }


def _object(
    title: str, description: str, fields: list[tuple[str, Schema]], required: list[str], closed: bool
) -> Schema:
    schema: Schema = {"title": title, "description": description, "type": "object"}
    if required:
        schema["required"] = required
    schema["properties"] = dict(fields)
    if closed:
        # Writes are strict: a key the class does not know is refused, so a typo cannot vanish.
        schema["additionalProperties"] = False
    return schema


def entity_summary(entity: Entity) -> str:
    """The entity's display name and description, as CommonMark that shows them as typed."""
    summary = f"Display name: {md(entity.display_name)}."
    return summary if entity.description is None else f"{summary}\n\n{md(entity.description)}"


def envelope(entity: Entity) -> list[tuple[str, Schema]]:
    """The keys that POST /v1/objects carries beside the fields."""
    return [
        ("entity", {"description": "The entity code.", "type": "string", "const": entity.code}),
        ("level", {"description": "The entity level.", "type": "integer", "const": entity.level}),
        (
            "comboKey",
            {
                "description": md("SUB:<subscription id>|ENT:"),
                "type": "string",
                "pattern": COMBO_KEY_PATTERN,
            },
        ),
    ]


def record_envelope(entity: Entity) -> list[tuple[str, Schema]]:
    """The keys a record may hold beside its fields; `entity` tells a create response's entity apart."""
    return [
        ("id", {"description": "The object's id.", "type": "string"}),
        # A record of this entity names it, or leaves the key out: never null or another entity's code.
        ("entity", {"description": "The entity code.", "type": "string", "const": entity.code}),
        ("level", {"description": "The entity level.", "type": ["integer", "null"]}),
        ("comboKey", {"description": md("SUB:<subscription id>|ENT:"), "type": ["string", "null"]}),
    ]


def record_schema(entity: Entity) -> Schema:
    """A record as the API returns it and the record class reads it: unknown keys and option ids kept."""
    # A tenant field called `id` is the record's own id: a record has one `id` key.
    fields = [(f.code, field_schema(entity, f, RECORD)) for f in entity.fields if f.code != "id"]
    return _object(
        entity.record_class,
        f"A {md(entity.code)} record as the API returns it. {entity_summary(entity)}",
        record_envelope(entity) + fields,
        ["id"],
        closed=False,
    )


def create_schema(entity: Entity) -> Schema:
    """The fields the create class takes, exactly as strictly."""
    return _object(
        entity.create_class,
        f"The fields a client sends to create a {md(entity.code)} record.",
        [(f.code, field_schema(entity, f, CREATE)) for f in entity.create_fields],
        [f.code for f in entity.create_fields if f.required],
        closed=True,
    )


def update_schema(entity: Entity) -> Schema:
    """The fields the update class takes: every editable field, optional."""
    return _object(
        entity.update_class,
        f"The fields a client may change in a {md(entity.code)} record; read-only fields are absent.",
        [(f.code, field_schema(entity, f, UPDATE)) for f in entity.update_fields],
        [],
        closed=True,
    )


def write_schemas(entity: Entity) -> dict[str, Schema]:
    """The schemas of the create and update classes, by class name.

    The documents hold neither: the create body is the create request, and the API has no known
    update call. They are what the create request's fields and an update's body are checked by.
    """
    return {entity.create_class: create_schema(entity), entity.update_class: update_schema(entity)}


def entity_schemas(entity: Entity) -> list[tuple[str, Schema]]:
    """The component schemas of one entity, by name: record, create request, list page, enums."""
    create = create_schema(entity)
    request = _object(
        request_component(entity),
        f"The body of POST /v1/objects that creates a {md(entity.code)} record: the envelope and the fields.",
        envelope(entity) + list(create["properties"].items()),
        ["entity", "level", "comboKey", *create.get("required", [])],
        closed=True,
    )
    page = _object(
        list_component(entity),
        f"One page of {md(entity.code)} records; `next` is the URL of the next page, or null on the last.",
        [("items", {"type": "array", "items": ref(entity.record_class)}), ("next", {"type": ["string", "null"]})],
        ["items"],
        closed=False,
    )
    schemas = [(entity.record_class, record_schema(entity)), (request_component(entity), request)]
    schemas.append((list_component(entity), page))
    by_code = {f.code: f for f in entity.fields}
    for enum in entity.enums:
        schemas.append((enum_component(entity, enum), enum_schema(entity, by_code[enum.field_code], enum)))
    return schemas
