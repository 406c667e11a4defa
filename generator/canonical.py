"""The one canonical YAML form of a definition: fixed key order, defaults omitted, strings exact."""

from __future__ import annotations

from typing import Any

from generator.definition import EntityDef, FieldDef, PanelDef, SectionDef
from generator.yamlout import dump_yaml


def canonical_dict(entity: EntityDef) -> dict[str, Any]:
    """The definition as plain data in the format's key order, with absent values and false flags left out."""
    return _present(
        {
            "code": entity.code,
            "displayName": entity.display_name,
            "plural": entity.plural,
            "level": entity.level,
            "description": entity.description,
            "useCases": entity.use_cases,
            "panels": [_panel(panel) for panel in entity.panels],
        }
    )


def dump_definition(entity: EntityDef) -> str:
    """The definition as canonical YAML text: the same definition always gives the same bytes."""
    return dump_yaml(canonical_dict(entity))


def _panel(panel: PanelDef) -> dict[str, Any]:
    return {"name": panel.name, "sections": [_section(section) for section in panel.sections]}


def _section(section: SectionDef) -> dict[str, Any]:
    return {"name": section.name, "fields": [_field(field) for field in section.fields]}


def _field(field: FieldDef) -> dict[str, Any]:
    return _present(
        {
            "code": field.code,
            "type": field.type.value,
            "label": field.label,
            "required": field.required,
            "readOnly": field.read_only,
            "multiline": field.multiline,
            "target": field.target,
            "min": field.min,
            "max": field.max,
            "notes": field.notes,
            # An empty list and no list mean the same (a multiselect of free tags).
            "options": [{"id": option.id, "label": option.label} for option in field.options] or None,
        }
    )


def _present(values: dict[str, Any]) -> dict[str, Any]:
    # Defaults are omitted so that a file holds only what the tenant set; `0` and "" are values.
    return {key: value for key, value in values.items() if value is not None and value is not False}
