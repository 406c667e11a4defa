"""[tool.dfgen] in the project's pyproject.toml, and its defaults."""

from __future__ import annotations

import difflib
import functools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.diagnostics import InputError, Location

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KEYS = (
    "definitions",
    "out",
    "targets",
    "templates",
    "base-url",
    "token-env",
    "definition-path",
    "list-path",
    "pins",
    "cache",
    "connect-timeout",
    "read-timeout",
    "deadline",
    "site-name",
)
PIN_KEYS = ("fields", "enums", "options", "module")
# The built-in targets; a project may add its own (see generator/targets/engine.py).
TARGETS = ("models", "openapi", "docs")
CACHE = ".dfgen-cache"


SITE_NAME = "DemandFlow API reference"


@dataclass(frozen=True)
class Pins:
    """Python names a project fixes by hand, per entity: [tool.dfgen.pins.<ENTITY>]."""

    fields: Mapping[str, str] = field(default_factory=dict)
    enums: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    # The entity's module name, for two entity codes that would share one.
    module: str | None = None
    # Where the pins were read (pyproject.toml, or REV:pyproject.toml for diff), for messages.
    source: str = "pyproject.toml"
    # Where each pin is written, by its path under the entity's table: () for the table itself,
    # ("fields", "callType"), ("options", "codec", "1"). Messages only: not part of the cache key.
    lines: Mapping[tuple[str, ...], tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)

    def at(self, *path: str) -> Location:
        """Where a pin (or the entity's table) is written, as exactly as it is known."""
        line, column = self.lines.get(path, (0, 0))
        return Location(self.source, line, column)


@dataclass(frozen=True)
class Api:
    """How the DemandFlow API serves the entities, where the project configures it (the OpenAPI's paths, the docs)."""

    # The spec's reading of the vendor's page.
    definition_path: str = "/v1/objects/DEFINITION/{code}"
    # The docs' requests are written against it; None: the docs show a placeholder.
    base_url: str | None = None
    # The docs' mkdocs.yml: the site's name, and whether openapi/ is there to link to.
    site_name: str = SITE_NAME
    openapi: bool = True

    def definition_of(self, code: str) -> str:
        """The path of an entity's DEFINITION."""
        return self.definition_path.replace("{code}", code)

    # [tool.dfgen] token-env: where the generated client reads the token.
    token_env: str = "DEMANDFLOW_TOKEN"
    # Whether the client target is on: the models package then needs httpx too.
    client: bool = False


@dataclass(frozen=True)
class Config:
    """Settings with defaults applied; paths are absolute."""

    root: Path
    definitions: Path
    out: Path
    targets: tuple[str, ...] = TARGETS
    templates: Path | None = None
    base_url: str | None = None
    token_env: str = "DEMANDFLOW_TOKEN"
    definition_path: str = Api.definition_path
    list_path: str = "/v1/entities/DEFINITION/SUB"
    pins: Mapping[str, Pins] = field(default_factory=dict)
    # dfgen's cache folder (.dfgen-cache by default); None: no cache.
    cache: Path | None = None
    # fetch, in seconds: each connection and each read, and the whole command (every request and retry).
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 60.0
    site_name: str = SITE_NAME

    @property
    def api(self) -> Api:
        """How the API serves the entities, for the OpenAPI and docs targets."""
        return Api(
            self.definition_path,
            self.base_url,
            self.site_name,
            "openapi" in self.targets,
            token_env=self.token_env,
            client="client" in self.targets,
        )

    @property
    def template_dirs(self) -> tuple[Path, ...]:
        """The override folders searched before the built-in templates."""
        return (self.templates,) if self.templates else ()

    def shown(self, path: Path) -> str:
        """A path as messages and headers show it: relative to the project, with forward slashes."""
        try:
            return path.resolve().relative_to(self._resolved_root).as_posix()
        except ValueError:
            return path.as_posix()

    @functools.cached_property
    def _resolved_root(self) -> Path:
        # Once: a run shows every definition file, 300 resolves of the root cost 10 ms.
        return self.root.resolve()


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start`."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None) -> Config:
    """The configuration of the project that holds `start` (the current folder by default)."""
    start = (start or Path.cwd()).resolve()
    pyproject = find_pyproject(start)
    if pyproject is None:
        return Config(root=start, definitions=start / "definitions", out=start / "generated", cache=start / CACHE)
    shown = pyproject.name if pyproject.parent == start else str(pyproject)
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError.at(Location(shown), f"cannot read [tool.dfgen]: {error}") from None
    return parse_config(dfgen_table(text, shown), pyproject.parent, shown, key_lines(text))


def dfgen_table(text: str, shown: str) -> Mapping[str, Any]:
    """The [tool.dfgen] table of a pyproject.toml's text (empty when it has none)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError.at(Location(shown), f"cannot read [tool.dfgen]: {error}") from None
    tool = data.get("tool", {})
    table = tool.get("dfgen", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise InputError.at(Location(shown), "[tool.dfgen]: expected a table")
    return table


def parse_config(
    table: Mapping[str, Any], root: Path, shown: str, lines: Mapping[tuple[str, ...], tuple[int, int]] | None = None
) -> Config:
    """A Config from the [tool.dfgen] table, or InputError naming the bad key."""
    where = Location(shown)
    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError.at(where, f"[tool.dfgen]: unknown key {key!r}{hint}")

    def text(key: str, default: str | None) -> str | None:
        value = table.get(key, default)
        if value is not None and not isinstance(value, str):
            raise InputError.at(where, f"[tool.dfgen] {key}: expected a string")
        return value

    targets = table.get("targets", list(TARGETS))
    if not isinstance(targets, list) or not all(isinstance(t, str) and t.isidentifier() for t in targets):
        raise InputError.at(where, "[tool.dfgen] targets: expected a list of target names, such as models")
    templates = text("templates", None)
    if templates and not (root / templates).is_dir():
        state = "is not a folder" if (root / templates).exists() else "does not exist"
        raise InputError.at(
            where, f"[tool.dfgen] templates: {templates!r} {state} (create the folder of overrides, or remove the key)"
        )
    cache = table.get("cache", CACHE)
    if cache is not False and not (isinstance(cache, str) and cache):
        raise InputError.at(where, "[tool.dfgen] cache: expected a folder, or false for no cache")
    definition_path = text("definition-path", Config.definition_path) or Config.definition_path
    list_path = text("list-path", Config.list_path) or Config.list_path
    problem = api_path_problem(definition_path, list_path)
    if problem is not None:
        raise InputError.at(where, f"[tool.dfgen] {problem[0]}: {problem[1]}")
    if "client" in targets and "models" not in targets:
        # The client is written into the models package and takes and returns its classes.
        raise InputError.at(where, '[tool.dfgen] targets: "client" needs "models" too')
    return Config(
        root=root,
        definitions=root / (text("definitions", "definitions") or "definitions"),
        out=root / (text("out", "generated") or "generated"),
        targets=tuple(dict.fromkeys(targets)),
        templates=root / templates if templates else None,
        base_url=text("base-url", None),
        token_env=text("token-env", "DEMANDFLOW_TOKEN") or "DEMANDFLOW_TOKEN",
        definition_path=definition_path,
        list_path=list_path,
        pins=parse_pins(table.get("pins", {}), where, lines or {}),
        cache=root / cache if cache else None,
        connect_timeout=seconds(table, "connect-timeout", Config.connect_timeout, where),
        read_timeout=seconds(table, "read-timeout", Config.read_timeout, where),
        deadline=seconds(table, "deadline", Config.deadline, where),
        site_name=text("site-name", SITE_NAME) or SITE_NAME,
    )


def seconds(table: Mapping[str, Any], key: str, default: float, where: Location) -> float:
    """A positive, finite number of seconds from the table, or InputError naming the key."""
    value = table.get(key, default)
    # A bool is an int to Python, and `inf` or `nan` are floats to TOML; none is a time.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise InputError.at(where, f"[tool.dfgen] {key}: expected a number of seconds above 0, such as {default:g}")
    return float(value)


def api_path_problem(definition_path: str, list_path: str) -> tuple[str, str] | None:
    """The first of the two that is not usable, as (its key, what is expected); None if both are.

    Both are absolute paths, and the definition path holds {code}.
    """
    if not definition_path.startswith("/") or "{code}" not in definition_path:
        return "definition-path", f"expected a path with {{code}}, such as {Config.definition_path}"
    if not list_path.startswith("/"):
        return "list-path", f"expected a path, such as {Config.list_path}"
    return None


def parse_pins(
    table: Any, where: Location, lines: Mapping[tuple[str, ...], tuple[int, int]] | None = None
) -> dict[str, Pins]:
    """[tool.dfgen.pins.<ENTITY>] fields / enums / options tables and module name."""
    if not isinstance(table, dict):
        raise InputError.at(where, "[tool.dfgen.pins]: expected a table of entities")
    pins = {}
    for entity, entry in table.items():
        prefix = f"[tool.dfgen.pins.{entity}]"
        if not isinstance(entry, dict):
            raise InputError.at(where, f"{prefix}: expected the tables fields, enums and options, and module")
        for key in entry:
            if key not in PIN_KEYS:
                close = difflib.get_close_matches(key, PIN_KEYS, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (expected {', '.join(PIN_KEYS)})"
                raise InputError.at(where, f"{prefix}: unknown key {key!r}{hint}")
        module = entry.get("module")
        if module is not None and not isinstance(module, str):
            raise InputError.at(where, f'{prefix} module: expected module = "python_module_name"')
        fields, enums, options = entry.get("fields", {}), entry.get("enums", {}), entry.get("options", {})
        for name, mapping in (("fields", fields), ("enums", enums)):
            if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
                raise InputError.at(where, f'{prefix}.{name}: expected field code = "python_name"')
        parsed_options: dict[str, dict[int, str]] = {}
        if not isinstance(options, dict):
            raise InputError.at(where, f"{prefix}.options: expected a table per field code")
        for code, members in options.items():
            if not isinstance(members, dict) or not all(
                k.lstrip("-").isdigit() and isinstance(v, str) for k, v in members.items()
            ):
                raise InputError.at(where, f'{prefix}.options.{code}: expected "<option id>" = "MEMBER_NAME"')
            parsed_options[code] = {int(k): v for k, v in members.items()}
        prefix_path = ("tool", "dfgen", "pins", entity)
        found = {path[4:]: place for path, place in (lines or {}).items() if path[:4] == prefix_path}
        pins[entity] = Pins(dict(fields), dict(enums), parsed_options, module, where.source, found)
    return pins


_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY_LINE = re.compile(rf"\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")
_HEADER = re.compile(rf"\s*\[\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*\]")


def _key_path(dotted: str) -> tuple[str, ...]:
    """A TOML dotted key as its parts, unquoted: `pins.CDR."1"` -> ("pins", "CDR", "1")."""
    node: Any = tomllib.loads(f"{dotted} = 0")
    path: list[str] = []
    while isinstance(node, dict) and len(node) == 1:
        key, node = next(iter(node.items()))
        path.append(key)
    return tuple(path)


def key_lines(text: str) -> dict[tuple[str, ...], tuple[int, int]]:
    """The line and column where each table and key of a TOML text is first written, for messages.

    Only table headers and `key = ...` lines are read, which is how pins are written; a key in
    an inline table or a multi-line value is not found and its messages name the file alone.
    """
    found: dict[tuple[str, ...], tuple[int, int]] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        matched = header or _KEY_LINE.match(line)
        if matched is None:
            continue
        try:
            path = _key_path(matched.group(1))
        except tomllib.TOMLDecodeError:
            continue
        if header:
            table = path
        else:
            path = table + path
        column = len(line) - len(line.lstrip()) + 1
        for end in range(1, len(path) + 1):
            found.setdefault(path[:end], (number, column))
    return found
