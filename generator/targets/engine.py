"""Targets: a folder of templates plus a target.toml saying what each template renders.

A target folder holds `target.toml`:

    description = "One SQL table per entity"
    context = "generator.targets.models"   # optional: Python that adds to the templates' context

    [[files]]
    template = "table.sql.jinja"   # a file of this folder
    each = "entity"                # "entity": one file per entity; "project": one file in all
    path = "sql/{module}.sql"      # under the output folder; {module} and {code} per entity
    format = "python"              # optional: black-format the output

The built-in targets (models, openapi, docs) are declared the same way in templates/. A folder
in the configured `templates` directory overrides built-in templates file by file, and may
declare new targets of its own.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

import jinja2

from generator.diagnostics import InputError, Location
from generator.model.entities import Entity, Project
from generator.targets.environment import builtin_templates
from generator.targets.python import format_python, format_with_black

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MANIFEST = "target.toml"
_FILE_KEYS = {"template", "each", "path", "format"}
_TARGET_KEYS = {"description", "context", "files"}


@dataclass(frozen=True)
class OutputFile:
    """One template and the file or files it renders."""

    template: str
    each: str
    path: str
    format: str | None


@dataclass(frozen=True)
class Target:
    """A target as its target.toml declares it."""

    name: str
    folder: Path
    description: str
    context: str | None
    files: tuple[OutputFile, ...]


def _search_path(template_dirs: Sequence[Path]) -> list[Path]:
    return [*template_dirs, builtin_templates()]


def find_target(name: str, template_dirs: Sequence[Path]) -> Target:
    """The target called `name`: an override folder's declaration first, then the built-in one."""
    for root in _search_path(template_dirs):
        if (root / name / MANIFEST).is_file():
            return _read_target(name, root / name)
    known = ", ".join(t.name for t in available_targets(template_dirs))
    raise InputError.at(Location(name), f"unknown target (no {name}/{MANIFEST}; targets: {known})")


def available_targets(template_dirs: Sequence[Path]) -> list[Target]:
    """Every target the search path declares, by name."""
    names = sorted(
        {p.parent.name for root in _search_path(template_dirs) if root.is_dir() for p in root.glob(f"*/{MANIFEST}")}
    )
    return [find_target(name, template_dirs) for name in names]


def template_origin(target: Target, template: str, template_dirs: Sequence[Path]) -> Path:
    """The file a template of the target is read from: an override or the built-in one."""
    for root in _search_path(template_dirs):
        if (root / target.name / template).is_file():
            return root / target.name / template
    return target.folder / template


def _read_target(name: str, folder: Path) -> Target:
    where = Location(str(folder / MANIFEST))
    try:
        data = tomllib.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError.at(where, f"cannot read the target: {error}") from None
    unknown = set(data) - _TARGET_KEYS
    if unknown:
        raise InputError.at(where, f"unknown key {sorted(unknown)[0]!r} (expected {', '.join(sorted(_TARGET_KEYS))})")
    files = []
    for entry in data.get("files", []):
        if not isinstance(entry, dict) or set(entry) - _FILE_KEYS or not {"template", "each", "path"} <= set(entry):
            raise InputError.at(where, "each [[files]] needs template, each and path (and may have format)")
        output = OutputFile(entry["template"], entry["each"], entry["path"], entry.get("format"))
        problem = _problem(output)
        if problem:
            raise InputError.at(where, f"[[files]] {output.template}: {problem}")
        files.append(output)
    if not files:
        raise InputError.at(where, "a target needs at least one [[files]] entry")
    return Target(name, folder, str(data.get("description", "")), data.get("context"), tuple(files))


def _problem(output: OutputFile) -> str | None:
    if output.each not in ("entity", "project"):
        return f"each must be 'entity' or 'project', not {output.each!r}"
    if output.format not in (None, "python"):
        return f"format must be 'python' or absent, not {output.format!r}"
    pure = PurePosixPath(output.path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in output.path:
        return f"path {output.path!r} must stay inside the output folder"
    if output.each == "entity" and "{module}" not in output.path and "{code}" not in output.path:
        return "a per-entity path needs {module} or {code}, or every entity would write one file"
    return None


def _context_module(target: Target) -> ModuleType | None:
    return importlib.import_module(target.context) if target.context else None


def entity_context(target: Target, module: ModuleType | None, project: Project, entity: Entity) -> dict[str, Any]:
    """What a per-entity template sees: entity, project, source, target, and the target's extras."""
    context = {"entity": entity, "project": project, "source": entity.source, "target": target.name}
    if module is not None:
        context.update(module.entity_context(project, entity))
    return context


def project_context(target: Target, module: ModuleType | None, project: Project, source: str) -> dict[str, Any]:
    """What a per-project template sees: project, source, target, and the target's extras."""
    context = {"project": project, "source": source, "target": target.name}
    if module is not None:
        context.update(module.project_context(project, source))
    return context


def render_target(target: Target, project: Project, env: jinja2.Environment, source: str) -> dict[str, str]:
    """{path under the output folder: contents} for one target, Python files formatted."""
    module = _context_module(target)
    files: dict[str, str] = {}
    for output in target.files:
        template = env.get_template(f"{target.name}/{output.template}")
        # The built-in templates write black's style (tests/test_format.py proves it), so black runs on
        # their output only where a line could differ; any other template's output goes through black.
        formatter = format_python if _builtin(template) else format_with_black
        if output.each == "entity":
            contexts = [
                (entity_path(module, entity, output.path), entity_context(target, module, project, entity))
                for entity in project.entities
            ]
        else:
            contexts = [(output.path, project_context(target, module, project, source))]
        for path, context in contexts:
            if path in files:
                raise InputError.at(
                    Location(f"{target.name}/{output.template}"), f"two outputs of the target are {path}"
                )
            text = template.render(context)
            files[path] = formatter(text) if output.format == "python" else text
    return files


def _builtin(template: jinja2.Template) -> bool:
    """A template shipped with dfgen, not an override or a project's own."""
    return template.filename is not None and Path(template.filename).resolve().is_relative_to(
        builtin_templates().resolve()
    )


def entity_path(module: ModuleType | None, entity: Entity, pattern: str) -> str:
    """An entity's output path; a target's Python may move one that meets a fixed path."""
    path = pattern.format(module=entity.module, code=entity.code)
    adjust = getattr(module, "entity_path", None)
    return adjust(entity, path) if adjust else path
