"""Read the vendor's documentation page (like the seed) into a definition tree, by the spec's rules.

The vendor's field tables are partly shifted. The rules, as the spec states them:
- where the Required column holds text instead of `Yes`, that text is the field's note and the
  field is optional;
- a note that begins with `Read-only.` marks a read-only field;
- `Valid ids: 1 (Voice), 2 (Video)` lists an enum's options;
- text ending in a period is the label (`Calling Number (A-Number).`), other text is notes;
- `text (multi-line)` is multi-line text; `reference → CURRENCY` a reference to CURRENCY;
- a number's bounds come from its text: `(1-5)` is 1 to 5, `(%)` is 0 to 100.
"""

from __future__ import annotations

import re

from generator.definitions.format import FieldType
from generator.definitions.load import Mapping, Node
from generator.diagnostics import quoted
from generator.importdoc.page import Line, Page, split_cells

FIELD_HEADER = ["Field", "Type", "Required", "Notes"]
PROPERTIES = {"Entity code": "code", "Display name": "displayName", "Plural": "plural", "Level": "level"}
READ_ONLY = "Read-only."
_TYPE = re.compile(r"(?P<type>[a-z]+)(?P<multiline> \(multi-line\))?(?:\s*(?:→|->)\s*(?P<target>\S+))?\Z")
_VALID_IDS = re.compile(r"(?:\A|(?<=\s))Valid ids:\s*")
# `id (label)`: the label runs to the `)` that the next `, id (` or the end follows.
_OPTION = re.compile(r"\s*(-?[0-9]+)\s*\((.*?)\)(?=\s*,\s*-?[0-9]+\s*\(|\s*\Z)\s*,?")
_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"
_RANGE = re.compile(rf"\(\s*({_NUMBER})\s*[-–]\s*({_NUMBER})\s*\)")
_PERCENT = "(%)"
_SEPARATOR = re.compile(r":?-+:?\Z")
_BOILERPLATE = "definition shipped with DemandFlow"


class _Reader:
    """Finds the properties table, the use cases and the field tables by their headings."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.lines = [line for line in page.lines if line.text.strip()]

    def error(self, line: Line, message: str, field: str | None = None) -> Exception:
        return self.page.error(line.number, message, field)

    def find(self, predicate, start: int = 0) -> int | None:  # type: ignore[no-untyped-def]
        return next((i for i in range(start, len(self.lines)) if predicate(self.lines[i].text.strip())), None)

    def read(self) -> Node:
        title = self.lines[0]
        header = self.find(lambda t: split_cells(t) == ["Property", "Value"])
        if header is None:
            raise self.error(title, "no 'Entity properties' table (| Property | Value |)")
        entries: list[tuple[str, Node]] = []
        end = header + 1
        while end < len(self.lines) and self.lines[end].text.lstrip().startswith("|"):
            cells = split_cells(self.lines[end].text)
            if len(cells) == 2 and cells[0] in PROPERTIES:
                key, number = PROPERTIES[cells[0]], self.lines[end].number
                value = self.page.number(cells[1], number, "level") if key == "level" else cells[1]
                entries.append((key, self.page.scalar(value, number)))
            end += 1
        description = self.description(self.lines[1:header])
        if description is not None:
            entries.append(("description", self.page.scalar(description[1], description[0])))
        fields_at = self.find(lambda t: t == "Fields", end)
        if fields_at is None:
            raise self.error(self.lines[-1], "no 'Fields' heading: the page lists no fields")
        cases_at = self.find(lambda t: t == "Use cases", end)
        if cases_at is not None and cases_at < fields_at and fields_at > cases_at + 1:
            # Each line of the use cases keeps its line end, as a YAML block (`|`) does.
            text = "".join(line.text.strip() + "\n" for line in self.lines[cases_at + 1 : fields_at])
            entries.append(("useCases", self.page.scalar(text, self.lines[cases_at + 1].number)))
        entries.append(("panels", self.panels(fields_at + 1)))
        return self.page.mapping(entries, title.number)

    def description(self, lines: list[Line]) -> tuple[int, str] | None:
        """The lines between the title and the properties table, less the heading and boilerplate."""
        kept: list[Line] = []
        for line in lines:
            text = line.text.strip()
            if text.endswith("Entity properties"):
                text = text[: -len("Entity properties")].strip()
            if text and _BOILERPLATE not in text:
                kept.append(Line(line.number, text))
        if not kept:
            return None
        return kept[0].number, "\n".join(line.text for line in kept)

    def panels(self, start: int) -> Node:
        """`Panel: Section` headings, each followed by a field table, until a line that is neither."""
        panels: list[tuple[Line, str, list[tuple[Line, list[Node]]]]] = []
        index = start
        while index + 1 < len(self.lines) and split_cells(self.lines[index + 1].text) == FIELD_HEADER:
            heading = self.lines[index]
            panel, colon, _ = heading.text.strip().partition(": ")
            if not colon:
                raise self.error(heading, f"expected a 'Panel: Section' heading, got {quoted(heading.text.strip())}")
            if not panels or panels[-1][1] != panel:
                panels.append((heading, panel, []))
            fields: list[Node] = []
            panels[-1][2].append((heading, fields))
            index += 2
            while index < len(self.lines) and "|" in self.lines[index].text:
                cells = split_cells(self.lines[index].text)
                if not all(_SEPARATOR.match(c) for c in cells):
                    fields.append(self.field(self.lines[index], cells))
                index += 1
        if not panels:
            raise self.error(
                self.lines[start - 1], "no field table (| Field | Type | Required | Notes |) after 'Fields'"
            )
        scalar, mapping, sequence = self.page.scalar, self.page.mapping, self.page.sequence
        return sequence(
            [
                mapping(
                    [
                        ("name", scalar(name, first.number)),
                        (
                            "sections",
                            sequence(
                                [
                                    mapping(
                                        [
                                            ("name", scalar(h.text.strip().partition(": ")[2], h.number)),
                                            ("fields", sequence(fields, h.number)),
                                        ],
                                        h.number,
                                    )
                                    for h, fields in sections
                                ],
                                first.number,
                            ),
                        ),
                    ],
                    first.number,
                )
                for first, name, sections in panels
            ],
            self.lines[start - 1].number,
        )

    def field(self, line: Line, cells: list[str]) -> Mapping:
        if len(cells) < 2:
            raise self.error(
                line, f"expected a field row `code | type | required | notes`, got {quoted(line.text.strip())}"
            )
        code, type_text, rest = cells[0], cells[1], [c for c in cells[2:]]
        required = bool(rest) and rest[0] == "Yes"
        if required or (rest and not rest[0]):
            rest = rest[1:]
        notes_cells = [c for c in rest if c]
        if len(notes_cells) > 1:
            raise self.error(line, f"more than one notes cell: {quoted(notes_cells)}", code)
        kind = _TYPE.match(type_text)
        if kind is None:
            raise self.error(
                line,
                f"unknown type {quoted(type_text)} (expected such as `text`, `text (multi-line)`, `reference → CODE`)",
                code,
            )
        n, scalar = line.number, self.page.scalar
        entries: list[tuple[str, Node]] = [("code", scalar(code, n)), ("type", scalar(kind["type"], n))]
        note = notes_cells[0] if notes_cells else ""
        read_only = note.startswith(READ_ONLY)
        if read_only:
            note = note[len(READ_ONLY) :].strip()
        options_at = _VALID_IDS.search(note)
        options_text = note[options_at.end() :] if options_at else None
        note = note[: options_at.start()].strip() if options_at else note
        label, notes = (note[:-1].strip() or None, None) if note.endswith(".") else (None, note or None)
        if label is not None:
            entries.append(("label", scalar(label, n)))
        entries += [("required", scalar(required, n)), ("readOnly", scalar(read_only, n))]
        if notes is not None:
            entries.append(("notes", scalar(notes, n)))
        if options_text is not None:
            entries.append(("options", self.options(line, code, options_text)))
        if kind["multiline"]:
            entries.append(("multiline", scalar(True, n)))
        if kind["target"]:
            entries.append(("target", scalar(kind["target"], n)))
        if kind["type"] in (FieldType.NUMBER.value, FieldType.GAUGE.value):
            entries += self.bounds(line, label or notes or "")
        return self.page.mapping(entries, n)

    def options(self, line: Line, code: str, text: str) -> Node:
        items, position = [], 0
        text = text.rstrip().removesuffix(".")
        while position < len(text):
            match = _OPTION.match(text, position)
            if match is None:
                raise self.error(
                    line, f"Valid ids: expected `1 (Label), 2 (Label)`, got {quoted(text[position:])}", code
                )
            items.append(
                self.page.mapping(
                    [
                        ("id", self.page.scalar(int(match[1]), line.number)),
                        ("label", self.page.scalar(match[2], line.number)),
                    ],
                    line.number,
                )
            )
            position = match.end()
        return self.page.sequence(items, line.number)

    def bounds(self, line: Line, text: str) -> list[tuple[str, Node]]:
        if _PERCENT in text:
            low, high = "0", "100"
        elif match := _RANGE.search(text):
            low, high = match[1], match[2]
        else:
            return []
        return [
            ("min", self.page.scalar(self.page.number(low, line.number, "min"), line.number)),
            ("max", self.page.scalar(self.page.number(high, line.number, "max"), line.number)),
        ]


def read_vendor_page(page: Page) -> Node:
    """The definition tree of a vendor page; locations are the page's lines."""
    return _Reader(page).read()
