"""Read a page the docs target wrote back into a definition tree, exactly (the format is ours)."""

from __future__ import annotations

import re

from generator.definitions.load import Mapping, Node
from generator.diagnostics import quoted
from generator.importdoc.page import Line, Page, split_cells
from generator.targets.markdown import unescape

EMPTY = "*(empty)*"
# A field's heading, `##### callType {#callType}`: the code as `md` wrote it, then its anchor.
_FIELD = re.compile(r"##### (?P<code>.+) \{#[^{}\s]+\}\Z")
# A field's facts, one list item each: `- **Type:** number, 1 to 5`.
_ITEM = re.compile(r"- \*\*(?P<key>[A-Za-z-]+):\*\* (?P<value>.*)\Z")
_ITEMS = ("Label", "Type", "JSON", "Required", "Read-only", "Notes", "Options")
_TYPE = re.compile(r"(?P<type>[a-z]+)(?P<multiline>, multi-line)?(?: → (?P<target>[^,]+))?(?:, (?P<range>.+))?\Z")
_LINK = re.compile(r"\[(?P<text>.*)\]\([^()]*\)\Z")
_RANGE = re.compile(r"(?:(?P<low>\S+) to (?P<high>\S+)|min (?P<min>\S+)|max (?P<max>\S+))\Z")
# Options are `id`&nbsp;label, joined by ` · `; a label's own backticks are escaped, so `id` starts one.
_OPTION = re.compile(r"(?:\A| · )`(-?[0-9]+)`&nbsp;")
_FLAGS = {"yes": True, "no": False}


def italic(cell: str) -> bool:
    """Our mark for a default value: escaped tenant text never starts with a bare `*`."""
    return len(cell) >= 2 and cell.startswith("*") and cell.endswith("*")


def text(cell: str) -> str:
    """A cell or line of tenant text, `*(empty)*` standing for the empty string."""
    return "" if cell == EMPTY else unescape(cell)


class _Reader:
    """Walks the page top to bottom: title, description, properties, use cases, fields."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.lines = page.lines
        self.index = 0

    def error(self, line: Line, message: str) -> Exception:
        return self.page.error(line.number, message)

    def headings(self) -> dict[str, list[Line]]:
        """The lines under each `## ` heading (outside code blocks), and those before any."""
        blocks: dict[str, list[Line]] = {"": []}
        current = blocks[""]
        fence: str | None = None
        lines = self.lines
        # The front matter (mkdocs' page title) repeats the display name the page states below.
        if lines and lines[0].text == "---":
            end = next((i for i, line in enumerate(lines[1:], 1) if line.text == "---"), 0)
            lines = lines[end + 1 :]
        for line in lines:
            stripped = line.text.strip()
            if fence is not None:
                if stripped == fence:
                    fence = None
                continue
            if stripped.startswith("```"):
                fence = re.match(r"`+", stripped).group(0)  # type: ignore[union-attr]
                continue
            if line.text.startswith("## "):
                current = blocks.setdefault(line.text[3:].strip(), [])
                continue
            current.append(line)
        return blocks

    def read(self) -> Node:
        blocks = self.headings()
        head = [line for line in blocks[""] if line.text.strip() and not line.text.startswith("<!--")]
        if not head or not head[0].text.startswith("# "):
            raise self.page.error(head[0].number if head else 1, "expected the page title: a line `# <display name>`")
        title = head[0]
        description = [line for line in head[1:] if not line.text.startswith(">")]
        properties = self.properties(blocks.get("Entity properties", []), title)
        entries: list[tuple[str, Node]] = [
            (key, node) for key, node in properties if key in ("code", "displayName", "plural", "level")
        ]
        if len(description) > 1:
            raise self.error(description[1], "expected the description on one line, under the title")
        if description:
            entries.append(("description", self.page.scalar(text(description[0].text.strip()), description[0].number)))
        if "Use cases" in blocks:
            paragraph = [line for line in blocks["Use cases"] if line.text.strip()]
            if len(paragraph) != 1:
                where = paragraph[1] if paragraph else title
                raise self.error(where, "expected the use cases as one paragraph line")
            entries.append(("useCases", self.page.scalar(text(paragraph[0].text.strip()), paragraph[0].number)))
        if "Fields" not in blocks:
            raise self.error(title, "no '## Fields' heading: this page lists no fields")
        entries.append(("panels", self.panels(blocks["Fields"], title)))
        return self.page.mapping(entries, title.number)

    def properties(self, lines: list[Line], title: Line) -> list[tuple[str, Node]]:
        keys = {"Entity code": "code", "Display name": "displayName", "Plural": "plural", "Level": "level"}
        found: list[tuple[str, Node]] = []
        for line in lines:
            cells = split_cells(line.text) if line.text.startswith("|") else []
            if len(cells) != 2 or cells[0] not in keys:
                continue
            key, value = keys[cells[0]], cells[1]
            if key == "level":
                found.append((key, self.page.scalar(self.page.number(value, line.number, "level"), line.number)))
            elif not (key == "plural" and italic(value)):
                found.append((key, self.page.scalar(unescape(value), line.number)))
        if not any(key == "code" for key, _ in found):
            raise self.error(title, "the 'Entity properties' table has no 'Entity code' row")
        return found

    def panels(self, lines: list[Line], title: Line) -> Node:
        panels: list[tuple[Line, list[tuple[Line, list[Node]]]]] = []
        fields: list[Node] | None = None
        field: tuple[Line, dict[str, tuple[Line, str]]] | None = None

        def close() -> None:
            nonlocal field
            if field is not None and fields is not None:
                fields.append(self.field(*field))
            field = None

        for line in lines:
            if line.text.startswith(("### ", "#### ", "##### ")):
                close()
            if line.text.startswith("### "):
                panels.append((line, []))
                fields = None
            elif line.text.startswith("#### "):
                if not panels:
                    raise self.error(line, "a section heading (####) before any panel heading (###)")
                fields = []
                panels[-1][1].append((line, fields))
            elif line.text.startswith("##### "):
                if fields is None:
                    raise self.error(
                        line, "a field heading (#####) outside a section (expected '#### <section>' first)"
                    )
                field = (line, {})
            elif item := _ITEM.match(line.text):
                if field is None:
                    raise self.error(line, "a field's line outside a field (expected '##### <code> {#<anchor>}' first)")
                key = item["key"]
                if key not in _ITEMS or key in field[1]:
                    raise self.error(line, f"expected one each of {', '.join(_ITEMS)} under a field, got {key!r}")
                field[1][key] = (line, item["value"])
        close()
        return self.page.sequence(
            [
                self.page.mapping(
                    [
                        ("name", self.page.scalar(unescape(heading.text[4:].strip()), heading.number)),
                        (
                            "sections",
                            self.page.sequence(
                                [
                                    self.page.mapping(
                                        [
                                            ("name", self.page.scalar(unescape(line.text[5:].strip()), line.number)),
                                            ("fields", self.page.sequence(fields, line.number)),
                                        ],
                                        line.number,
                                    )
                                    for line, fields in sections
                                ],
                                heading.number,
                            ),
                        ),
                    ],
                    heading.number,
                )
                for heading, sections in panels
            ],
            title.number,
        )

    def field(self, heading: Line, items: dict[str, tuple[Line, str]]) -> Mapping:
        found = _FIELD.match(heading.text)
        if found is None:
            raise self.error(heading, "expected a field heading `##### <code> {#<anchor>}`")
        for key in ("Label", "Type", "Required", "Read-only"):
            if key not in items:
                raise self.error(heading, f"field {quoted(unescape(found['code']))}: no '- **{key}:**' line")
        n = heading.number
        scalar = self.page.scalar
        type_line, type_text = items["Type"]
        kind = _TYPE.match(type_text)
        if kind is None:
            raise self.error(type_line, f"Type: expected a type such as `number, 0 to 5`, got {quoted(type_text)}")
        entries: list[tuple[str, Node]] = [
            ("code", scalar(unescape(found["code"]), n)),
            ("type", scalar(kind["type"], type_line.number)),
        ]
        label_line, label = items["Label"]
        if not italic(label):
            entries.append(("label", scalar(unescape(label), label_line.number)))
        for key, name in (("required", "Required"), ("readOnly", "Read-only")):
            line, value = items[name]
            # The Read-only line says more after its yes: set once at creation, or never sent.
            flag = re.split("[,:]", value, maxsplit=1)[0]
            if flag not in _FLAGS:
                raise self.error(line, f"{name}: expected yes or no, got {quoted(value)}")
            entries.append((key, scalar(_FLAGS[flag], line.number)))
        if "Notes" in items:
            line, notes = items["Notes"]
            entries.append(("notes", scalar(text(notes), line.number)))
        if "Options" in items:
            entries.append(("options", self.options(*items["Options"])))
        if kind["multiline"]:
            entries.append(("multiline", scalar(True, type_line.number)))
        if kind["target"]:
            link = _LINK.match(kind["target"])
            entries.append(("target", scalar(unescape(link["text"] if link else kind["target"]), type_line.number)))
        if kind["range"]:
            entries += self.bounds(type_line, kind["range"])
        return self.page.mapping(entries, n)

    def options(self, line: Line, cell: str) -> Node:
        starts = list(_OPTION.finditer(cell))
        if not starts or starts[0].start() != 0:
            raise self.error(line, f"Options: expected `id`&nbsp;label, ... separated by ' · ', got {quoted(cell)}")
        items = []
        for current, following in zip(starts, [*starts[1:], None], strict=False):
            label = cell[current.end() : following.start() if following else len(cell)]
            items.append(
                self.page.mapping(
                    [
                        ("id", self.page.scalar(int(current[1]), line.number)),
                        ("label", self.page.scalar(unescape(label), line.number)),
                    ],
                    line.number,
                )
            )
        return self.page.sequence(items, line.number)

    def bounds(self, line: Line, cell: str) -> list[tuple[str, Node]]:
        match = _RANGE.match(cell)
        if match is None:
            raise self.error(line, f"Type: expected a range `1 to 5`, `min 0` or `max 5`, got {quoted(cell)}")
        found: list[tuple[str, Node]] = []
        for key, written in (("min", match["low"] or match["min"]), ("max", match["high"] or match["max"])):
            # An italic bound is the type's default: the definition does not state it.
            if written is not None and not italic(written):
                found.append((key, self.page.scalar(self.page.number(written, line.number, key), line.number)))
        return found


def read_dfgen_page(page: Page) -> Node:
    """The definition tree of a page dfgen generated, every string unescaped as written."""
    return _Reader(page).read()
