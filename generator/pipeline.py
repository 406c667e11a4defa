"""Generation as a pure function: definitions and settings in, {relative path: contents} out.

With a cache (generator/cache.py) the same function remembers its work by content: a run whose
inputs an earlier run had returns that run's file digests and renders only if a text is needed;
otherwise each definition file's entity and per-entity outputs come from its record when its
bytes, pins, templates and the facts the output reads of other entities are unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Imports stay inside the functions: a run that the cache answers loads neither Jinja nor PyYAML.
if TYPE_CHECKING:
    from generator.build import Pins
    from generator.cache import Cache
    from generator.cache_records import RenderMemo
    from generator.config import Api
    from generator.definition import EntityDef
    from generator.model import Project

ShowPath = Callable[[Path], str]


def load_definitions(path: Path, show: ShowPath) -> list[EntityDef]:
    """Every definition under `path`, or InputError with the problems of all files at once."""
    from generator.diagnostics import Diagnostic, InputError, Location
    from generator.load import definition_files, load_file
    from generator.validate import validate_definition

    files = definition_files(path)
    if not files:
        # An empty folder is far more often a wrong path than a tenant without entities.
        raise InputError.at(Location(show(path)), "no definitions here (expected *.yaml or *.yml files)")
    definitions: list[EntityDef] = []
    diagnostics: list[Diagnostic] = []
    for file in files:
        shown = show(file)
        try:
            definitions.append(validate_definition(load_file(file, shown), shown))
        except InputError as error:
            diagnostics.extend(error.diagnostics)
    if diagnostics:
        raise InputError(diagnostics)
    return definitions


def render_targets(
    project: Project,
    targets: tuple[str, ...],
    template_dirs: tuple[Path, ...],
    definitions_source: str,
    memo: RenderMemo | None = None,
    bytecode: Any = None,
) -> dict[str, Any]:
    """Render every target; nothing touches the disk. With a memo, a value may be a StoredText."""
    from generator.cache_records import InRunChunks
    from generator.diagnostics import InputError, Location
    from generator.render import environment
    from generator.targets import find_target, render_target
    from generator.yamlout import chunk_store

    env = environment(template_dirs, bytecode)
    files: dict[str, Any] = {}
    # Without a cache, chunks still serve the bundle what the fragments wrote.
    with chunk_store(memo if memo is not None else InRunChunks()):
        for name in targets:
            rendered = render_target(find_target(name, template_dirs), project, env, definitions_source, memo)
            clash = sorted(set(files) & set(rendered))
            if clash:
                raise InputError.at(Location(name), f"target writes {clash[0]}, which another target writes too")
            files.update(rendered)
    return dict(sorted(files.items()))


def generate(
    definitions: Path,
    show: ShowPath,
    pins: Mapping[str, Pins],
    targets: tuple[str, ...],
    template_dirs: tuple[Path, ...] = (),
    cache: Cache | None = None,
    api: Api | None = None,
) -> Mapping[str, str]:
    """{path under the output folder: contents} for the definitions at `definitions`.

    `api` is how the API serves the entities (the OpenAPI's paths); the spec's defaults
    without one.
    """
    if cache is None:
        from generator.build import build_project

        with _few_collections():
            project = build_project(load_definitions(definitions, show), pins, api)
            return render_targets(project, targets, template_dirs, show(definitions))
    from generator import cache as caching
    from generator.config import Api
    from generator.render import builtin_templates

    run = _Run(definitions, show, pins, targets, template_dirs, api or Api(), cache, _read_inputs(definitions, show))
    key = None
    if run.inputs is not None and not _python_of_its_own(targets, template_dirs):
        roots = [*template_dirs, builtin_templates()]
        inputs = [(shown, data) for _, shown, data in run.inputs]
        key = caching.run_key(cache, inputs, show(definitions), pins, targets, roots, repr(run.api))
        digests = caching.load_run(cache, key)
        if digests is not None:

            def render() -> Generated:
                with _few_collections():
                    return _generate(run)

            return Generated(digests, render=render, cache=cache)
    with _few_collections():
        files = _generate(run)
    if key is not None and files.from_inputs:
        caching.save_run(cache, key, files.digests)
    return files


_froze: list[bool] = []


@contextmanager
def _few_collections() -> Iterator[None]:
    """Collect garbage cycles a hundred times less often while generating, and not in its results after.

    Parsing, unpickling and rendering allocate millions of objects that live until the end of the
    run; each full collection walks all of them. With the default thresholds the collector took
    a sixth of a run that rebuilt one entity of 300 (60-90 ms of 0.55 s). On the way out what the
    run made is frozen (gc.freeze), so that collections while writing skip it; the next call
    unfreezes it, so that a process that generates again and again keeps one run's cycles at most.
    """
    import gc

    if _froze:
        gc.unfreeze()
        _froze.clear()
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 100_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.freeze()
        _froze.append(True)
        gc.set_threshold(*thresholds)


class Generated(Mapping[str, str]):
    """Generated files known by digest (output.compare uses `digests`); a text is read when asked for.

    A text is one rendered now, one an earlier run rendered (from the store), or, for a run the
    cache answered whole, one from generating again when the first text is asked for.
    """

    def __init__(
        self,
        digests: dict[str, str],
        texts: Mapping[str, Any] | None = None,
        render: Callable[[], Mapping[str, str]] | None = None,
        cache: Cache | None = None,
        from_inputs: bool = True,
    ) -> None:
        self.digests = digests
        self._texts = texts
        self._render = render
        self.cache = cache
        # False when generated from files read again (one changed while read): not for the run record.
        self.from_inputs = from_inputs

    def encoded(self, path: str) -> bytes | None:
        """The UTF-8 bytes of a text rendered in this run, None for any other (not read to answer)."""
        value = self._texts.get(path) if self._texts is not None else None
        return value if isinstance(value, bytes) else None

    def disk_state(self, out: Path) -> Any:
        """What the cache knows of the output folder's files (see generator.cache.DiskState)."""
        from generator.cache import DiskState

        return DiskState(self.cache, out) if self.cache is not None else None

    def __getitem__(self, path: str) -> str:
        if path not in self.digests:
            raise KeyError(path)
        if self._texts is None:
            # A run the cache answered (a change undone, a branch switched back): the text an
            # earlier run stored under this digest (per-entity outputs, the models package), else
            # everything is generated, through the records.
            from generator.cache_records import stored_text

            assert self._render is not None and self.cache is not None
            text = stored_text(self.cache, self.digests[path])
            if text is not None:
                return text
            self._texts = self._render()
        value = self._texts[path]
        if isinstance(value, bytes):
            return value.decode("utf-8")
        return value if isinstance(value, str) else str(value.text())

    def __iter__(self) -> Iterator[str]:
        return iter(self.digests)

    def __len__(self) -> int:
        return len(self.digests)


def _python_of_its_own(targets: tuple[str, ...], template_dirs: tuple[Path, ...]) -> bool:
    """A target whose context is Python outside dfgen: no digest of the inputs covers its code."""
    from generator.cache import foreign_context
    from generator.diagnostics import InputError
    from generator.targets import find_target

    try:
        return any(foreign_context(find_target(name, template_dirs)) for name in targets)
    except InputError:
        # An unknown or broken target: reported by the uncached path, in its order.
        return True


def _read_inputs(definitions: Path, show: ShowPath) -> list[tuple[Path, str, bytes]] | None:
    """Each definition file, its shown path and bytes; None when the uncached path must report a problem."""
    from generator.diagnostics import InputError
    from generator.load import definition_files

    try:
        files = definition_files(definitions)
        return [(file, show(file), file.read_bytes()) for file in files] or None
    except (InputError, OSError):
        return None


@dataclass(frozen=True)
class _Run:
    """What a generation through the cache reads: generate's arguments and the definition files."""

    definitions: Path
    show: ShowPath
    pins: Mapping[str, Pins]
    targets: tuple[str, ...]
    template_dirs: tuple[Path, ...]
    api: Api
    cache: Cache
    # Each definition file, its shown path and bytes; None when the uncached path must report a problem.
    inputs: list[tuple[Path, str, bytes]] | None


def _generate(run: _Run) -> Generated:
    """Load, build and render through the cache's records; any doubt goes the uncached way."""
    from generator.cache_records import Unusable

    try:
        return _generate_once(run, eager=False)
    except Unusable:
        # An unchanged entity's layout, read from its record only when needed, did not unpickle
        # (a damaged or foreign cache): again, every layout unpickled first, a damaged one rebuilt.
        return _generate_once(run, eager=True)


def _generate_once(run: _Run, eager: bool) -> Generated:
    """One try of _generate; `eager` as DefinitionRecord.build takes it."""
    from generator.build import build_project
    from generator.cache import jinja_bytecode
    from generator.cache_records import RenderMemo
    from generator.render import builtin_templates

    loaded = _load_records(run, eager) if run.inputs is not None else None
    memo = None
    source = run.show(run.definitions)
    if loaded is None:
        # The uncached path: the exact diagnostics of bad input, or a project without records.
        project = build_project(load_definitions(run.definitions, run.show), run.pins, run.api)
    else:
        project, records = loaded
        memo = RenderMemo(run.cache, records, project, run.template_dirs, builtin_templates(), source)
    files = render_targets(project, run.targets, run.template_dirs, source, memo, jinja_bytecode(run.cache))
    if memo is not None:
        memo.save()
    digests: dict[str, str] = {}
    for path, value in files.items():
        if isinstance(value, str):
            # Kept as bytes: compare and write need them, and the text is not held twice.
            files[path] = value.encode("utf-8")
            digests[path] = hashlib.sha256(files[path]).hexdigest()
        else:
            digests[path] = value.digest
    return Generated(digests, texts=files, cache=run.cache, from_inputs=loaded is not None)


def _load_records(run: _Run, eager: bool) -> tuple[Project, list[Any]] | None:
    """The project from the definition records; None when a file is bad or two entities meet."""
    from generator.build import build_project
    from generator.cache_records import DefinitionRecord, Unusable
    from generator.diagnostics import InputError
    from generator.load import load_file
    from generator.model import Project
    from generator.validate import validate_definition

    assert run.inputs is not None
    pins = run.pins
    records = []
    parsers = []
    try:
        for file, shown, data in run.inputs:
            record = DefinitionRecord(run.cache, shown, data)

            def parse(file: Path = file, shown: str = shown) -> EntityDef:
                return validate_definition(load_file(file, shown), shown)

            record.parse(parse)
            if record.dirty and file.read_bytes() != data:
                # The file changed while it was read: nothing of it may be kept under the old bytes.
                # (Changed and changed back between two reads a few milliseconds apart is not seen.)
                return None
            records.append(record)
            parsers.append(parse)
        # Built after every file is read, as build_project builds them: together in memory, the
        # entities' fields are read twice as fast by the docs' loops over every entity.
        for record, parse in zip(records, parsers, strict=True):
            # The entity is what build_project makes of the definition alone; clashes between
            # entities (codes, modules) are checked below, and reported by the uncached path.
            try:
                record.build(pins.get(record.code), lambda d: build_project([d], pins).entities[0], eager)
            except Unusable:
                # A record whose definition does not unpickle is read again from the file.
                record.forget()
                record.parse(parse)
                record.build(pins.get(record.code), lambda d: build_project([d], pins).entities[0])
    except (InputError, OSError):
        return None
    entities = [r.entity for r in records]
    if len({e.code for e in entities}) != len(entities) or len({e.module for e in entities}) != len(entities):
        return None
    return Project(tuple(sorted(entities, key=lambda e: e.code)), run.api), records
