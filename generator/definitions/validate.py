"""Check a located definition tree against the DEFINITION format and build an EntityDef."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from typing import TypeVar

from generator.definitions.format import GAUGE_BOUNDS, EntityDef, FieldDef, FieldType, OptionDef, PanelDef, SectionDef
from generator.definitions.load import Mapping, Node, Scalar, Sequence
from generator.diagnostics import MAX_QUOTED, Diagnostic, InputError, Location, quoted
from generator.model import naming

ENTITY_CODE = re.compile(r"[A-Z][A-Z0-9_]*\Z")
# An entity code names files (models/<module>.py, docs/<module>.md, definitions/<module>.yaml):
# every file system must hold them, with room for the folders above.
MAX_CODE = 64
# Windows opens these names as devices whatever the extension (con.py is the console).
DEVICE_NAMES = ("AUX", "CON", "NUL", "PRN", *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10)))
# A file the targets write for the whole project beside the entities' files.
PROJECT_FILES = {"index": "docs/index.md"}
# The create payload carries these beside the fields, so no field may take their names.
ENVELOPE_KEYS = ("entity", "level", "comboKey")

_YAML_NULL = {"", "~", "null", "Null", "NULL"}
_YAML_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_YAML_INT = re.compile(r"[-+]?[0-9]+\Z")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
# int() refuses more than 4300 digits (a ValueError, not a diagnostic); math.isfinite() overflows past
# 308 (an OverflowError). No id or bound needs 100, in YAML text or in a JSON integer.
MAX_DIGITS = 100
_TOO_LONG = 10**MAX_DIGITS

ENTITY_KEYS = ("code", "displayName", "plural", "level", "description", "useCases", "panels")
PANEL_KEYS = ("name", "sections")
SECTION_KEYS = ("name", "fields")
OPTION_KEYS = ("id", "label")
FIELD_KEYS = ("code", "type", "label", "required", "readOnly", "notes", "options", "multiline", "target", "min", "max")
# Keys that only some types accept; every other field key fits every type.
KEYS_FOR_TYPES = {
    "options": (FieldType.ENUM, FieldType.MULTISELECT),
    "multiline": (FieldType.TEXT,),
    "target": (FieldType.REFERENCE,),
    "min": (FieldType.NUMBER, FieldType.GAUGE),
    "max": (FieldType.NUMBER, FieldType.GAUGE),
}

T = TypeVar("T")


class _Invalid(Exception):
    """A value that failed its check; the diagnostic is already recorded."""


def _kind(node: Node) -> str:
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    value = node.value
    if node.from_yaml:
        # A quoted "1" is text to YAML, though it reads like a number in a message.
        return quoted(value) if node.plain else f"the quoted string {quoted(value)}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


def _is_null(node: Node) -> bool:
    if not isinstance(node, Scalar):
        return False
    if node.from_yaml:
        return node.plain and node.value in _YAML_NULL
    return node.value is None


class _Validator:
    """Walks one definition, recording every problem it finds before giving up."""

    def __init__(self, source: str, allow_envelope: bool) -> None:
        self.source = source
        self.allow_envelope = allow_envelope
        self.diagnostics: list[Diagnostic] = []
        self.field: str | None = None

    def error(self, location: Location, message: str) -> None:
        self.diagnostics.append(Diagnostic(location, message, self.field))

    def fail(self, location: Location, message: str) -> _Invalid:
        self.error(location, message)
        return _Invalid()

    # -- scalars ---------------------------------------------------------------------------

    def text(self, node: Node, what: str) -> str:
        if isinstance(node, Scalar) and (node.from_yaml or isinstance(node.value, str)):
            value = str(node.value)
            # JSON can spell a lone surrogate (\ud800); no file or page could then hold the text.
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError as error:
                    raise self.fail(
                        node.location, f"{what}: character {error.start + 1} is a lone surrogate, not text"
                    ) from None
            return value
        raise self.fail(node.location, f"{what}: expected a string, got {_kind(node)}")

    def digits(self, node: Scalar, what: str) -> None:
        """Refuse a number with too many digits for a bound or an id, written in YAML or sent as JSON."""
        if node.from_yaml:
            count = sum(c.isdigit() for c in node.value)
        elif isinstance(node.value, int):
            count = len(str(abs(node.value))) if abs(node.value) >= _TOO_LONG else 0
        else:
            return  # a JSON float: Python's own, of 17 significant digits at most
        if count > MAX_DIGITS:
            raise self.fail(node.location, f"{what}: expected at most {MAX_DIGITS} digits, got {count} digits")

    def integer(self, node: Node, what: str) -> int:
        if isinstance(node, Scalar):
            if node.from_yaml and node.plain and _YAML_INT.match(node.value):
                self.digits(node, what)
                return int(node.value)
            if not node.from_yaml and isinstance(node.value, int) and not isinstance(node.value, bool):
                self.digits(node, what)
                return node.value
        raise self.fail(node.location, f"{what}: expected an integer, got {_kind(node)}")

    def number(self, node: Node, what: str) -> int | float:
        if isinstance(node, Scalar):
            value: int | float | None = None
            if node.from_yaml and node.plain:
                if _YAML_INT.match(node.value):
                    self.digits(node, what)
                    value = int(node.value)
                elif _YAML_FLOAT.match(node.value):
                    self.digits(node, what)
                    value = float(node.value)
            elif not node.from_yaml and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                self.digits(node, what)
                value = node.value
            if value is not None and math.isfinite(value):
                return value
        raise self.fail(node.location, f"{what}: expected a finite number, got {_kind(node)}")

    def boolean(self, node: Node, what: str) -> bool:
        if isinstance(node, Scalar):
            if node.from_yaml and node.plain and node.value in _YAML_BOOL:
                return _YAML_BOOL[node.value]
            if not node.from_yaml and isinstance(node.value, bool):
                return node.value
        raise self.fail(node.location, f"{what}: expected true or false, got {_kind(node)}")

    def non_empty(self, node: Node, what: str) -> str:
        value = self.text(node, what)
        if not value.strip():
            raise self.fail(node.location, f"{what}: must not be empty")
        return value

    def sequence(self, node: Node, what: str) -> list[Node]:
        if isinstance(node, Sequence):
            return node.items
        raise self.fail(node.location, f"{what}: expected a list, got {_kind(node)}")

    # -- mappings --------------------------------------------------------------------------

    def mapping(
        self, node: Node, what: str, allowed: tuple[str, ...], required: tuple[str, ...], ignore_unknown: bool = False
    ) -> dict[str, Node]:
        """The mapping's non-null values by key, after checking unknown and missing keys.

        A missing key is reported and left out; callers read keys with defaults, so that the rest
        of the document is still checked and a typo at the top does not hide one further down.
        """
        if not isinstance(node, Mapping):
            raise self.fail(node.location, f"{what}: expected a mapping, got {_kind(node)}")
        values: dict[str, Node] = {}
        for key, key_location, value in node.entries:
            if key not in allowed:
                if not ignore_unknown:
                    self.error(key_location, f"unknown {what} key {quoted(key)}{_suggest(key, allowed)}")
                continue
            if not _is_null(value):
                values[key] = value
        for key in required:
            if key not in values:
                self.error(node.location, f"missing required {what} key {key!r}")
        return values

    def optional(self, values: dict[str, Node], key: str, convert: Callable[[Node, str], T], default: T) -> T:
        if key not in values:
            return default
        try:
            return convert(values[key], key)
        except _Invalid:
            return default

    def each(self, nodes: list[Node], build: Callable[[Node], T]) -> list[T]:
        """Build every item, keeping the good ones so later checks still run."""
        built = []
        for node in nodes:
            try:
                built.append(build(node))
            except _Invalid:
                pass
        return built

    # -- the format ------------------------------------------------------------------------

    def entity(self, node: Node) -> EntityDef:
        values = self.mapping(
            node, "definition", ENTITY_KEYS, ("code", "displayName", "level", "panels"), self.allow_envelope
        )
        code = self.optional(values, "code", self.text, None)
        problem = None if code is None else _code_problem(code, names_files=True)
        if problem is not None:
            self.error(values["code"].location, f"code: {problem}")
        code = code or ""
        display_name = self.optional(values, "displayName", self.non_empty, code)
        level = self.optional(values, "level", self.integer, 0)
        panels = self.each(self.optional(values, "panels", self.sequence, []), self.panel)
        self.check_unique_codes(panels)
        return EntityDef(
            code=code,
            display_name=display_name,
            plural=self.optional(values, "plural", self.non_empty, None),
            level=level,
            description=self.optional(values, "description", self.text, None),
            use_cases=self.optional(values, "useCases", self.text, None),
            panels=tuple(panels),
            source=self.source,
            location=node.location,
        )

    def panel(self, node: Node) -> PanelDef:
        values = self.mapping(node, "panel", PANEL_KEYS, PANEL_KEYS)
        name = self.optional(values, "name", lambda n, _: self.non_empty(n, "panel name"), "")
        sections = self.each(self.optional(values, "sections", self.sequence, []), self.section)
        return PanelDef(name, tuple(sections), node.location)

    def section(self, node: Node) -> SectionDef:
        values = self.mapping(node, "section", SECTION_KEYS, SECTION_KEYS)
        name = self.optional(values, "name", lambda n, _: self.non_empty(n, "section name"), "")
        fields = self.each(self.optional(values, "fields", self.sequence, []), self.field_def)
        return SectionDef(name, tuple(fields), node.location)

    def field_def(self, node: Node) -> FieldDef:
        self.field = None
        code = node.index.get("code") if isinstance(node, Mapping) else None
        if isinstance(code, Scalar):
            self.field = str(code.value)
        try:
            return self.field_body(node)
        finally:
            self.field = None

    def field_body(self, node: Node) -> FieldDef:
        values = self.mapping(node, "field", FIELD_KEYS, ("code", "type"))
        code = self.optional(values, "code", self.non_empty, "")
        if code in ENVELOPE_KEYS:
            self.error(values["code"].location, f"code {code!r} is reserved: the create payload's envelope uses it")
        if "type" not in values:
            raise _Invalid()
        type_name = self.text(values["type"], "type")
        try:
            field_type = FieldType(type_name)
        except ValueError:
            names = [t.value for t in FieldType]
            raise self.fail(
                values["type"].location,
                f"unknown type {quoted(type_name)} (expected one of {', '.join(names)}){_suggest(type_name, names)}",
            ) from None
        for key, types in KEYS_FOR_TYPES.items():
            if key in values and field_type not in types:
                allowed = " and ".join(t.value for t in types)
                self.error(
                    values[key].location, f"key {key!r} does not apply to a {field_type.value} field (only {allowed})"
                )
        options = self.options(values, field_type)
        target = self.optional(values, "target", self.text, None)
        if field_type is FieldType.REFERENCE:
            if target is None:
                self.error(node.location, "a reference needs 'target': the code of the entity it points at")
            elif (problem := _code_problem(target)) is not None:
                self.error(values["target"].location, f"target: {problem}")
        low = self.optional(values, "min", self.number, None)
        high = self.optional(values, "max", self.number, None)
        if low is not None and high is not None and low > high:
            self.error(values["min"].location, f"min {low} is above max {high}")
        elif field_type is FieldType.GAUGE and (low is None) != (high is None):
            # A gauge is 0 to 100 unless min/max say otherwise: one bound alone can cross the other.
            if low is not None and low > GAUGE_BOUNDS[1]:
                self.error(values["min"].location, f"min {low} is above a gauge's default max {GAUGE_BOUNDS[1]}")
            if high is not None and high < GAUGE_BOUNDS[0]:
                self.error(values["max"].location, f"max {high} is below a gauge's default min {GAUGE_BOUNDS[0]}")
        return FieldDef(
            code=code,
            type=field_type,
            label=self.optional(values, "label", self.non_empty, None),
            required=self.optional(values, "required", self.boolean, False),
            read_only=self.optional(values, "readOnly", self.boolean, False),
            notes=self.optional(values, "notes", self.text, None),
            options=options,
            multiline=self.optional(values, "multiline", self.boolean, False),
            target=target if field_type is FieldType.REFERENCE else None,
            min=low,
            max=high,
            location=node.location,
        )

    def options(self, values: dict[str, Node], field_type: FieldType) -> tuple[OptionDef, ...]:
        if "options" not in values or field_type not in KEYS_FOR_TYPES["options"]:
            if field_type is FieldType.ENUM:
                location = values["type"].location
                self.error(location, "an enum needs 'options': a list of {id, label}")
            return ()
        built = self.each(self.sequence(values["options"], "options"), self.option)
        if field_type is FieldType.ENUM and not built and not self.sequence(values["options"], "options"):
            self.error(values["options"].location, "an enum needs at least one option")
        seen: dict[int, OptionDef] = {}
        for option in built:
            if option.id in seen:
                first = seen[option.id].location.line
                self.error(option.location, f"duplicate option id {option.id} (first at line {first})")
            else:
                seen[option.id] = option
        return tuple(built)

    def option(self, node: Node) -> OptionDef:
        values = self.mapping(node, "option", OPTION_KEYS, OPTION_KEYS)
        if "id" not in values or "label" not in values:
            raise _Invalid()
        option_id = self.integer(values["id"], "option id")
        label = self.non_empty(values["label"], "option label")
        return OptionDef(option_id, label, node.location)

    def check_unique_codes(self, panels: list[PanelDef]) -> None:
        seen: dict[str, FieldDef] = {}
        for panel in panels:
            for section in panel.sections:
                for field in section.fields:
                    if not field.code:
                        continue  # its missing code is reported already
                    if field.code in seen:
                        first = seen[field.code].location
                        self.field = field.code
                        where = f"line {first.line}" if first.line else first.path
                        self.error(field.location, f"duplicate field code (first at {where})")
                        self.field = None
                    else:
                        seen[field.code] = field


def _code_problem(code: str, names_files: bool = False) -> str | None:
    """Why text is not an entity code, or (for an entity's own code) cannot name the entity's files; None if fine."""
    if not ENTITY_CODE.match(code):
        return f"{quoted(code)} is not an entity code (expected [A-Z][A-Z0-9_]*, such as CDR)"
    if len(code) > MAX_CODE:
        return f"expected an entity code of at most {MAX_CODE} characters, got {len(code)}"
    module = naming.module_name(code)
    if names_files and module.upper() in DEVICE_NAMES:
        return (
            f"{code!r} would name the file {module}.py, which Windows reserves for a device;"
            " expected a code other than AUX, CON, NUL, PRN, COM0 to COM9 and LPT0 to LPT9"
        )
    if names_files and module in PROJECT_FILES:
        return f"{code!r} would name the file {PROJECT_FILES[module]}, the docs' index; expected another entity code"
    return None


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    if len(word) > MAX_QUOTED:
        # No key or type is this long, and difflib's cost grows with the word.
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def validate_definition(node: Node, source: str, allow_envelope: bool = False) -> EntityDef:
    """The EntityDef a located tree describes, or InputError naming every problem found."""
    validator = _Validator(source, allow_envelope)
    try:
        entity = validator.entity(node)
    except _Invalid:
        entity = None
    if validator.diagnostics or entity is None:
        raise InputError(validator.diagnostics)
    return entity
