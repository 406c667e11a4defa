"""The cache's record of each definition file: its entity, its outputs' digests and its YAML chunks.

A record is keyed by dfgen's code and the file's shown path and bytes. It holds the parsed
definition, the entity built from it with the pins it was built with (its scalar fields and its
facts apart, see StoredEntity), the digest of each per-entity output (its text is stored once,
by that digest), and the YAML chunks of the entity.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.cache import Cache, digest, foreign_context, pins_text
from generator.definition import EntityDef
from generator.model import Entity, known_facts, references

_PICKLE = pickle.HIGHEST_PROTOCOL
# Entity's fields but its layout (panels, enums): what a record keeps at hand (see StoredEntity).
_HEADING = tuple(f.name for f in dataclasses.fields(Entity) if f.name not in ("panels", "enums"))


_INIT_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _init_fields(cls: type) -> tuple[str, ...] | None:
    """The fields a dataclass's __init__ takes, in order, if calling it rebuilds the object."""
    if cls not in _INIT_FIELDS:
        # The dataclass itself, not a subclass of one (StoredEntity): its __init__ is the dataclass's.
        own = "__dataclass_fields__" in vars(cls) and not hasattr(cls, "__post_init__")
        fields = dataclasses.fields(cls) if own else ()
        usable = bool(fields) and all(f.init for f in fields)
        _INIT_FIELDS[cls] = tuple(f.name for f in fields) if usable else None
    return _INIT_FIELDS[cls]


class _Pickler(pickle.Pickler):
    """Pickles a dataclass as its class and field values, read with getattr.

    The default reads and so materialises each object's __dict__, after which CPython reads its
    attributes the slow way: the templates' loops over every entity's fields ran twice as slow.
    Unpickling calls __init__, which keeps the fast layout too.
    """

    def reducer_override(self, obj: Any) -> Any:
        names = _init_fields(type(obj))
        if names is None:
            return NotImplemented
        return type(obj), tuple(getattr(obj, name) for name in names)


def dumps(value: Any) -> bytes:
    """pickle.dumps, dataclasses as their constructor calls."""
    stream = io.BytesIO()
    _Pickler(stream, protocol=_PICKLE).dump(value)
    return stream.getvalue()


class DefinitionRecord:
    """What the cache knows about one definition file."""

    def __init__(self, cache: Cache, shown: str, data: bytes) -> None:
        self.cache = cache
        self.key = digest(cache.code, "definition", shown, data)
        stored = cache.store.load("records", self.key)
        self.value: dict[str, Any] | None = stored if _is_record(stored) else None
        self.dirty = False
        self.definition: Any = None
        self.entity: Any = None
        self.entity_key = ""
        self.stored_facts = 0
        self.used_outputs: set[str] = set()
        self.used_chunks: set[tuple[str, int, str]] = set()

    def parse(self, load: Callable[[], Any]) -> None:
        """Parse and validate the file with `load()` unless the record holds it (InputError passes)."""
        if self.value is None:
            self.definition = load()
            # Pickled when saved: the run's objects stay together in memory until then.
            self.value = {
                "code": self.definition.code,
                "definition": None,
                "pins": None,
                "entity": None,
                "heading": None,
                "facts": None,
                "outputs": {},
                "chunks": {},
            }
            self.dirty = True

    def forget(self) -> None:
        """Drop what the record holds: the next parse reads the file."""
        self.value = None
        self.definition = None

    @property
    def code(self) -> str:
        assert self.value is not None
        return str(self.value["code"])

    def build(self, pins: Any, build_one: Callable[[Any], Any], eager: bool = False) -> None:
        """The entity for these pins: from the record, else `build_one(definition)` (InputError passes).

        `eager` unpickles the layout of an entity from the record now, and builds it again if
        that fails; otherwise a damaged layout raises Unusable when first read.
        """
        assert self.value is not None
        pins_key = digest(pins_text(pins))
        self.entity_key = digest(self.key, pins_key)
        heading = self.value["heading"]
        if self.value["pins"] == pins_key and self.value["entity"] is not None and _is_heading(heading):
            facts = _unpickled(self.value["facts"], dict) or {}
            entity = StoredEntity(heading, facts, self.value["entity"], self.key)
            if entity.code == self.code and (not eager or entity.loads()):
                self.entity = entity
                self.stored_facts = len(facts)
                return
        self.entity = build_one(self._definition())
        # Outputs and chunks belong to the entity: new pins, new entity, nothing kept.
        self.value.update(pins=pins_key, entity=None, heading=None, facts=None, outputs={}, chunks={})
        self.stored_facts = 0
        self.dirty = True

    def _definition(self) -> Any:
        assert self.value is not None
        definition = self.definition or _unpickled(self.value["definition"], EntityDef)
        if definition is None or definition.code != self.code:
            raise Unusable(self.key)
        return definition

    def save(self) -> None:
        """Store the record if this run added to it, with only the outputs and chunks this run used."""
        if self.value is None or self.entity is None:
            return
        facts = known_facts(self.entity)
        if not self.dirty and len(facts) == self.stored_facts:
            return
        if self.value["definition"] is None:
            self.value["definition"] = dumps(self.definition)
        if self.value["entity"] is None:
            self.value["entity"] = dumps(self.entity)
            self.value["heading"] = tuple(getattr(self.entity, name) for name in _HEADING)
        if len(facts) != self.stored_facts:
            self.value["facts"] = dumps(facts)
        self.value["outputs"] = {k: v for k, v in self.value["outputs"].items() if k in self.used_outputs}
        self.value["chunks"] = {k: v for k, v in self.value["chunks"].items() if k in self.used_chunks}
        self.cache.store.save("records", self.key, self.value)
        self.dirty = False


class Unusable(Exception):
    """A record whose definition or entity does not unpickle."""


class StoredEntity(Entity):
    """An entity from its record: its scalar fields and facts at hand, its layout unpickled when first read.

    A run that changed one entity of 300 reads of the others their codes, names and modules (the
    bundle, the indexes, the paths) and their facts (generator.model.entity_fact: the docs' counts
    and links, the models' enum names); unpickling all 299 layouts was a sixth of that run.
    Entity's methods work unchanged: `panels` and `enums` read the whole entity.
    """

    def __init__(self, heading: tuple[Any, ...], facts: dict[str, Any], pickled: bytes, record_key: str) -> None:
        # Not Entity.__init__: panels and enums are properties here, and the dataclass is frozen.
        state = vars(self)
        state.update(zip(_HEADING, heading, strict=True))
        state.update(_pickled=pickled, _record_key=record_key)
        known_facts(self).update(facts)

    @property  # type: ignore[override]
    def panels(self) -> Any:
        return self._whole().panels

    @property  # type: ignore[override]
    def enums(self) -> Any:
        return self._whole().enums

    def loads(self) -> bool:
        """Whether the layout unpickles (and it is unpickled now)."""
        try:
            self._whole()
        except Unusable:
            return False
        return True

    def _whole(self) -> Entity:
        state = vars(self)
        whole = state.get("_loaded")
        if whole is None:
            whole = _unpickled(state["_pickled"], Entity)
            if whole is None or tuple(getattr(whole, name) for name in _HEADING) != tuple(state[n] for n in _HEADING):
                raise Unusable(state["_record_key"])
            state["_loaded"] = whole
        return whole

    def __reduce__(self) -> Any:
        return _same, (self._whole(),)


def _same(entity: Entity) -> Entity:
    return entity


def _unpickled(data: Any, kind: type) -> Any:
    """The object pickled in data if it is a `kind`, else None."""
    if not isinstance(data, bytes):
        return None
    try:
        value = pickle.loads(data)
    except Exception:
        return None
    return value if isinstance(value, kind) else None


def _is_heading(value: Any) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == len(_HEADING)
        and all(isinstance(part, (str, int, type(None))) for part in value)
    )


_RECORD_KEYS = {"code", "definition", "entity", "heading", "facts", "pins", "outputs", "chunks"}


def _is_record(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.keys() == _RECORD_KEYS
        and isinstance(value.get("code"), str)
        and isinstance(value.get("definition"), bytes)
        and isinstance(value.get("entity"), (bytes, type(None)))
        and isinstance(value.get("heading"), (tuple, type(None)))
        and isinstance(value.get("facts"), (bytes, type(None)))
        and isinstance(value.get("pins"), (str, type(None)))
        and isinstance(value.get("outputs"), dict)
        and isinstance(value.get("chunks"), dict)
    )


def _is_chunk(value: Any) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 3
        and isinstance(value[0], str)
        and isinstance(value[1], tuple)
        and isinstance(value[2], tuple)
        and len(value[2]) == 4
    )


def text_digest(text: str) -> str:
    """The sha256 of the text's UTF-8 bytes: the digest output.compare gives the file."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class StoredText:
    """An output an earlier run rendered: its digest now, its text from the store when asked."""

    __slots__ = ("cache", "digest", "render")

    def __init__(self, cache: Cache, digest: str, render: Callable[[], str]) -> None:
        self.cache = cache
        self.digest = digest
        self.render = render

    def text(self) -> str:
        stored = stored_text(self.cache, self.digest)
        # Pruned or damaged: render it again (the same bytes: rendering is a pure function).
        return stored if stored is not None else self.render()


def stored_text(cache: Cache, digest: str) -> str | None:
    """The text stored under its digest, if it is there and has that digest."""
    stored = cache.store.load("texts", digest)
    return stored if isinstance(stored, str) and text_digest(stored) == digest else None


# What a built-in target's per-entity output reads besides its entity, when none of its templates
# is overridden: models and OpenAPI nothing; docs the links out of the entity and into it.
# tests/test_cache.py changes other entities' other facts and checks that the pages stay.
_READS_OTHER_ENTITIES = {
    "generator.targets.models": False,
    "generator.targets.openapi": False,
    "generator.targets.docs": True,
}


def _models_package(project: Any) -> list[str]:
    # models.project_context: the header, and package_exports (each entity's module, its classes
    # named after its code, and its enum classes' names).
    from generator.targets.models import enum_names

    return [repr((e.code, e.module, enum_names(e))) for e in project.entities]


# What a built-in target's per-project outputs read, when it is little; the OpenAPI bundle and
# the docs index read nearly everything and are rendered every time.
_PROJECT_READS: dict[str, Callable[[Any], list[str]]] = {"generator.targets.models": _models_package}


class RenderMemo:
    """Per-entity outputs and YAML chunks through the entities' records (a yamlout.ChunkStore too)."""

    def __init__(
        self,
        cache: Cache,
        records: list[DefinitionRecord],
        project: Any,
        template_dirs: tuple[Path, ...],
        builtin: Path,
        source: str,
    ) -> None:
        self.cache = cache
        self.source = source
        self.records = records
        self.by_entity = {id(r.entity): r for r in records}
        self.templates = cache.templates([*template_dirs, builtin])
        # In every key: the API settings, which the OpenAPI's paths come from.
        self.api = digest(repr(project.api))
        project_key = digest(*(r.entity_key for r in sorted(records, key=lambda r: r.code)))
        self.facts = Facts(project, template_dirs, builtin, project_key)
        self.transient = InRunChunks()

    def entity_output(self, target: Any, output: Any, entity: Any, render: Callable[[], str]) -> str | StoredText:
        """A per-entity output: its stored digest if an earlier run rendered it, else its text, kept."""
        record = self.by_entity.get(id(entity))
        if record is None or record.value is None or foreign_context(target):
            return render()
        key = self._output_key(target, output, self.facts.of(target, entity))
        record.used_outputs.add(key)
        stored = self._stored(record.value["outputs"].get(key), render)
        if stored is not None:
            return stored
        text = render()
        record.value["outputs"][key] = self._store(text)
        record.dirty = True
        return text

    def project_output(self, target: Any, output: Any, render: Callable[[], str]) -> str | StoredText:
        """A per-project output: kept when its target reads little of the entities (models), else rendered.

        The others are not stored: the OpenAPI bundle is 15 MB at 300 entities, and storing it
        cost a run that changed one entity a fifth of its time.
        """
        facts = self.facts.of_project(target)
        if facts is None:
            return render()
        key = self._output_key(target, output, self.source, facts)
        stored = self._stored(self.cache.store.load("outputs", key), render)
        if stored is not None:
            return stored
        text = render()
        self.cache.store.save("outputs", key, self._store(text))
        return text

    def _output_key(self, target: Any, output: Any, *reads: str) -> str:
        """An output's key: its target and template, the templates, the API settings, and what it reads."""
        return digest(
            target.name,
            repr((output.template, output.each, output.path, output.format)),
            self.templates,
            self.api,
            *reads,
        )

    def _stored(self, known: object, render: Callable[[], str]) -> StoredText | None:
        """The stored text a digest names, or None; an entry is in use while a record points at it."""
        if not (isinstance(known, str) and len(known) == 64):
            return None
        self.cache.store.used.setdefault("texts", set()).add(known)
        return StoredText(self.cache, known, render)

    def _store(self, text: str) -> str:
        """Keep a rendered text by its digest, and return the digest."""
        known = text_digest(text)
        self.cache.store.save("texts", known, text)
        return known

    # yamlout.ChunkStore: the chunks an entity owns live in its record.

    def get(self, chunk: Any, indent: int) -> Any:
        record = self.by_entity.get(id(chunk.owner))
        if record is None or record.value is None:
            return self.transient.get(chunk, indent)
        key = (chunk.label, indent, self.api)
        record.used_chunks.add(key)
        value = record.value["chunks"].get(key)
        return value if _is_chunk(value) else None

    def put(self, chunk: Any, indent: int, serialised: Any) -> None:
        record = self.by_entity.get(id(chunk.owner))
        if record is None or record.value is None:
            self.transient.put(chunk, indent, serialised)
            return
        record.value["chunks"][(chunk.label, indent, self.api)] = serialised
        record.dirty = True

    def save(self) -> None:
        """Store every record this run changed."""
        for record in self.records:
            record.save()


class Facts:
    """What a per-entity output may read of other entities, as a digest for its key."""

    def __init__(self, project: Any, template_dirs: tuple[Path, ...], builtin: Path, project_key: str) -> None:
        self.project = project
        self.template_dirs = template_dirs
        self.builtin_folder = builtin
        self.project_key = project_key
        self._facts: dict[tuple[str, int], str] = {}
        self._builtin: dict[str, bool] = {}

    def builtin(self, target: Any) -> bool:
        """A built-in target none of whose files is overridden: its reads are known."""
        # Asked for every output of every entity: the folders are looked at once per target.
        known = self._builtin.get(target.name)
        if known is None:
            known = (
                target.context in _READS_OTHER_ENTITIES
                and target.folder == self.builtin_folder / target.name
                and not any((folder / target.name).exists() for folder in self.template_dirs)
            )
            self._builtin[target.name] = known
        return known

    def of_project(self, target: Any) -> str | None:
        """What a built-in target's per-project outputs read, if little; None: they read everything."""
        if not self.builtin(target) or target.context not in _PROJECT_READS:
            return None
        return digest(*_PROJECT_READS[target.context](self.project))

    def of(self, target: Any, entity: Any) -> str:
        """Precisely what a built-in target reads; for any other target, every entity."""
        cached = self._facts.get((target.name, id(entity)))
        if cached is not None:
            return cached
        if not self.builtin(target):
            facts = "project " + self.project_key
        elif not _READS_OTHER_ENTITIES[target.context]:
            facts = "entity only"
        else:
            facts = "links " + digest(*self._links(entity))
        self._facts[(target.name, id(entity))] = facts
        return facts

    def _links(self, entity: Any) -> list[str]:
        """The docs' cross-entity facts: what this entity's lookups point at, and the lookups pointing at it."""
        out = [repr((f.code, f.target, self._module(f.target))) for f in references(entity) if f.target is not None]
        links_in = [
            repr((other.code, other.display_name, other.module, f)) for other, f in self.project.lookups_of(entity.code)
        ]
        return ["out", *out, "in", *links_in]

    def _module(self, code: str) -> str | None:
        target = self.project.entity(code)
        return target.module if target is not None else None


class InRunChunks:
    """Chunk texts for one run, by owner object: the bundle reuses what the fragments wrote."""

    def __init__(self) -> None:
        self.texts: dict[tuple[str, int, int], Any] = {}
        # The owners stay alive while their ids key the table.
        self.owners: list[Any] = []

    def get(self, chunk: Any, indent: int) -> Any:
        return self.texts.get((chunk.label, id(chunk.owner), indent))

    def put(self, chunk: Any, indent: int, serialised: Any) -> None:
        self.owners.append(chunk.owner)
        self.texts[(chunk.label, id(chunk.owner), indent)] = serialised
