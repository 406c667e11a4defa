"""The Pydantic target: one module per entity, a shared base module and the package index."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import jinja2

from generator.definition import FieldType
from generator.model import Entity, Field, Project
from generator.render import python_header

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


def annotation(field: Field, tolerant: bool) -> str:
    """The Python type of a field; reads are tolerant of enum ids they do not know."""
    if field.enum is not None:
        item = f"_base.Tolerant[{field.enum.name}]" if tolerant else field.enum.name
        return f"_base.Many[{item}]" if field.type is FieldType.MULTISELECT else item
    if field.type is FieldType.MULTISELECT:
        return "_base.Many[_base.Text]"
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
    if field.minimum is not None:
        arguments.append(("ge", field.minimum))
    if field.maximum is not None:
        arguments.append(("le", field.maximum))
    return FieldView(field.attribute, type_, arguments)


def entity_views(entity: Entity) -> tuple[list[EnumView], list[ModelView]]:
    """The enums and the record, create and update classes of one entity."""
    enums = [
        EnumView(e.name, list(e.members), {m.value: m.label for m in e.members}) for e in entity.enums
    ]
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


def isort_key(name: str) -> tuple[int, str, str]:
    """isort's order by type: CONSTANTS, then Classes, then the rest."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name


def package_exports(project: Project) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """What __init__ imports from each module: every model, and each enum whose name is unique."""
    enum_names = Counter(e.name for entity in project.entities for e in entity.enums)
    imports = []
    for entity in project.entities:
        names = [entity.record_class, entity.create_class, entity.update_class]
        names += [e.name for e in entity.enums if enum_names[e.name] == 1]
        imports.append((entity.module, sorted(names, key=isort_key)))
    # ruff's __all__ order is case-sensitive where its import order is not.
    exports = sorted((name for _, names in imports for name in names), key=lambda n: isort_key(n)[::2])
    return imports, exports


def render(project: Project, env: jinja2.Environment, definitions_source: str) -> dict[str, str]:
    """{path under the output folder: Python source, not yet formatted}."""
    files = {
        "models/_base.py": env.get_template("models/_base.py.jinja").render(
            header=python_header(definitions_source)
        ),
    }
    entity_template = env.get_template("models/entity.py.jinja")
    for entity in project.entities:
        enums, models = entity_views(entity)
        files[f"models/{entity.module}.py"] = entity_template.render(
            header=python_header(entity.source), entity=entity, enums=enums, models=models
        )
    imports, exports = package_exports(project)
    files["models/__init__.py"] = env.get_template("models/__init__.py.jinja").render(
        header=python_header(definitions_source), imports=imports, exports=exports
    )
    return files
