"""The DEFINITION format as validated, immutable data (spec section 1)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from generator.diagnostics import Location

# A gauge is a read-only score, 0 to 100 unless min and max say otherwise.
GAUGE_BOUNDS = (0, 100)


class FieldType(str, Enum):
    """The field types a definition may use."""

    TEXT = "text"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    ENUM = "enum"
    MULTISELECT = "multiselect"
    REFERENCE = "reference"
    GAUGE = "gauge"


@dataclass(frozen=True)
class OptionDef:
    """One option of an enum or multiselect field."""

    id: int
    label: str
    location: Location


@dataclass(frozen=True)
class FieldDef:
    """One field as the definition states it; defaults already applied."""

    code: str
    type: FieldType
    label: str | None
    required: bool
    read_only: bool
    notes: str | None
    options: tuple[OptionDef, ...]
    multiline: bool
    target: str | None
    min: int | float | None
    max: int | float | None
    location: Location


@dataclass(frozen=True)
class SectionDef:
    """A named group of fields inside a panel."""

    name: str
    fields: tuple[FieldDef, ...]
    location: Location


@dataclass(frozen=True)
class PanelDef:
    """A named group of sections: the entity's layout."""

    name: str
    sections: tuple[SectionDef, ...]
    location: Location


@dataclass(frozen=True)
class EntityDef:
    """One entity's DEFINITION."""

    code: str
    display_name: str
    plural: str | None
    level: int
    description: str | None
    use_cases: str | None
    panels: tuple[PanelDef, ...]
    source: str
    location: Location

    @property
    def fields(self) -> tuple[FieldDef, ...]:
        """Every field in layout order."""
        return tuple(f for panel in self.panels for section in panel.sections for f in section.fields)
