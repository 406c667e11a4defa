"""The canonical YAML writer: deterministic block style, every string read back exactly as given.

`dump_yaml` writes, byte for byte, what generator.yamlout_reference (PyYAML's emitter with our
style rules) writes, about twenty times faster (generator.yamlout_writer); any value the fast
writer does not know goes to the reference, so the output never depends on which of the two
wrote it. `Entries` and `Chunk` let a document say which parts depend on what (an entity's
schemas), so that a chunk store can keep their text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

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
    return text.isprintable() or all(char == "\n" or char.isprintable() for char in text)


def escape_double_quoted(text: str) -> str:
    """The text as a YAML double-quoted scalar, every invisible character escaped."""
    if text.isprintable() and '"' not in text and "\\" not in text and "\xa0" not in text:
        return f'"{text}"'
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


def dump_yaml(data: Any) -> str:
    """Data (dicts, lists, strings, numbers, booleans, None) as YAML, keys in the given order."""
    from generator.yamlout_writer import Unsupported, Writer

    try:
        return Writer().document(data)
    except (Unsupported, RecursionError):
        from generator.yamlout_reference import dump_yaml_reference

        return dump_yaml_reference(data)


# --- Chunks: parts of a document serialised once per content. -----------------------------------


class Chunk:
    """Mapping entries that `build(owner)` makes; with a chunk store, written once per owner's content.

    `label` names the build function: the store keys a chunk's text by label, owner and indent.
    """

    __slots__ = ("_data", "build", "label", "owner")

    def __init__(self, label: str, owner: Any, build: Callable[[Any], dict[Any, Any]]) -> None:
        self.label = label
        self.owner = owner
        self.build = build
        self._data: dict[Any, Any] | None = None

    def data(self) -> dict[Any, Any]:
        """The entries, built once."""
        if self._data is None:
            self._data = self.build(self.owner)
        return self._data


class Entries(Mapping[Any, Any]):
    """A mapping made of parts (dicts and chunks) merged as dict.update merges them, built on demand."""

    def __init__(self, *parts: dict[Any, Any] | Chunk) -> None:
        self.parts = parts
        self._merged: dict[Any, Any] | None = None

    def merged(self) -> dict[Any, Any]:
        """The parts as one dict."""
        if self._merged is None:
            merged: dict[Any, Any] = {}
            for part in self.parts:
                merged.update(part.data() if isinstance(part, Chunk) else part)
            self._merged = merged
        return self._merged

    def __getitem__(self, key: Any) -> Any:
        return self.merged()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.merged())

    def __len__(self) -> int:
        return len(self.merged())


# A chunk's text, its keys, and the writer's state after it (column, whitespace, indention, open_ended).
_Serialised = tuple[str, tuple[Any, ...], tuple[int, bool, bool, bool]]


class ChunkStore(Protocol):
    """Where chunk texts are kept: in memory for a run, or in dfgen's cache across runs."""

    def get(self, chunk: Chunk, indent: int) -> _Serialised | None: ...

    def put(self, chunk: Chunk, indent: int, serialised: _Serialised) -> None: ...


_CHUNKS: ContextVar[ChunkStore | None] = ContextVar("dfgen_yaml_chunks", default=None)


@contextmanager
def chunk_store(store: ChunkStore | None) -> Iterator[None]:
    """Serialise chunks through `store` inside the block; without one, chunks are plain entries."""
    token = _CHUNKS.set(store)
    try:
        yield
    finally:
        _CHUNKS.reset(token)
