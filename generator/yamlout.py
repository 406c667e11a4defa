"""The canonical YAML writer: deterministic block style, every string read back exactly as given."""

from __future__ import annotations

import re
from typing import Any

import yaml

# Plain scalars that a YAML 1.2 reader (core schema) takes for a number, boolean or null, though
# PyYAML (YAML 1.1) reads them as strings: `1e5`, `0o17`, `.NaN`. They are quoted, so that every
# reader of the output sees a string.
_YAML12_NOT_STRING = re.compile(
    r"null|Null|NULL|~|true|True|TRUE|false|False|FALSE"
    r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)

# YAML's own escapes, where they are clearer than a code point.
_ESCAPES = {
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    '"': '\\"',
    "\\": "\\\\",
    "\x85": "\\N",
    "\xa0": "\\_",
    "\u2028": "\\L",
    "\u2029": "\\P",
}

# Long strings stay on one line: folding them is where YAML writers go wrong.
_NO_FOLDING = 2**31 - 1


def _visible(text: str) -> bool:
    """Only printable characters and line feeds: safe outside double quotes.

    Python's printable excludes every control, format and separator character (tab, CR, NUL,
    NEL, U+2028, U+2029, the BOM, NBSP) and lone surrogates. PyYAML would write some of these
    raw in plain or block scalars, where its reader folds them into line breaks.
    """
    return all(char == "\n" or char.isprintable() for char in text)


def escape_double_quoted(text: str) -> str:
    """The text as a YAML double-quoted scalar, every invisible character escaped."""
    parts = ['"']
    for char in text:
        if char in _ESCAPES:
            parts.append(_ESCAPES[char])
        elif char.isprintable():
            parts.append(char)
        elif ord(char) <= 0xFF:
            parts.append(f"\\x{ord(char):02X}")
        elif ord(char) <= 0xFFFF:
            parts.append(f"\\u{ord(char):04X}")
        else:
            parts.append(f"\\U{ord(char):08X}")
    parts.append('"')
    return "".join(parts)


class _Dumper(yaml.SafeDumper):
    """SafeDumper with indented lists, no anchors, and one double-quoted style of our own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def choose_scalar_style(self) -> str:
        style: str = super().choose_scalar_style()
        # One quoting style throughout: single quotes become double quotes.
        return '"' if style == "'" else style

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        # Never split across lines, and escape what PyYAML would leave raw (U+2028, NBSP, ...).
        self.write_indicator(escape_double_quoted(text), True)


def _represent_str(dumper: _Dumper, data: str) -> yaml.ScalarNode:
    style: str | None = None
    if not _visible(data) or _YAML12_NOT_STRING.fullmatch(data):
        style = '"'
    elif "\n" in data:
        # A literal block when PyYAML can keep the text exactly in one, else double quotes.
        style = "|"
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(tuple, yaml.SafeDumper.represent_list)


def dump_yaml(data: Any) -> str:
    """Data (dicts, lists, strings, numbers, booleans, None) as YAML, keys in the given order."""
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=_NO_FOLDING,
        line_break="\n",
    )
    return text
