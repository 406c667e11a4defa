"""Generation as a pure function: definition files and settings in, {relative path: contents} out.

load (definitions/) -> validate -> build the intermediate model (model/) -> render every target
(targets/). Nothing here touches the output folder: generator/output/ writes or compares.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import Api, Pins
from generator.definitions.format import EntityDef
from generator.definitions.load import decode_text, definition_files, parse_yaml
from generator.definitions.validate import validate_definition
from generator.diagnostics import Diagnostic, InputError, Location
from generator.model.build import build_project
from generator.model.entities import Project
from generator.targets.engine import find_target, render_target
from generator.targets.environment import environment

ShowPath = Callable[[Path], str]


@dataclass(frozen=True)
class Source:
    """One definition file: the path messages and headers show, and its bytes as read once."""

    shown: str
    data: bytes


def read_sources(path: Path, show: ShowPath) -> list[Source]:
    """The bytes of every definition file under `path`, each read once; InputError when there are none."""
    files = definition_files(path, show)
    if not files:
        # An empty folder is far more often a wrong path than a tenant without entities.
        raise InputError.at(Location(show(path)), "no definitions here (expected *.yaml or *.yml files)")
    sources = []
    for file in files:
        try:
            sources.append(Source(show(file), file.read_bytes()))
        except OSError as error:
            raise InputError.at(Location(show(file)), f"cannot read file: {error.strerror}") from None
    return sources


def parse_sources(sources: list[Source]) -> list[EntityDef]:
    """Every definition validated, or InputError with the problems of all files at once."""
    definitions: list[EntityDef] = []
    diagnostics: list[Diagnostic] = []
    for source in sources:
        try:
            node = parse_yaml(decode_text(source.data, source.shown), source.shown)
            definitions.append(validate_definition(node, source.shown))
        except InputError as error:
            diagnostics.extend(error.diagnostics)
    if diagnostics:
        raise InputError(diagnostics)
    return definitions


def load_definitions(path: Path, show: ShowPath) -> list[EntityDef]:
    """Every definition under `path`, validated."""
    return parse_sources(read_sources(path, show))


def render_targets(
    project: Project, targets: tuple[str, ...], template_dirs: tuple[Path, ...], definitions_source: str
) -> dict[str, str]:
    """Render every target: {path under the output folder: contents}, sorted by path."""
    env = environment(template_dirs)
    files: dict[str, str] = {}
    for name in targets:
        rendered = render_target(find_target(name, template_dirs), project, env, definitions_source)
        clash = sorted(set(files) & set(rendered))
        if clash:
            raise InputError.at(Location(name), f"target writes {clash[0]}, which another target writes too")
        files.update(rendered)
    return dict(sorted(files.items()))


@dataclass(frozen=True)
class Settings:
    """What generation reads besides the definitions: pins, targets, template overrides, the API."""

    pins: Mapping[str, Pins]
    targets: tuple[str, ...]
    template_dirs: tuple[Path, ...] = ()
    api: Api = field(default_factory=Api)


def generate(sources: list[Source], definitions_source: str, settings: Settings) -> dict[str, str]:
    """{path under the output folder: contents} for the definition files read as `sources`."""
    project = build_project(parse_sources(sources), settings.pins, settings.api, strict_pins=True)
    return render_targets(project, settings.targets, settings.template_dirs, definitions_source)
