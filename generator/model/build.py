"""Turn validated definitions into the intermediate model, resolving and checking every name."""

from __future__ import annotations

import difflib
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from generator.config import Api, Pins
from generator.definitions.format import GAUGE_BOUNDS, EntityDef, FieldDef, FieldType
from generator.diagnostics import Diagnostic, InputError, Location
from generator.model import naming
from generator.model.entities import Entity, EnumMember, EnumType, Field, Panel, Project, Section


def build_project(
    definitions: list[EntityDef], pins: Mapping[str, Pins], api: Api | None = None, strict_pins: bool = False
) -> Project:
    """The intermediate model of all definitions, or InputError naming every clash.

    With `strict_pins`, a pin that matches no entity, field or option is an error too: generate and
    check refuse it, while diff builds a revision whose pins may have been left behind by a rename.
    """
    diagnostics: list[Diagnostic] = []
    first: dict[str, EntityDef] = {}
    for definition in definitions:
        if definition.code in first:
            other = first[definition.code]
            diagnostics.append(
                Diagnostic(definition.location, f"entity {definition.code} is also defined in {other.source}")
            )
        first[definition.code] = definition
    if strict_pins:
        diagnostics.extend(unmatched_pins(first, pins))
    entities = []
    for definition in sorted(first.values(), key=lambda d: d.code):
        builder = _EntityBuilder(definition, pins.get(definition.code, Pins()))
        entities.append(builder.build())
        diagnostics.extend(builder.diagnostics)
    modules: dict[str, Entity] = {}
    for entity in entities:
        if entity.module in modules:
            taken = modules[entity.module]
            free = _free_name(f"{entity.module.rstrip('_')}_", {e.module for e in entities})
            hint = _pin_line(entity.code, "", "module", free)
            diagnostics.append(
                Diagnostic(
                    first[entity.code].location,
                    f"module {entity.module} is also the module of {taken.code}; pin a module name in {hint}",
                )
            )
        modules[entity.module] = entity
    if diagnostics:
        raise InputError(diagnostics)
    return Project(tuple(entities), api or Api())


def unmatched_pins(definitions: Mapping[str, EntityDef], pins: Mapping[str, Pins]) -> list[Diagnostic]:
    """A diagnostic for every pin that names an entity, field or option the definitions do not have."""
    problems: list[Diagnostic] = []
    for code, entity_pins in sorted(pins.items()):
        table = f"[tool.dfgen.pins.{_toml_key(code)}]"
        definition = definitions.get(code)
        if definition is None:
            problems.append(
                Diagnostic(
                    entity_pins.at(),
                    f"{table}: no entity {code!r} in the definitions{_closest(code, definitions)}",
                )
            )
            continue
        by_code = {f.code: f for f in definition.fields}
        enum_codes = [f.code for f in definition.fields if f.options]
        keys = [("fields", key, False) for key in entity_pins.fields]
        keys += [("enums", key, True) for key in entity_pins.enums]
        keys += [("options", key, True) for key in entity_pins.options]
        for kind, key, needs_options in keys:
            prefix = f"[tool.dfgen.pins.{_toml_key(code)}.{kind}] {key!r}"
            if key not in by_code:
                candidates = enum_codes if needs_options else by_code
                message = f"{prefix}: {code} has no field {key!r}{_closest(key, candidates)}"
                problems.append(Diagnostic(entity_pins.at(kind, key), message))
            elif needs_options and not by_code[key].options:
                fields = ", ".join(enum_codes[:_SHOWN]) + (", ..." if len(enum_codes) > _SHOWN else "")
                listed = f" (fields with options: {fields})" if enum_codes else ""
                message = f"{prefix}: field {key!r} of {code} has no options{listed}"
                problems.append(Diagnostic(entity_pins.at(kind, key), message))
        for field_code, members in sorted(entity_pins.options.items()):
            field_def = by_code.get(field_code)
            if field_def is None or not field_def.options:
                continue
            ids = [option.id for option in field_def.options]
            for option_id in sorted(set(members) - set(ids)):
                shown = ", ".join(str(i) for i in ids[:_SHOWN]) + (", ..." if len(ids) > _SHOWN else "")
                problems.append(
                    Diagnostic(
                        entity_pins.at("options", field_code, str(option_id)),
                        f"[tool.dfgen.pins.{_toml_key(code)}.options.{_toml_key(field_code)}] "
                        f'"{option_id}": field {field_code!r} of {code} has no option {option_id} (options: {shown})',
                    )
                )
    return problems


# How many codes or ids a message lists before "...".
_SHOWN = 10


def _closest(key: str, candidates: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the candidate closest to `key`, ignoring case first; empty when none is close."""
    listed = list(candidates)
    folded = {c.casefold(): c for c in reversed(listed)}
    match = folded.get(key.casefold())
    if match is None:
        close = difflib.get_close_matches(key.casefold(), list(folded), n=1)
        match = folded[close[0]] if close else None
    return f" (did you mean {match!r}?)" if match is not None else ""


def _free_name(example: str, used: AbstractSet[str]) -> str:
    """`example` when it is not in `used`, else the first of `example2`, `example3`, ... that is not."""
    # `XOption` as it is; a stem ending in `_` gets a number: `call_type_2`.
    first = [] if example.endswith("_") else [example]
    candidates = itertools.chain(first, (f"{example}{n}" for n in itertools.count(2)))
    return next(c for c in candidates if c not in used)


def _pin_line(entity: str, table: str, key: str, name: str) -> str:
    """Where and what to pin, as TOML to paste: the table, then `key = 'name'`."""
    return f"pyproject.toml: [tool.dfgen.pins.{_toml_key(entity)}{table}] {_toml_key(key)} = {name!r}"


def _toml_key(key: str) -> str:
    """A key as TOML writes it: bare when it can be, else a basic string with escapes."""
    if key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key):
        return key
    escaped = "".join(
        {'"': '\\"', "\\": "\\\\"}.get(c) or (f"\\u{ord(c):04X}" if c < " " or c == "\x7f" else c) for c in key
    )
    return f'"{escaped}"'


class _EntityBuilder:
    """Names one entity's fields, enums and members; records clashes instead of dropping values."""

    def __init__(self, definition: EntityDef, pins: Pins) -> None:
        self.definition = definition
        self.pins = pins
        self.diagnostics: list[Diagnostic] = []
        # Names already offered in a hint: pasting every hint must not make a new clash.
        self.suggested: set[str] = set()

    def error(self, location: Location, message: str, field_code: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(location, message, field_code))

    def pin_hint(self, table: str, key: str, example: str, taken: Iterable[str]) -> str:
        """How to pin a name, as TOML to paste: quoted keys where needed, an example name not taken."""
        free = _free_name(example, {*taken, *self.suggested})
        self.suggested.add(free)
        return f"pin a name in {_pin_line(self.definition.code, f'.{table}', key, free)}"

    def build(self) -> Entity:
        definition = self.definition
        attributes = self.unique_names(
            {
                f.code: self.pinned(self.pins.fields, f.code, naming.attribute_name(f.code), "field", f)
                for f in definition.fields
            },
            "fields",
        )
        enum_fields = [f for f in definition.fields if f.options]
        class_names = self.unique_names(
            {f.code: self.pinned(self.pins.enums, f.code, naming.class_name(f.code), "class", f) for f in enum_fields},
            "enums",
            reserved={definition.code, *(f"{definition.code}{kind}" for kind in ("Create", "Update", "List"))},
        )
        enums = {f.code: EnumType(class_names[f.code], f.code, self.members(f)) for f in enum_fields}
        panels = tuple(
            Panel(
                panel.name,
                tuple(
                    Section(
                        section.name,
                        tuple(
                            self.field(f, attributes[f.code], enums.get(f.code), panel.name, section.name)
                            for f in section.fields
                        ),
                    )
                    for section in panel.sections
                ),
            )
            for panel in definition.panels
        )
        return Entity(
            code=definition.code,
            display_name=definition.display_name,
            plural=definition.plural or f"{definition.display_name}s",
            level=definition.level,
            description=definition.description,
            use_cases=definition.use_cases,
            source=definition.source,
            module=self.module(),
            panels=panels,
            enums=tuple(enums[f.code] for f in enum_fields),
            plural_is_default=definition.plural is None,
        )

    def module(self) -> str:
        """The entity's module: pinned, or derived from its code."""
        name = self.pins.module
        if name is None:
            return naming.module_name(self.definition.code)
        problem = naming.pinned_name_problem(name, "module")
        if problem:
            self.error(self.definition.location, f"pinned module name {problem}")
            return naming.module_name(self.definition.code)
        return name

    def pinned(self, table: Mapping[Any, str], key: object, derived: str, kind: str, definition: FieldDef) -> str:
        name = table.get(key)
        if name is None:
            return derived
        problem = naming.pinned_name_problem(name, kind)
        if problem:
            self.error(definition.location, f"pinned name {problem}", definition.code)
            return derived
        return name

    def unique_names(
        self, names: dict[str, str], table: str, reserved: AbstractSet[str] = frozenset()
    ) -> dict[str, str]:
        """The names as given, after reporting every pair of codes that share one."""
        by_name: dict[str, list[str]] = defaultdict(list)
        for code, name in names.items():
            by_name[name].append(code)
        locations = {f.code: f.location for f in self.definition.fields}
        for name, codes in by_name.items():
            first = locations[codes[0]]
            if name in reserved:
                self.error(
                    locations[codes[0]],
                    f"enum class name {name!r} is the name of a model class; "
                    + self.pin_hint(table, codes[0], f"{name}Option", [*names.values(), *reserved]),
                    codes[0],
                )
            for code in codes[1:]:
                self.error(
                    locations[code],
                    f"Python name {name!r} is also the name of field {codes[0]!r} "
                    f"({f'line {first.line}' if first.line else first.path}); "
                    + self.pin_hint(table, code, f"{name.rstrip('_')}_", [*names.values(), *reserved]),
                    code,
                )
        return names

    def members(self, definition: FieldDef) -> tuple[EnumMember, ...]:
        pinned = self.pins.options.get(definition.code, {})
        names: dict[int, str] = {}
        fixed: set[int] = set()
        for option in definition.options:
            names[option.id] = naming.member_name(option.label, option.id)
            if option.id in pinned:
                problem = naming.pinned_name_problem(pinned[option.id], "member")
                if problem:
                    self.error(option.location, f"pinned name {problem}", definition.code)
                else:
                    names[option.id] = pinned[option.id]
                    fixed.add(option.id)
        # Labels that meet keep both values: each gets its id appended, whatever the option order.
        # A suffixed name can meet another option's own name (G_711 + _1 and the label "G 711 1"),
        # so the rule repeats; pinned names never change. Each round lengthens every name that
        # still meets another, so a bound on the rounds only guards against the unforeseen.
        for _ in range(len(names) + 1):
            by_name: dict[str, list[int]] = defaultdict(list)
            for option_id, name in names.items():
                by_name[name].append(option_id)
            movable = [i for ids in by_name.values() if len(ids) > 1 for i in ids if i not in fixed]
            if not movable:
                break
            for option_id in movable:
                names[option_id] = naming.suffixed_member(names[option_id], option_id)
        seen: dict[str, int] = {}
        for option in definition.options:
            name = names[option.id]
            if name in seen:
                self.error(
                    option.location,
                    f"enum member {name} of option {option.id} is also the member of option {seen[name]}; "
                    + self.pin_hint(
                        f"options.{_toml_key(definition.code)}", str(option.id), f"{name}_", names.values()
                    ),
                    definition.code,
                )
            seen[name] = option.id
        return tuple(EnumMember(names[o.id], str(o.id), o.id, o.label) for o in definition.options)

    def field(self, definition: FieldDef, attribute: str, enum: EnumType | None, panel: str, section: str) -> Field:
        minimum, maximum = definition.min, definition.max
        if definition.type is FieldType.GAUGE:
            minimum = GAUGE_BOUNDS[0] if minimum is None else minimum
            maximum = GAUGE_BOUNDS[1] if maximum is None else maximum
        return Field(
            code=definition.code,
            attribute=attribute,
            type=definition.type,
            title=definition.label if definition.label is not None else naming.default_label(definition.code),
            label=definition.label,
            description=definition.notes,
            required=definition.required,
            read_only=definition.read_only,
            multiline=definition.multiline,
            target=definition.target,
            minimum=minimum,
            maximum=maximum,
            enum=enum,
            panel=panel,
            section=section,
            minimum_is_default=definition.min is None and minimum is not None,
            maximum_is_default=definition.max is None and maximum is not None,
        )
