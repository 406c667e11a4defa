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

import difflib
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from types import ModuleType
from typing import Any

import jinja2
import jinja2.meta

from generator.diagnostics import Diagnostic, InputError, Location
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
    if _outside(output.path):
        return f"path {output.path!r} must stay inside the output folder"
    if output.each == "entity" and "{module}" not in output.path and "{code}" not in output.path:
        return "a per-entity path needs {module} or {code}, or every entity would write one file"
    return None


def _outside(path: str) -> bool:
    """Whether a path may leave the output folder, or is not in the one form the output folder's checks know."""
    pure = PurePosixPath(path)
    return (
        not path
        or pure.as_posix() != path
        or pure.is_absolute()
        or any(part in ("..", ".git", ".hg", ".svn") or part.startswith(".dfgen-") for part in pure.parts)
        or "\\" in path
        or "\0" in path
        or bool(PureWindowsPath(path).drive)
    )


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
        template = _template(env, target, output)
        if output.each == "entity":
            contexts = [
                (entity_path(module, entity, output.path), entity_context(target, module, project, entity))
                for entity in project.entities
            ]
        else:
            contexts = [(output.path, project_context(target, module, project, source))]
        for path, context in contexts:
            # Checked again once formatted: `{code:.<2.0}` is `..`, `{code:/<1.0}` is `/`.
            if _outside(path):
                message = f"path {path!r} (from {output.path!r}) must stay inside the output folder"
                raise InputError.at(Location(str(target.folder / MANIFEST)), f"[[files]] {output.template}: {message}")
            if path in files:
                raise InputError.at(
                    Location(f"{target.name}/{output.template}"), f"two outputs of the target are {path}"
                )
            files[path] = _render(env, template, context, output.format)
    return files


def _template(env: jinja2.Environment, target: Target, output: OutputFile) -> jinja2.Template:
    """The compiled template of an output, or InputError naming the template's line or the missing file."""
    try:
        return env.get_template(f"{target.name}/{output.template}")
    except jinja2.TemplateNotFound as error:
        if error.name == f"{target.name}/{output.template}":
            raise InputError.at(
                Location(_shown(target.folder / MANIFEST)),
                f"[[files]] {output.template}: no such template in {_shown(target.folder)}",
            ) from None
        raise _template_error(error, env, None) from None
    except jinja2.TemplateError as error:
        raise _template_error(error, env, None) from None


def _render(env: jinja2.Environment, template: jinja2.Template, context: dict[str, Any], form: str | None) -> str:
    """A template rendered (and formatted); a mistake in a template is InputError at its line."""
    builtin = builtin_templates().resolve()
    try:
        text = template.render(context)
    except jinja2.TemplateError as error:
        raise _template_error(error, env, template) from None
    except Exception as error:
        # A project's own template that fails in Python (a call on the wrong value) is its
        # mistake; in a built-in template it is dfgen's, and shows as one.
        path, _ = _template_frame(error, env, template)
        if path.resolve().is_relative_to(builtin):
            raise
        raise _template_error(error, env, template) from None
    if form != "python":
        return text
    origin = Path(template.filename or "<template>")
    shipped = origin.resolve().is_relative_to(builtin)
    try:
        # The built-in templates write black's style (tests/unit/test_python_format.py proves it), so black runs
        # on their output only where a line could differ; any other template's output goes through black.
        return format_python(text) if shipped else format_with_black(text)
    except ValueError as error:  # black's InvalidInput
        if shipped:
            raise
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError.at(
            Location(_shown(origin)), f'format = "python", but black cannot read the output: {first}'
        ) from None


def _template_frame(
    error: BaseException, env: jinja2.Environment, template: jinja2.Template | None
) -> tuple[Path, int]:
    """The innermost template file and line in the error's traceback; else the template's file, line 0."""
    loader = env.loader
    roots = [Path(p).resolve() for p in loader.searchpath] if isinstance(loader, jinja2.FileSystemLoader) else []
    found = (Path(template.filename if template is not None and template.filename else "<template>"), 0)
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if any(path.resolve().is_relative_to(root) for root in roots):
            found = (path, frame.lineno or 0)
    return found


def _template_error(error: BaseException, env: jinja2.Environment, template: jinja2.Template | None) -> InputError:
    """A template error as a diagnostic: the template file and line, and Jinja's (or Python's) message."""
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        where = Location(_shown(Path(error.filename)), error.lineno)
        return InputError.at(where, f"template syntax error: {error.message}")
    path, line = _template_frame(error, env, template)
    if isinstance(error, jinja2.TemplateNotFound):
        message = f"no template {error.name}"
    elif isinstance(error, jinja2.TemplateError):
        message = str(error.message)
    else:
        message = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return InputError.at(Location(_shown(path), line), f"template error: {message}")


def _shown(path: Path) -> str:
    """A template's path as messages show it: from the current folder when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def override_problems(template_dirs: Sequence[Path], show: Callable[[Path], str]) -> list[Diagnostic]:
    """A diagnostic for each file of an override folder that replaces no built-in template.

    A file is used when it replaces a built-in target's template, belongs to a target the folder
    declares (its own target.toml), or is included, imported or extended by another template.
    """
    builtin = builtin_templates()
    known = sorted(p.relative_to(builtin).as_posix() for p in builtin.glob("*/*") if p.name != MANIFEST)
    problems = []
    for root in template_dirs:
        files = sorted(p for p in root.rglob("*") if p.is_file() and not _ignored(p.relative_to(root)))
        used = _referenced(files)
        for file in files:
            relative = file.relative_to(root)
            name = relative.as_posix()
            own_target = len(relative.parts) > 1 and (root / relative.parts[0] / MANIFEST).is_file()
            if own_target or name in used or (builtin / name).is_file():
                continue
            close = difflib.get_close_matches(name, known, n=1)
            if not close:
                close = [k for k in known if k.rsplit("/", 1)[-1] == relative.name][:1]
            hint = f" (did you mean {show(root / close[0])}?)" if close else f" (templates: {', '.join(known)})"
            problems.append(Diagnostic(Location(show(file)), f"replaces no built-in template{hint}"))
    return problems


def _ignored(relative: Path) -> bool:
    """Hidden files and folders, and Python's caches, are no templates."""
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts)


def _referenced(files: list[Path]) -> set[str]:
    """The template names that the files include, import or extend (by name, as the loader finds them)."""
    parser = jinja2.Environment()
    names: set[str] = set()
    for file in files:
        try:
            tree = parser.parse(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, jinja2.TemplateSyntaxError):
            continue  # not a template, or one whose error rendering reports at its line
        names.update(name for name in jinja2.meta.find_referenced_templates(tree) if name)
    return names


def entity_path(module: ModuleType | None, entity: Entity, pattern: str) -> str:
    """An entity's output path; a target's Python may move one that meets a fixed path."""
    path = pattern.format(module=entity.module, code=entity.code)
    adjust = getattr(module, "entity_path", None)
    return adjust(entity, path) if adjust else path
