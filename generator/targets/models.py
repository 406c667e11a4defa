"""The Pydantic target: one module per entity, a shared base module and the package index."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from generator.definitions.format import FieldType
from generator.model.entities import Entity, Field, Project
from generator.targets.python import pyrepr, python_header

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


def annotation(field: Field, tolerant: bool) -> str:
    """The Python type of a field; reads are tolerant of enum ids they do not know."""
    if field.enum is not None:
        item = f"_base.Tolerant[{field.enum.name}]" if tolerant else field.enum.name
        return f"_base.Many[{item}]" if field.type is FieldType.MULTISELECT else item
    if field.type is FieldType.MULTISELECT:
        return "_base.Many[_base.Text]"
    if bounded(field):
        # Bounds live in the type, where pydantic-core checks them (see _base.Range).
        return f"_t.Annotated[_base.Number, _base.Range({pyrepr(field.minimum)}, {pyrepr(field.maximum)})]"
    return _SCALARS[field.type]


def field_view(field: Field, required: bool, tolerant: bool) -> FieldView:
    """The annotation and Field() arguments of one attribute."""
    type_ = annotation(field, tolerant)
    arguments: list[tuple[str, Any]] = []
    if not required:
        type_ = f"{type_} | None"
        arguments.append(("default", None))
    arguments += [("validation_alias", field.code), ("serialization_alias", field.code), ("title", field.title)]
    if field.description is not None:
        arguments.append(("description", field.description))
    return FieldView(field.attribute, type_, arguments)


def entity_views(entity: Entity) -> tuple[list[EnumView], list[ModelView]]:
    """The enums and the record, create and update classes of one entity."""
    enums = [EnumView(e.name, list(e.members), {m.value: m.label for m in e.members}) for e in entity.enums]
    models = [
        ModelView(
            entity.record_class,
            "Record",
            "A record as the API returns it; unknown keys and enum ids are tolerated.",
            [field_view(f, f.required, tolerant=True) for f in entity.fields],
        ),
        ModelView(
            entity.create_class,
            "Create",
            "The fields sent to create a record; to_payload() gives the request body.",
            [field_view(f, f.required, tolerant=False) for f in entity.create_fields],
        ),
        ModelView(
            entity.update_class,
            "Update",
            "The fields a client may change; all optional, read-only fields absent.",
            [field_view(f, False, tolerant=False) for f in entity.update_fields],
        ),
    ]
    return enums, models


class _Natural(str):
    """A name in natord's order, which ruff's import sorting and RUF022 use: digits as numbers."""

    def __lt__(self, other: object) -> bool:
        return isinstance(other, str) and _natural_compare(self, other) < 0


def _natural_compare(left: str, right: str) -> int:
    i = j = 0
    while i < len(left) and j < len(right):
        a, b = left[i], right[j]
        if not (a in _DIGITS and b in _DIGITS):
            if a != b:
                return -1 if a < b else 1
            i, j = i + 1, j + 1
            continue
        start_i, start_j = i, j
        while i < len(left) and left[i] in _DIGITS:
            i += 1
        while j < len(right) and right[j] in _DIGITS:
            j += 1
        x, y = left[start_i:i], right[start_j:j]
        if a == "0" or b == "0":
            # A leading zero compares digit by digit, like decimals (015 < 12); then longer wins.
            for p, q in zip(x, y, strict=False):
                if p != q:
                    return -1 if p < q else 1
            if len(x) != len(y):
                return -1 if len(x) < len(y) else 1
        elif (len(x), x) != (len(y), y):
            return -1 if (len(x), x) < (len(y), y) else 1
    return (i < len(left)) - (j < len(right))


_DIGITS = frozenset("0123456789")


def _member_type(name: str) -> int:
    """ruff's kinds of name, in its order: CONSTANTS, then Classes, then the rest.

    A constant is longer than one byte (ruff measures UTF-8) and upper case: `B` is a class.
    """
    cased_upper = not any(c.islower() for c in name) and any(c.isupper() for c in name)
    if len(name.encode("utf-8")) > 1 and cased_upper:
        return 0
    return 1 if name[:1].isupper() else 2


def isort_key(name: str) -> tuple[int, _Natural, _Natural]:
    """ruff's (isort's) order of the names in one `from ... import`: by kind, then case-insensitive."""
    return _member_type(name), _Natural(name.lower()), _Natural(name)


def all_key(name: str) -> tuple[int, _Natural]:
    """ruff's RUF022 order of __all__: by kind, then case-sensitive."""
    return _member_type(name), _Natural(name)


def enum_names(entity: Entity) -> tuple[str, ...]:
    """The names of the entity's enum classes."""
    return tuple(enum.name for enum in entity.enums)


def package_exports(project: Project) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """What __init__ imports from each module: every model, and each enum whose name is unique.

    An enum named like another entity's model (field `b` of A and entity B) or like another
    enum stays in its module only: exporting it would replace the other class in the package.
    """
    models = {name for e in project.entities for name in (e.record_class, e.create_class, e.update_class)}
    enum_count = Counter(name for entity in project.entities for name in enum_names(entity))
    imports = []
    # ruff orders the `from .module import` lines by module name, digits as numbers (cdr9, cdr10).
    for entity in sorted(project.entities, key=lambda e: _Natural(e.module)):
        names = [entity.record_class, entity.create_class, entity.update_class]
        names += [name for name in enum_names(entity) if enum_count[name] == 1 and name not in models]
        imports.append((entity.module, sorted(names, key=isort_key)))
    exports = sorted((name for _, names in imports for name in names), key=all_key)
    return imports, exports


def entity_context(project: Project, entity: Entity) -> dict[str, Any]:
    """The context of models/entity.py.jinja beyond entity and project: header, imports, enums, models."""
    enums, models = entity_views(entity)
    # typing names the enums' __labels__ ClassVar and the Annotated of bounded numbers.
    imports_typing = bool(enums) or any(bounded(f) for f in entity.fields)
    return {"header": python_header(entity.source), "imports_typing": imports_typing, "enums": enums, "models": models}


def project_context(project: Project, source: str) -> dict[str, Any]:
    """The context of _base.py.jinja and __init__.py.jinja: header, imports, exports."""
    imports, exports = package_exports(project)
    return {"header": python_header(source), "imports": imports, "exports": exports}
