"""The one canonical YAML form of a definition: fixed key order, defaults omitted, strings exact."""

from __future__ import annotations

import re
from typing import Any

import yaml

from generator.definitions.format import EntityDef, FieldDef, PanelDef, SectionDef

# Plain scalars that a YAML 1.2 reader takes for a number, boolean or null though PyYAML (YAML 1.1)
# reads them as strings (`1e5`, `0o17`, `.NaN`): quoted, so that every reader sees a string.
_YAML12_NOT_STRING = re.compile(
    r"null|Null|NULL|~|true|True|TRUE|false|False|FALSE"
    r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe writer with sequences indented under their key, as people write definitions."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _string(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    visible = all(char == "\n" or char.isprintable() for char in text)
    if "\n" in text and visible:
        # Multi-line text (useCases) as a literal block where PyYAML can write it exactly; it falls
        # back to double quotes itself for text a block cannot hold (trailing spaces, say).
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    if not text or not visible or _YAML12_NOT_STRING.fullmatch(text):
        # Double quotes escape what PyYAML would write raw and its reader fold into a line break
        # (NEL, U+2028), and keep a YAML 1.2 reader from reading a string as a number.
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')
    return dumper.represent_str(text)


_Dumper.add_representer(str, _string)


def dump_yaml(data: Any) -> str:
    """Plain data as block YAML in its own key order; every string reads back exactly."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=2**31 - 1)


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
