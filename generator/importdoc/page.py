"""A documentation page as located lines, and the table helpers both page readers share."""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence as Items
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.definitions.load import Mapping, Node, Scalar, Sequence, read_text
from generator.diagnostics import InputError, Location, quoted

_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_INTEGER = re.compile(r"-?[0-9]+\Z")


@dataclass(frozen=True)
class Line:
    """One line of the page and its 1-based number."""

    number: int
    text: str


class Page:
    """A page's lines, and located nodes for the definition read from it."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        # Lines end at \n (a stray \r from a CRLF copy is dropped): only these end a Markdown line.
        self.lines = [Line(i, t.removesuffix("\r")) for i, t in enumerate(text.split("\n"), start=1)]

    def at(self, line: int, column: int = 1) -> Location:
        return Location(self.source, line, column)

    def error(self, line: int, message: str, field: str | None = None) -> InputError:
        return InputError.at(self.at(line), message, field)

    def scalar(self, value: Any, line: int) -> Scalar:
        return Scalar(value, self.at(line))

    def mapping(self, entries: Iterable[tuple[str, Node]], line: int) -> Mapping:
        items = [(key, node.location, node) for key, node in entries]
        return Mapping(items, self.at(line), {key: node for key, _, node in items})

    def sequence(self, items: Items[Node], line: int) -> Sequence:
        return Sequence(list(items), self.at(line))

    def number(self, text: str, line: int, what: str) -> int | float:
        """A bound or level as written: `5` an int, `5.0` or `1e+20` a float."""
        if _INTEGER.match(text):
            return int(text)
        if _NUMBER.match(text):
            return float(text)
        raise self.error(line, f"{what}: expected a number, got {quoted(text)}")


def read_page(path: Path, shown: str) -> str:
    """The page's text, refusing what is not UTF-8 text."""
    return read_text(path, shown, "a documentation page")


def split_cells(row: str) -> list[str]:
    """The cells of a table row, split at `|` that no backslash escapes; edge pipes dropped."""
    cells: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(row):
        char = row[index]
        if char == "\\" and index + 1 < len(row):
            current.append(row[index : index + 2])
            index += 2
            continue
        if char == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    # Text after the last pipe is a cell unless it is blank (the row's closing pipe).
    if "".join(current).strip() or not cells:
        cells.append("".join(current))
    if cells and row.lstrip().startswith("|"):
        cells = cells[1:]
    return [cell.strip() for cell in cells]


def page_kind(page: Page) -> str:
    """`dfgen` for a page dfgen wrote, `vendor` for one like the vendor's; else InputError."""
    texts = [line.text.strip() for line in page.lines]
    if "## Entity properties" in texts:
        return "dfgen"
    if any(text.endswith("Entity properties") for text in texts) and any(
        split_cells(text) == ["Property", "Value"] for text in texts
    ):
        return "vendor"
    first = next((line.number for line in page.lines if line.text.strip()), 1)
    raise page.error(
        first,
        "not a definition page: no 'Entity properties' table (expected an entity page of the vendor's "
        "documentation, or one that `dfgen generate` wrote in docs/)",
    )
