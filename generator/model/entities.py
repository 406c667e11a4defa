"""The intermediate model: entities with every name resolved, ready for any target."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from generator.config import Api
from generator.definitions.format import FieldType


@dataclass(frozen=True)
class EnumMember:
    """One option: its Python member name, id on the wire ("1") and label."""

    name: str
    value: str
    option_id: int
    label: str


@dataclass(frozen=True)
class EnumType:
    """The enum class of an enum or multiselect field that has options."""

    name: str
    field_code: str
    members: tuple[EnumMember, ...]


@dataclass(frozen=True)
class Field:
    """A field with its Python attribute, title and effective bounds."""

    code: str
    attribute: str
    type: FieldType
    title: str
    label: str | None
    description: str | None
    required: bool
    read_only: bool
    multiline: bool
    target: str | None
    minimum: int | float | None
    maximum: int | float | None
    enum: EnumType | None
    panel: str
    section: str
    # True where the bound is a gauge's default, not the definition's: the docs tell them apart.
    minimum_is_default: bool = False
    maximum_is_default: bool = False

    @property
    def in_create(self) -> bool:
        """A client sends it on create: editable, or required (set once, such as `name`)."""
        return self.required or not self.read_only

    @property
    def in_update(self) -> bool:
        """A client may change it later: every editable field."""
        return not self.read_only


@dataclass(frozen=True)
class Section:
    """Layout: a named list of fields."""

    name: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Panel:
    """Layout: a named list of sections."""

    name: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Entity:
    """One entity, its fields in layout order, and the names of everything generated for it."""

    code: str
    display_name: str
    plural: str
    level: int
    description: str | None
    use_cases: str | None
    source: str
    module: str
    panels: tuple[Panel, ...]
    enums: tuple[EnumType, ...]
    # True where the plural is derived from the display name: the docs tell it apart.
    plural_is_default: bool = False

    # Cached outside the dataclass fields (equality and hashing ignore it): targets read it often.
    @cached_property
    def fields(self) -> tuple[Field, ...]:
        """Every field in layout order."""
        return tuple(f for panel in self.panels for section in panel.sections for f in section.fields)

    @property
    def record_class(self) -> str:
        return self.code

    @property
    def create_class(self) -> str:
        return f"{self.code}Create"

    @property
    def update_class(self) -> str:
        return f"{self.code}Update"

    @property
    def create_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.in_create)

    @property
    def update_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.in_update)


def references(entity: Entity) -> tuple[Field, ...]:
    """The entity's reference fields (lookups), in layout order."""
    return tuple(f for f in entity.fields if f.target is not None)


@dataclass(frozen=True)
class Project:
    """Every entity to generate, sorted by code, and the API that serves them."""

    entities: tuple[Entity, ...]
    api: Api = field(default_factory=Api)

    def entity(self, code: str) -> Entity | None:
        """The entity with this code, if it is generated."""
        return self._by_code.get(code)

    def lookups_of(self, code: str) -> tuple[tuple[Entity, Field], ...]:
        """The reference fields that point at an entity code, by entity code then layout."""
        return self._lookups.get(code, ())

    @cached_property
    def _by_code(self) -> dict[str, Entity]:
        by_code: dict[str, Entity] = {}
        for entity in self.entities:
            # The first of two entities with one code, as a search in order would find.
            by_code.setdefault(entity.code, entity)
        return by_code

    @cached_property
    def _lookups(self) -> dict[str, tuple[tuple[Entity, Field], ...]]:
        found: dict[str, list[tuple[Entity, Field]]] = {}
        for entity in self.entities:
            for reference in references(entity):
                if reference.target is not None:
                    found.setdefault(reference.target, []).append((entity, reference))
        return {code: tuple(pairs) for code, pairs in found.items()}
