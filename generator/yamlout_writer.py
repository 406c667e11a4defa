"""The fast YAML writer: PyYAML's emitter followed state by state, for the shapes dfgen serialises.

It writes exactly what generator.yamlout_reference (PyYAML) writes for dicts, lists, tuples,
str, int, float, bool, None and yamlout's Entries; anything else raises Unsupported and the
reference writes the document. PyYAML's event machine and its per-character scalar analysis
were most of a run: here each distinct string is analysed once, with regular expressions.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from generator.yamlout import (
    _CHUNKS,
    _YAML12_NOT_STRING,
    Chunk,
    Entries,
    _Serialised,
    _visible,
    escape_double_quoted,
)

# PyYAML 6's implicit resolvers (YAML 1.1): a plain scalar matching one of these is not a string,
# so a string that does is quoted. tests/test_yamlout.py checks this table against PyYAML's own.
_BOOL = re.compile(r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
    r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN))$"
)
_INT = re.compile(
    r"^(?:[-+]?0b[0-1_]+"
    r"|[-+]?0[0-7_]+"
    r"|[-+]?(?:0|[1-9][0-9_]*)"
    r"|[-+]?0x[0-9a-fA-F_]+"
    r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
)
_MERGE = re.compile(r"^(?:<<)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TIMESTAMP = re.compile(
    r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
    r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
    r"(?:[Tt]|[ \t]+)[0-9][0-9]?"
    r":[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"
)
_VALUE = re.compile(r"^(?:=)$")
_YAML = re.compile(r"^(?:!|&|\*)$")
_RESOLVERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _tag, _pattern, _firsts in (
    ("bool", _BOOL, "yYnNtTfFoO"),
    ("float", _FLOAT, "-+0123456789."),
    ("int", _INT, "-+0123456789"),
    ("merge", _MERGE, "<"),
    ("null", _NULL, ["~", "n", "N", ""]),
    ("timestamp", _TIMESTAMP, "0123456789"),
    ("value", _VALUE, "="),
    ("yaml", _YAML, "!&*"),
):
    for _first in _firsts:
        _RESOLVERS.setdefault(_first, []).append((f"tag:yaml.org,2002:{_tag}", _pattern))


def _implicit_tag(text: str) -> str:
    """The tag PyYAML's resolver gives a plain scalar: str unless a resolver above matches."""
    for tag, pattern in _RESOLVERS.get(text[:1], ()):
        if pattern.match(text):
            return tag
    return "tag:yaml.org,2002:str"


_BREAKS = "\n\x85\u2028\u2029"
_WHITESPACE = "\0 \t\r\n\x85\u2028\u2029"
# Characters PyYAML writes raw with allow_unicode; anything else is "special" (double quotes only).
_SPECIAL = re.compile("[^\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010fffe]|\ufeff")
_BREAK = re.compile("[\n\x85\u2028\u2029]")
_BREAK_SPACE = re.compile("[\n\x85\u2028\u2029] ")
_SPACE_BREAK = re.compile(" [\n\x85\u2028\u2029]")
_COLON_BEFORE_SPACE = re.compile("[:](?:[\0 \t\r\n\x85\u2028\u2029]|\\Z)")
_HASH_AFTER_SPACE = re.compile("[\0 \t\r\n\x85\u2028\u2029]#")


def _analyze(text: str) -> tuple[bool, bool, bool]:
    """PyYAML's Emitter.analyze_scalar, reduced to what we use: (plain, literal, multiline) allowed."""
    if not text:
        return True, False, False
    first = text[0]
    followed_by_space = len(text) == 1 or text[1] in _WHITESPACE
    block_indicators = (
        text.startswith(("---", "..."))
        or first in "#,[]{}&*!|>'\"%@`"
        or (first in "?:-" and followed_by_space)
        or _COLON_BEFORE_SPACE.search(text, 1) is not None
        or _HASH_AFTER_SPACE.search(text) is not None
    )
    line_breaks = _BREAK.search(text) is not None
    special = _SPECIAL.search(text) is not None
    space_break = _SPACE_BREAK.search(text) is not None
    break_space = _BREAK_SPACE.search(text) is not None
    leading = first == " " or first in _BREAKS
    trailing_space = text[-1] == " "
    trailing = trailing_space or text[-1] in _BREAKS
    plain = not (leading or trailing or break_space or space_break or special or line_breaks or block_indicators)
    literal = not (trailing_space or space_break or special)
    return plain, literal, line_breaks


_PLAIN, _DOUBLE, _LITERAL = "", '"', "|"
# PyYAML counts a key's tag (`!!str`) into the 128 characters a simple key may have.
_SHORT_TAG = {"str": 5, "int": 5, "bool": 6, "null": 6, "float": 7}
_SIMPLE_KEY_LIMIT = 128


class Unsupported(Exception):
    """A value the fast writer does not handle: the reference writes the document."""


@lru_cache(maxsize=65536)
def _string(text: str) -> tuple[str, str, bool]:
    """How a string is written: (style, text to write, may be a simple key)."""
    simple = 0 < len(text) and len(text) + _SHORT_TAG["str"] < _SIMPLE_KEY_LIMIT
    if not _visible(text) or _YAML12_NOT_STRING.fullmatch(text):
        return _DOUBLE, escape_double_quoted(text), simple and _BREAK.search(text) is None
    plain, literal, multiline = _analyze(text)
    simple = simple and not multiline
    if "\n" in text:
        # Our representer asks for a literal block; PyYAML grants it unless a key needs the text.
        if literal:
            return _LITERAL, text, simple
        return _DOUBLE, escape_double_quoted(text), simple
    if plain and _implicit_tag(text) == "tag:yaml.org,2002:str":
        return _PLAIN, text, simple
    return _DOUBLE, escape_double_quoted(text), simple


_INF = 1e300
while repr(_INF) != repr(_INF * _INF):
    _INF *= _INF


def _other_scalar(value: Any) -> tuple[str, str, bool]:
    """A number, boolean or None as PyYAML's SafeRepresenter writes it: always plain."""
    kind = type(value)
    if value is None:
        text, tag = "null", "null"
    elif kind is bool:
        text, tag = ("true" if value else "false"), "bool"
    elif kind is int:
        text, tag = str(value), "int"
    elif kind is float:
        if math.isnan(value):
            text = ".nan"
        elif value == _INF:
            text = ".inf"
        elif value == -_INF:
            text = "-.inf"
        else:
            text = repr(value).lower()
            if "." not in text and "e" in text:
                text = text.replace("e", ".0e", 1)
        tag = "float"
    else:
        raise Unsupported(kind.__name__)
    plain, _, multiline = _analyze(text)
    if not plain or _implicit_tag(text) != f"tag:yaml.org,2002:{tag}":
        # PyYAML would write the tag too; leave such a value to it.
        raise Unsupported(text)
    return _PLAIN, text, len(text) + _SHORT_TAG[tag] < _SIMPLE_KEY_LIMIT and not multiline


class Writer:
    """PyYAML's Emitter state (column, whitespace, indention, open_ended) and its writes, no events."""

    __slots__ = ("column", "indention", "open_ended", "parts", "whitespace")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.open_ended = False

    def document(self, data: Any) -> str:
        self.node(data, None, root=True)
        # Document end, then stream end: `...` after a root plain scalar or a `|+` block.
        self.write_indent(0)
        if self.open_ended:
            self.write_indicator("...", True)
            self.write_indent(0)
        return "".join(self.parts)

    def write_indicator(
        self, text: str, need_whitespace: bool, whitespace: bool = False, indention: bool = False
    ) -> None:
        if need_whitespace and not self.whitespace:
            text = " " + text
        self.whitespace = whitespace
        self.indention = self.indention and indention
        self.column += len(text)
        self.open_ended = False
        self.parts.append(text)

    def write_indent(self, indent: int) -> None:
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self.write_line_break()
        if self.column < indent:
            self.whitespace = True
            self.parts.append(" " * (indent - self.column))
            self.column = indent

    def write_line_break(self, data: str = "\n") -> None:
        self.whitespace = True
        self.indention = True
        self.column = 0
        self.parts.append(data)

    def node(self, value: Any, indent: int | None, root: bool = False) -> None:
        kind = type(value)
        if kind is dict:
            if not value:
                self.write_indicator("{", True, whitespace=True)
                self.write_indicator("}", False)
                return
            self.entries(value, 0 if indent is None else indent + 2)
        elif kind is list or kind is tuple:
            if not value:
                self.write_indicator("[", True, whitespace=True)
                self.write_indicator("]", False)
                return
            inner = 0 if indent is None else indent + 2
            for item in value:
                self.write_indent(inner)
                self.write_indicator("-", True, indention=True)
                self.node(item, inner)
        elif kind is Entries:
            self.merged_parts(value, indent, root)
        else:
            style, text, _ = self.scalar_form(value)
            self.scalar(style, text, indent, root)

    def entries(self, mapping: dict[Any, Any], inner: int) -> None:
        """The entries of a block mapping at indent `inner`."""
        for key, item in mapping.items():
            self.write_indent(inner)
            style, text, simple = self.scalar_form(key)
            if simple:
                self.scalar(style, text, inner, False)
                self.write_indicator(":", False)
            else:
                self.write_indicator("?", True, indention=True)
                self.scalar(style, text, inner, False)
                self.write_indent(inner)
                self.write_indicator(":", True, indention=True)
            self.node(item, inner)

    def merged_parts(self, value: Entries, indent: int | None, root: bool) -> None:
        """A mapping of parts: each chunk's text written once per content, else the merged dict."""
        store = _CHUNKS.get()
        if store is None:
            self.node(value.merged(), indent, root)
            return
        inner = 0 if indent is None else indent + 2
        resolved: list[tuple[dict[Any, Any] | Chunk, _Serialised | None]] = []
        keys: list[Any] = []
        for part in value.parts:
            if isinstance(part, Chunk):
                known = store.get(part, inner)
                resolved.append((part, known))
                keys.extend(known[1] if known is not None else part.data())
            else:
                resolved.append((part, None))
                keys.extend(part)
        if not keys or len(set(keys)) != len(keys):
            # Empty, or a key in two parts: dict.update's order and values, written as one dict.
            self.node(value.merged(), indent, root)
            return
        for part, known in resolved:
            if not isinstance(part, Chunk):
                self.entries(part, inner)
            elif not (known[1] if known is not None else part.data()):
                continue
            elif not self.breaks_before(inner):
                # A chunk's text starts with a line break: here it would not (the first key after `- `).
                self.entries(part.data(), inner)
            else:
                if known is None:
                    known = self.serialise(part.data(), inner)
                    store.put(part, inner, known)
                text, _, (self.column, self.whitespace, self.indention, self.open_ended) = known
                self.parts.append(text)

    def breaks_before(self, inner: int) -> bool:
        """write_indent(inner) starts a new line: what comes after does not depend on what came before."""
        return not self.indention or self.column > inner or (self.column == inner and not self.whitespace)

    @staticmethod
    def serialise(mapping: dict[Any, Any], inner: int) -> _Serialised:
        """Entries at `inner` written after a line that write_indent must break, and the state after."""
        writer = Writer()
        # Any state that breaks the line gives the same text: the break resets column and flags,
        # and the first entry's `:` or `?` resets open_ended.
        writer.column, writer.whitespace, writer.indention = inner + 1, False, False
        writer.entries(mapping, inner)
        state = (writer.column, writer.whitespace, writer.indention, writer.open_ended)
        return "".join(writer.parts), tuple(mapping), state

    @staticmethod
    def scalar_form(value: Any) -> tuple[str, str, bool]:
        if type(value) is str:
            return _string(value)
        return _other_scalar(value)

    def scalar(self, style: str, text: str, indent: int | None, root: bool) -> None:
        if style is _PLAIN:
            if root:
                self.open_ended = True
            if not self.whitespace:
                text = " " + text
            self.whitespace = False
            self.indention = False
            self.column += len(text)
            self.parts.append(text)
        elif style is _DOUBLE:
            self.write_indicator(text, True)
        else:
            self.write_literal(text, 2 if indent is None else indent + 2)

    def write_literal(self, text: str, indent: int) -> None:
        """Emitter.write_literal: the text's lines at `indent`, with PyYAML's block hints."""
        hints = ""
        if text[0] in " \n\x85\u2028\u2029":
            hints += "2"
        if text[-1] not in _BREAKS:
            hints += "-"
        elif len(text) == 1 or text[-2] in _BREAKS:
            hints += "+"
        self.write_indicator("|" + hints, True)
        if hints[-1:] == "+":
            self.open_ended = True
        self.write_line_break()
        breaks = True
        start = end = 0
        while end <= len(text):
            char = text[end] if end < len(text) else None
            if breaks:
                if char is None or char not in _BREAKS:
                    for br in text[start:end]:
                        self.write_line_break(br)
                    if char is not None:
                        self.write_indent(indent)
                    start = end
            elif char is None or char in _BREAKS:
                self.parts.append(text[start:end])
                if char is None:
                    self.write_line_break()
                start = end
            if char is not None:
                breaks = char in _BREAKS
            end += 1
