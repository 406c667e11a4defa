"""The Pydantic target: one module per entity, the runtime as _base.py, and the package index."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from generator.definitions.format import FieldType
from generator.model.entities import Entity, Field, Project
from generator.targets.python import pyrepr, python_header

# The runtime every generated package runs on, a module of dfgen's own source tree.
RUNTIME = Path(__file__).resolve().parent.parent / "runtime" / "_base.py"
# What __init__ exports from _base, beside the entity modules' classes.
RUNTIME_EXPORTS = ("Error",)
# The keys _base.Record reads beside the entity's fields. A field with one of these codes (only
# `id` can be: the validator refuses the others) is read under its safe name too, and written
# once, by the record's own attribute.
ENVELOPE = frozenset({"id", "entity", "level", "comboKey"})

_SCALARS = {
    FieldType.TEXT: "_base.Text",
    FieldType.REFERENCE: "_base.Text",
    FieldType.NUMBER: "_base.Number",
    FieldType.GAUGE: "_base.Number",
    FieldType.BOOLEAN: "_base.Boolean",
    FieldType.DATETIME: "_base.DateTime",
}


@dataclass(frozen=True)
class FieldView:
    """One line of a model class: `attribute: annotation = _pd.Field(**arguments)`."""

    attribute: str
    annotation: str
    arguments: list[tuple[str, Any]]


@dataclass(frozen=True)
class ModelView:
    """One generated class."""

    name: str
    base: str
    doc: str
    fields: list[FieldView]


@dataclass(frozen=True)
class EnumView:
    """One generated enum class."""

    name: str
    members: list[Any]
    labels: dict[str, str]


def bounded(field: Field) -> bool:
    """Whether a number has a minimum or a maximum."""
    return field.minimum is not None or field.maximum is not None


def annotation(field: Field, record: bool) -> str:
    """The Python type of a field; a record keeps enum ids it does not know and ignores bounds."""
    if field.enum is not None:
        item = f"_base.Tolerant[{field.enum.name}]" if record else field.enum.name
        return f"_base.Many[{item}]" if field.type is FieldType.MULTISELECT else item
    if field.type is FieldType.MULTISELECT:
        return "_base.Many[_base.Text]"
    if bounded(field) and not record:
        # Bounds live in the type, where pydantic-core checks them (see _base.Range).
        return f"_t.Annotated[_base.Number, _base.Range({pyrepr(field.minimum)}, {pyrepr(field.maximum)})]"
    return _SCALARS[field.type]


def field_view(field: Field, required: bool, record: bool) -> FieldView:
    """The annotation and Field() arguments of one attribute."""
    type_ = annotation(field, record)
    arguments: list[tuple[str, Any]] = []
    if not required:
        type_ = f"{type_} | None"
        arguments.append(("default", None))
    arguments += [("validation_alias", field.code), ("serialization_alias", field.code), ("title", field.title)]
    if field.description is not None:
        arguments.append(("description", field.description))
    if record and field.code in ENVELOPE:
        arguments.append(("exclude", True))
    return FieldView(field.attribute, type_, arguments)


def record_entity(entity: Entity) -> FieldView:
    """A record's `entity` key: its own code, also when the API leaves it out; any other value is refused.

    The key tells the records of a create response apart (the OpenAPI discriminates on it).
    """
    arguments: list[tuple[str, Any]] = [("default", entity.code), ("validation_alias", "entity")]
    arguments += [("serialization_alias", "entity"), ("title", "Entity"), ("description", "The entity code.")]
    return FieldView("entity", f"_t.Literal[{pyrepr(entity.code)}]", arguments)


def model_names(entity: Entity) -> tuple[str, ...]:
    """The entity's model classes, in the order its module declares them."""
    return entity.record_class, entity.create_class, entity.update_class, list_class(entity)


def list_class(entity: Entity) -> str:
    """The class of a page of the entity's records."""
    return f"{entity.code}List"


def entity_views(entity: Entity) -> tuple[list[EnumView], list[ModelView]]:
    """The enums and the record, create, update and list classes of one entity."""
    enums = [EnumView(e.name, list(e.members), {m.value: m.label for m in e.members}) for e in entity.enums]
    models = [
        ModelView(
            entity.record_class,
            "Record",
            "A record as the API returns it: any field may be absent or null.",
            # Every field optional: records written before a field was made required lack it.
            [record_entity(entity), *(field_view(f, False, record=True) for f in entity.fields)],
        ),
        ModelView(
            entity.create_class,
            "Create",
            "The fields sent to create a record; to_payload() gives the request body.",
            [field_view(f, f.required, record=False) for f in entity.create_fields],
        ),
        ModelView(
            entity.update_class,
            "Update",
            "The fields a client may change; all optional, read-only fields absent.",
            [field_view(f, False, record=False) for f in entity.update_fields],
        ),
        ModelView(
            list_class(entity),
            "Page",
            "A page of the listing: its records, and the URL of the next page or None.",
            [FieldView("items", f"list[{entity.record_class}]", [("title", "Items")])],
        ),
    ]
    return enums, models


def enum_names(entity: Entity) -> tuple[str, ...]:
    """The names of the entity's enum classes."""
    return tuple(enum.name for enum in entity.enums)


def package_exports(project: Project) -> list[tuple[str, list[str]]]:
    """What __init__ exports from each module: Error, every model, and each enum whose name is unique.

    An enum named like another entity's model (field `b` of A and entity B), like `Error` or like
    another enum stays in its module only: exporting it would replace the other class in the package.
    """
    models = {name for entity in project.entities for name in model_names(entity)}
    enum_count = Counter(name for entity in project.entities for name in enum_names(entity))
    exports = [("_base", list(RUNTIME_EXPORTS))]
    for entity in project.entities:
        names = list(model_names(entity))
        names += [
            name
            for name in enum_names(entity)
            if enum_count[name] == 1 and name not in models and name not in RUNTIME_EXPORTS
        ]
        exports.append((entity.module, names))
    return exports


def entity_context(project: Project, entity: Entity) -> dict[str, Any]:
    """The context of models/entity.py.jinja beyond entity and project: header, imports, enums, models."""
    enums, models = entity_views(entity)
    # typing names the enums' __labels__ ClassVar and the Annotated of bounded numbers.
    return {"header": python_header(entity.source), "enums": enums, "models": models}


def project_context(project: Project, source: str) -> dict[str, Any]:
    """The context of _base.py.jinja and __init__.py.jinja: header, the runtime's source, exports."""
    return {"header": python_header(source), "runtime": runtime_source(), "exports": package_exports(project)}


@lru_cache(maxsize=1)
def runtime_source() -> str:
    """generator/runtime/_base.py, which every generated package gets as its _base.py."""
    return RUNTIME.read_text(encoding="utf-8")
