"""Generation as a pure function: definitions and settings in, {relative path: contents} out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from generator.build import Pins, build_project
from generator.definition import EntityDef
from generator.diagnostics import Diagnostic, InputError, Location
from generator.load import definition_files, load_file
from generator.model import Project
from generator.render import environment
from generator.targets import find_target, render_target
from generator.validate import validate_definition

ShowPath = Callable[[Path], str]


def load_definitions(path: Path, show: ShowPath) -> list[EntityDef]:
    """Every definition under `path`, or InputError with the problems of all files at once."""
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
    project: Project, targets: tuple[str, ...], template_dirs: tuple[Path, ...], definitions_source: str
) -> dict[str, str]:
    """Render every target; nothing touches the disk."""
    env = environment(template_dirs)
    files: dict[str, str] = {}
    for name in targets:
        rendered = render_target(find_target(name, template_dirs), project, env, definitions_source)
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
) -> dict[str, str]:
    """{path under the output folder: contents} for the definitions at `definitions`."""
    project = build_project(load_definitions(definitions, show), pins)
    return render_targets(project, targets, template_dirs, show(definitions))
