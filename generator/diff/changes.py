"""Compare two sets of definitions and judge each change: breaking or not, and for whom.

Audiences: `readers` (code that reads records), `writers` (code that sends creates and
updates), `code` (code that names a generated class, attribute or enum member). A record reads
whatever an administrator changed except a field's type (spec section 4): every field may be
absent or null, bounds are not checked, unknown keys and option ids are kept or ignored. A change is
breaking when its audience is not empty. `code` is decided from the names of the intermediate
model (built with the project's pins): it is in the audience only when a symbol the old model
had is gone, or when an enum member now stands for another option.

| kind              | breaks                 | why                                                   |
|-------------------|------------------------|-------------------------------------------------------|
| entity-removed    | readers writers code   | its records, payloads and classes are gone            |
| entity-added      | -                      |                                                       |
| level             | writers                | every create payload carries the level                |
| display-name, plural, description, use-cases | - | documentation only                          |
| field-removed     | code (writers)         | its attribute is gone; writers too if a client could  |
|                   |                        | send it (CDRCreate and CDRUpdate forbid unknown keys);|
|                   |                        | reads go on: records still holding it are read        |
| field-added       | writers if required    | creates must send it; reads of older records go on    |
| retyped           | readers writers code   | every value changes shape: the only change that       |
|                   |                        | breaks a read                                         |
| target            | readers writers        | the reference is re-typed: ids of another entity      |
| made-required     | writers                | creates must send it; a record may still lack it      |
| made-optional     | (writers code)         | a record may already be null; if it leaves CDRCreate, |
|                   |                        | the writers and the code that set it there            |
| made-read-only    | writers code           | it leaves CDRUpdate (and CDRCreate unless required)   |
| made-editable     | -                      |                                                       |
| option-added      | -                      | reads keep ids they do not know                       |
| option-removed    | writers code           | the id is refused and its member is gone; records     |
|                   |                        | holding it still read, the id kept                    |
| option-relabelled | code if the member     | members are named from labels; a pin keeps the name   |
|                   | name changes           |                                                       |
| member-renamed    | code                   | another option's label made or undid a clash          |
| tags-to-options   | writers                | free tags are refused, only option ids are accepted   |
| options-to-tags   | code                   | the enum class is gone; records keep every tag        |
| bounds-tightened  | writers                | values the old bounds allowed are refused             |
| bounds-loosened   | -                      | records are read whatever their bounds                |
| multiline, label, notes, moved | -         | presentation only (moved: to another panel/section,   |
|                   |                        | or to another place in its section, panel or entity)  |

Where a pin would keep code working, the message gives it: the old member name of a relabelled
option (unless another option now has it), and for a likely rename (a field removed and one of
the same type added in the same section) the pins that give the new field the old attribute and
enum class names. A field, section or panel is reported moved within its place when it is not
in the longest runs the two orders share (difflib's matching): swapping two neighbours reports
one. Changes sort by entity, then layout position (a removed field right after the field that
preceded it), then the order of the table above.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from difflib import SequenceMatcher
from typing import Any

from generator.model import naming
from generator.model.entities import Entity, EnumMember, Field, Project

READERS, WRITERS, CODE = "readers", "writers", "code"
EVERYONE = frozenset((READERS, WRITERS, CODE))
NOBODY: frozenset[str] = frozenset()

# The order of changes at one position: the order of the table above.
KINDS = (
    "entity-removed", "entity-added", "level", "display-name", "plural", "description", "use-cases",
    "field-removed", "field-added", "retyped", "target", "made-required", "made-optional",
    "made-read-only", "made-editable", "option-removed", "option-added", "option-relabelled",
    "member-renamed", "tags-to-options", "options-to-tags", "bounds-tightened", "bounds-loosened",
    "multiline", "label", "notes", "moved",
)  # fmt: skip

SHORTEN = 60
_GONE = object()
# Entity-level kinds: (kind, attribute of Entity, key in the definition).
ENTITY_KEYS = (
    ("level", "level", "level"),
    ("display-name", "display_name", "displayName"),
    ("plural", "plural", "plural"),
    ("description", "description", "description"),
    ("use-cases", "use_cases", "useCases"),
)


class Snippet(str):
    """Text of ours shown as is (a type, a symbol, a pin line); other strings are tenant text."""


def shown(value: object) -> str:
    """A message value as people read it: tenant text quoted and escaped by repr, cut if long."""
    if isinstance(value, Snippet):
        return str(value)
    if isinstance(value, str):
        return repr(value if len(value) <= SHORTEN else value[: SHORTEN - 1] + "…")
    return "none" if value is None else str(value)


@dataclass(frozen=True)
class Change:
    """One difference: what changed, whom it breaks (sorted), and a message for people."""

    entity: str
    field: str | None
    kind: str
    audience: tuple[str, ...]
    message: str
    order: tuple[Any, ...] = dataclass_field(default=(), compare=False, repr=False)

    @property
    def breaking(self) -> bool:
        return bool(self.audience)


def toml_key(key: str) -> str:
    """A TOML key: bare when it can be, else a basic string."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def toml_string(text: str) -> str:
    """A TOML basic string, escaping quotes, backslashes and every unprintable character."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif not char.isprintable():
            out.append(f"\\u{ord(char):04X}" if ord(char) < 0x10000 else f"\\U{ord(char):08X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def symbols(entity: Entity, only: str | None = None) -> dict[str, int | None]:
    """The generated names of an entity (or of one field): attributes, enum classes, members.

    A member maps to its option id, since code naming it means that option; the others to None.
    """
    table: dict[str, int | None] = {}
    for f in entity.fields:
        if only is not None and f.code != only:
            continue
        classes = [entity.record_class] + [entity.create_class] * f.in_create + [entity.update_class] * f.in_update
        table.update((f"{c}.{f.attribute}", None) for c in classes)
        if f.enum is not None:
            table[f.enum.name] = None
            table.update((f"{f.enum.name}.{m.name}", m.option_id) for m in f.enum.members)
    return table


def _out_of_place(before: Sequence[str], after: Sequence[str]) -> list[tuple[int, str]]:
    """(index in `after`, name) of the names both have that are outside the runs their orders share."""
    common = set(before) & set(after)
    old_order, new_order = [n for n in before if n in common], [n for n in after if n in common]
    matcher = SequenceMatcher(None, old_order, new_order, autojunk=False)
    kept = {name for block in matcher.get_matching_blocks() for name in new_order[block.b : block.b + block.size]}
    return [(i, name) for i, name in enumerate(after) if name in common and name not in kept]


def compare(old: Project, new: Project) -> list[Change]:
    """Every change from `old` to `new`, sorted by entity, layout position, then kind."""
    changes: list[Change] = []
    for code in sorted({e.code for e in old.entities} | {e.code for e in new.entities}):
        before, after = old.entity(code), new.entity(code)
        if before is not None and after is not None:
            changes.extend(_EntityDiff(before, after).run())
            continue
        kind, audience, message = "entity-removed", tuple(sorted(EVERYONE)), "entity removed"
        if after is not None:
            count = len(after.fields)
            kind, audience, message = "entity-added", (), f"entity added ({count} field{'' if count == 1 else 's'})"
        changes.append(Change(code, None, kind, audience, message, (code, (-1, 0), KINDS.index(kind), 0, "")))
    return sorted(changes, key=lambda c: c.order)


class _EntityDiff:
    """The changes inside one entity that both sides define."""

    def __init__(self, old: Entity, new: Entity) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        old_symbols, new_symbols = symbols(old), symbols(new)
        self.new_symbols = new_symbols
        self.lost = {name for name, meaning in old_symbols.items() if new_symbols.get(name, _GONE) != meaning}
        self.new_index = {f.code: i for i, f in enumerate(new.fields)}

    def add(
        self, field: str | None, kind: str, audience: Iterable[str], template: str, *values: object, detail: int = 0
    ) -> None:
        position = (-1, 0) if field is None else self.position(field)
        order = (self.old.code, position, KINDS.index(kind), detail, field or "")
        message = template.format(*(shown(v) for v in values))
        self.changes.append(Change(self.old.code, field, kind, tuple(sorted(audience)), message, order))

    def position(self, code: str) -> tuple[int, int]:
        """Where a change sorts: the field's new place; a removed field right after its old predecessor."""
        if code in self.new_index:
            return self.new_index[code], 0
        before = -1
        for f in self.old.fields:
            if f.code == code:
                break
            before = self.new_index.get(f.code, before)
        return before, 1

    def code_if(self, *names: str) -> frozenset[str]:
        """`code` when one of these old names is gone or now means something else."""
        return frozenset((CODE,)) if self.lost.intersection(names) else NOBODY

    def pin(self, table: str, key: str, name: str) -> Snippet:
        return Snippet(f"[tool.dfgen.pins.{self.old.code}.{table}] {key} = {toml_string(name)}")

    def run(self) -> list[Change]:
        old, new = self.old, self.new
        for kind, attribute, key in ENTITY_KEYS:
            before, after = getattr(old, attribute), getattr(new, attribute)
            if before != after:
                audience = frozenset((WRITERS,)) if kind == "level" else NOBODY
                self.add(None, kind, audience, f"{key} changed: {{}} -> {{}}", before, after)
        old_fields = {f.code: f for f in old.fields}
        new_fields = {f.code: f for f in new.fields}
        removed = [f for f in old.fields if f.code not in new_fields]
        added = [f for f in new.fields if f.code not in old_fields]
        renames = self.likely_renames(removed, added)
        for f in removed:
            self.field_removed(f, renames.get(f.code))
        for f in added:
            audience = frozenset((WRITERS,)) if f.in_create and f.required else NOBODY
            flags = "".join((", required" if f.required else "", ", read-only" if f.read_only else ""))
            template, values = f"field {{}} added ({f.type.value}{flags})", [f.code]
            source = next((code for code, to in renames.items() if to is f), None)
            if source is not None:
                template, values = template + "; likely the new name of {}", [f.code, source]
            self.add(f.code, "field-added", audience, template, *values)
        for f in old.fields:
            if f.code in new_fields:
                self.field_changed(f, new_fields[f.code])
        self.reordered()
        return self.changes

    def reordered(self) -> None:
        """Panels, sections and fields that changed places among the ones both sides have there."""
        old_panels = {p.name: p for p in self.old.panels}
        self.moves(False, "panel {} moved", [p.name for p in self.old.panels], [p.name for p in self.new.panels], ())
        for panel in self.new.panels:
            before = old_panels.get(panel.name)
            if before is None:
                continue
            old_sections = {s.name: s for s in before.sections}
            names = [s.name for s in before.sections], [s.name for s in panel.sections]
            self.moves(False, "section {} moved within panel {}", *names, (panel.name,))
            for section in panel.sections:
                if section.name in old_sections:
                    codes = [f.code for f in old_sections[section.name].fields], [f.code for f in section.fields]
                    self.moves(True, "field {} moved within {} / {}", *codes, (panel.name, section.name))

    def moves(self, of_field: bool, template: str, before: list[str], after: list[str], place: tuple[str, ...]) -> None:
        """A `moved` change for each name of `after` out of place against `before`: now first, or after which."""
        for index, name in _out_of_place(before, after):
            where = "; now first" if index == 0 else "; now after {}"
            values = [name, *place] if index == 0 else [name, *place, after[index - 1]]
            self.add(name if of_field else None, "moved", NOBODY, template + where, *values, detail=index)

    @staticmethod
    def likely_renames(removed: list[Field], added: list[Field]) -> dict[str, Field]:
        """A removed field and an added one of the same type in the same section, paired in order."""
        free = list(added)
        pairs: dict[str, Field] = {}
        for f in removed:
            match = next((g for g in free if (g.type, g.panel, g.section) == (f.type, f.panel, f.section)), None)
            if match is not None:
                free.remove(match)
                pairs[f.code] = match
        return pairs

    def field_removed(self, f: Field, renamed_to: Field | None) -> None:
        audience = self.code_if(*symbols(self.old, f.code)) | ({WRITERS} if f.in_create or f.in_update else set())
        template, values = "field {} removed", [f.code]
        if renamed_to is not None:
            template, values = template + "; likely renamed to {}", [f.code, renamed_to.code]
            key = toml_key(renamed_to.code)
            pins = []
            if renamed_to.attribute != f.attribute and f.attribute not in {g.attribute for g in self.new.fields}:
                pins.append(self.pin("fields", key, f.attribute))
            if f.enum and renamed_to.enum and f.enum.name not in self.new_symbols:
                pins.append(self.pin("enums", key, f.enum.name))
            if pins and CODE in audience:
                template += ": pin it to keep code that names it working: " + "; ".join("{}" for _ in pins)
                values += pins
        self.add(f.code, "field-removed", audience, template, *values)

    def field_changed(self, f: Field, g: Field) -> None:
        code, create, update = f.code, self.old.create_class, self.old.update_class
        if f.type != g.type:
            types = Snippet(f.type.value), Snippet(g.type.value)
            self.add(code, "retyped", EVERYONE, "field {} retyped: {} -> {}", code, *types)
        else:
            if f.target != g.target:
                self.add(code, "target", {READERS, WRITERS}, "field {} target {} -> {}", code, f.target, g.target)
            if f.multiline != g.multiline:
                self.add(
                    code, "multiline", NOBODY, f"field {{}} made {'multi' if g.multiline else 'single-'}line", code
                )
            self.options(f, g)
            self.bounds(f, g)
        if g.required and not f.required:
            self.add(code, "made-required", {WRITERS}, "field {} made required: creates must send it", code)
        if f.required and not g.required:
            leaves = f.in_create and not g.in_create
            audience = {WRITERS} | self.code_if(f"{create}.{f.attribute}") if leaves else set()
            template = "field {} made optional" + (f": it leaves {create}" if leaves else "")
            self.add(code, "made-optional", audience, template, code)
        if g.read_only and not f.read_only:
            gone = [c for c, was, now in ((create, f.in_create, g.in_create), (update, True, False)) if was and not now]
            audience = {WRITERS} | self.code_if(*(f"{c}.{f.attribute}" for c in gone))
            self.add(code, "made-read-only", audience, "field {} made read-only: it leaves " + " and ".join(gone), code)
        if f.read_only and not g.read_only:
            self.add(code, "made-editable", NOBODY, "field {} made editable", code)
        if f.title != g.title:
            self.add(code, "label", NOBODY, "field {} label {} -> {}", code, f.title, g.title)
        if f.description != g.description:
            self.add(code, "notes", NOBODY, "field {} notes {} -> {}", code, f.description, g.description)
        if (f.panel, f.section) != (g.panel, g.section):
            places = f.panel, f.section, g.panel, g.section
            self.add(code, "moved", NOBODY, "field {} moved from {} / {} to {} / {}", code, *places)

    def options(self, f: Field, g: Field) -> None:
        if f.enum is None or g.enum is None:
            if f.enum is None and g.enum is not None:
                self.add(f.code, "tags-to-options", {WRITERS}, "field {} now takes option ids, not free tags", f.code)
            elif f.enum is not None:
                audience = self.code_if(*symbols(self.old, f.code))
                template = "field {} now takes free tags; enum {} is gone"
                self.add(f.code, "options-to-tags", audience, template, f.code, Snippet(f.enum.name))
            return
        before = {m.option_id: m for m in f.enum.members}
        after = {m.option_id: m for m in g.enum.members}
        for i, m in enumerate(f.enum.members):
            if m.option_id not in after:
                member = f"{f.enum.name}.{m.name}"
                template = "field {}: option {} {} removed (member {})"
                values = (f.code, m.option_id, m.label, Snippet(member))
                self.add(f.code, "option-removed", {WRITERS} | self.code_if(member), template, *values, detail=i)
        for i, m in enumerate(g.enum.members):
            was = before.get(m.option_id)
            if was is None:
                self.add(
                    f.code,
                    "option-added",
                    NOBODY,
                    "field {}: option {} {} added",
                    f.code,
                    m.option_id,
                    m.label,
                    detail=i,
                )
            elif (was.label, was.name) != (m.label, m.name):
                self.option_changed(f, g, was, m, i)

    def option_changed(self, f: Field, g: Field, was: EnumMember, now: EnumMember, position: int) -> None:
        assert f.enum is not None and g.enum is not None
        template, values = "field {}: option {} {}", [f.code, now.option_id, was.label]
        if was.label != now.label:
            template, values = "field {}: option {} relabelled {} -> {}", [*values, now.label]
        old_member, new_member = f"{f.enum.name}.{was.name}", f"{g.enum.name}.{now.name}"
        if old_member == new_member:
            template, values = template + "; member {} keeps its name", [*values, Snippet(new_member)]
        else:
            template, values = template + "; member {} becomes {}", [*values, Snippet(old_member), Snippet(new_member)]
        audience = self.code_if(old_member)
        # The old name can be pinned back unless another option now has it.
        owner = next((m.option_id for m in g.enum.members if m.name == was.name), now.option_id)
        if audience and owner == now.option_id and not naming.pinned_name_problem(was.name, "member"):
            template += ": pin it: {}"
            values.append(self.pin(f"options.{toml_key(f.code)}", f'"{now.option_id}"', was.name))
        kind = "option-relabelled" if was.label != now.label else "member-renamed"
        self.add(f.code, kind, audience, template, *values, detail=position)

    def bounds(self, f: Field, g: Field) -> None:
        for name, old, new, inwards in (("min", f.minimum, g.minimum, 1), ("max", f.maximum, g.maximum, -1)):
            if old == new:
                continue
            # A bound added, or moved inwards, narrows what is accepted.
            tightened = old is None or (new is not None and (new - old) * inwards > 0)
            # Reads never check bounds: only creates and updates feel a change.
            kind, audience = ("bounds-tightened", {WRITERS}) if tightened else ("bounds-loosened", NOBODY)
            self.add(f.code, kind, audience, f"field {{}}: {name} {{}} -> {{}}", f.code, old, new)
