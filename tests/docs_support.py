"""Helpers of the docs and import-doc tests (no tests here): a hostile definition, strategies, HTML text."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from generator.definitions.format import (
    EntityDef,
    FieldDef,
    FieldType,
    OptionDef,
    PanelDef,
    SectionDef,
)
from generator.diagnostics import Location
from tests.helpers import CDR_DEFINITION, generate

# Every kind of tenant text that could break Markdown, HTML or a template, in every place a
# definition holds text; every field type required, so the create example must carry them all.
HOSTILE_YAML = r"""
code: EVIL_X
displayName: "Evil </title><script>alert('x')</script> | {{ 7*7 }} {% if 1 %} \u202Edesrever"
plural: " Evils\\ `x` "
level: -7
description: "line1\nline2 | `code` *em* _u_ [link](javascript:alert(1)) <img src=x onerror=alert(1)> www.evil.example"
useCases: "- item\n1. numbered\n# heading\n    indented\n> quote\n{% raw %}x\\\r\nCR\u2028LS\x85NEL\t<!-- c -->\n"
panels:
  - name: "P|anel {{ x }} <b>"
    sections:
      - name: "S#ection ## "
        fields:
          - code: "a|b"
            type: text
            label: "<script>alert(1)</script>"
            notes: "pipe | newline\nbackslash \\ backtick ` star * [x](javascript:alert(1)) <javascript:alert(1)> http://evil.example \r\n \u2028 \x85 end\\"
            required: true
          - code: "c`d{{e}}"
            type: enum
            required: true
            notes: ""
            options:
              - {id: 1, label: "<b>x</b> | y"}
              - {id: -2, label: "`3` fake<br>\nnext"}
              - {id: 12345678901234567890, label: "  spaced  "}
          - code: class
            type: multiselect
            label: "*star* _under_ ~~strike~~"
            required: true
            options:
              - {id: 7, label: "[a](javascript:alert(1))"}
          - code: tags
            type: multiselect
            required: true
          - code: 1st
            type: number
            required: true
            min: 0.5
            max: 1e300
          - code: score
            type: gauge
            required: true
            min: 10
          - code: ok
            type: boolean
            required: true
            notes: "see https://evil.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/end"
          - code: start
            type: datetime
            label: "nul\0 esc\e c1\x9b lro\u202D pdi\u2069 end"
            required: true
          - code: end
            type: datetime
            required: true
          - code: cdr
            type: reference
            target: CDR
            required: true
            notes: "-->"
          - code: elsewhere
            type: reference
            target: MISSING_X
            label: "javascript:alert(1)"
      - name: Empty
        fields: []
  - name: "Nothing\n<script>"
    sections: []
"""


def write_definitions(folder: Path, hostile: bool = True) -> Path:
    """definitions/ with CDR and (by default) the hostile entity, which points at CDR."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cdr.yaml").write_bytes(CDR_DEFINITION.read_bytes())
    if hostile:
        (folder / "evil.yaml").write_text(HOSTILE_YAML, encoding="utf-8")
    return folder


def generate_all(folder: Path, targets: tuple[str, ...] = ("models", "docs")) -> dict[str, str]:
    """What the pipeline generates for a definitions folder, paths shown relative to it."""
    return generate(folder, lambda p: p.relative_to(folder.parent).as_posix(), {}, targets)


def comparable(value: Any) -> Any:
    """A definition as plain data without locations or source file, floats and ints kept apart."""
    if dataclasses.is_dataclass(value):
        return {
            f.name: comparable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in ("location", "source")
        }
    if isinstance(value, tuple):
        return [comparable(item) for item in value]
    if isinstance(value, float):
        return ("float", repr(value))
    return value


class Rendered(HTMLParser):
    """The tags and text of an HTML fragment; <br> read back as \\n and <br/> as NEL."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.cells: list[list[str]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self.feed(html)
        self.close()

    def _data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "br":
            self._data("\n")
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "tr":
            self.cells.append([])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "br":
            self._data("\x85")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.cells[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self._data(data)


# Text a tenant might type, weighted towards what breaks Markdown, HTML and templates.
SPECIALS = [
    *list("|\\`*_[]{}#<>&\"'!~:@-+.=()\n\r\t\x85\u2028\u2029\u202e\u2066\x00\x9b 0123456789wW"),
    "<code>U+0000</code>",
    "{{ x }}",
    "{% if %}",
    "<script>",
    "<br>",
    "<br/>",
    "javascript:",
    "](javascript:alert(1))",
    "&amp;",
    "&#13;",
    "*(empty)*",
    "`1` ",
    "`1`&nbsp;",
    "www.",
    "-->",
    " → ",
    ", min ",
    " to ",
]
tenant_text = st.lists(st.sampled_from(SPECIALS) | st.characters(blacklist_categories=("Cs",)), max_size=12).map(
    "".join
)
visible_text = tenant_text.filter(lambda s: bool(s.strip()))
entity_codes = st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True)
bounds = st.integers(-(10**20), 10**20) | st.floats(allow_nan=False, allow_infinity=False)
AT = Location("strategy")


@st.composite
def fields(draw: st.DrawFn, index: int) -> FieldDef:
    """One field of any type; the code starts with `f<index>x_` so Python names never meet."""
    kind = draw(st.sampled_from(list(FieldType)))
    options: tuple[OptionDef, ...] = ()
    if kind in (FieldType.ENUM, FieldType.MULTISELECT):
        ids = draw(
            st.lists(
                st.integers(-(10**12), 10**12), unique=True, min_size=1 if kind is FieldType.ENUM else 0, max_size=4
            )
        )
        options = tuple(OptionDef(i, draw(visible_text), AT) for i in ids)
    low = high = None
    if kind in (FieldType.NUMBER, FieldType.GAUGE):
        low, high = draw(st.none() | bounds), draw(st.none() | bounds)
        if low is not None and high is not None and low > high:
            low, high = high, low
        if kind is FieldType.GAUGE and (low is None) != (high is None):
            # One bound of a gauge must not cross the other's default (0 to 100).
            low = None if low is None else min(low, 100)
            high = None if high is None else max(high, 0)
    return FieldDef(
        code=f"f{index}x_" + draw(tenant_text),
        type=kind,
        label=draw(st.none() | visible_text),
        required=draw(st.booleans()),
        read_only=draw(st.booleans()),
        notes=draw(st.none() | tenant_text),
        options=options,
        multiline=kind is FieldType.TEXT and draw(st.booleans()),
        target=draw(entity_codes) if kind is FieldType.REFERENCE else None,
        min=low,
        max=high,
        location=AT,
    )


@st.composite
def definitions(draw: st.DrawFn) -> EntityDef:
    """A valid definition with hostile text everywhere a definition holds text."""
    counter = iter(range(10**6))
    panels = []
    for _ in range(draw(st.integers(0, 3))):
        sections = []
        for _ in range(draw(st.integers(0, 2))):
            section_fields = tuple(draw(fields(next(counter))) for _ in range(draw(st.integers(0, 3))))
            sections.append(SectionDef(draw(visible_text), section_fields, AT))
        panels.append(PanelDef(draw(visible_text), tuple(sections), AT))
    return EntityDef(
        code=draw(entity_codes),
        display_name=draw(visible_text),
        plural=draw(st.none() | visible_text),
        level=draw(st.integers(-(10**20), 10**20)),
        description=draw(st.none() | tenant_text),
        use_cases=draw(st.none() | tenant_text),
        panels=tuple(panels),
        source="definitions/strategy.yaml",
        location=AT,
    )


def json_blocks(page: str) -> list[str]:
    """The contents of the page's ```json code blocks."""
    return [body for _, body in re.findall(r"^(`{3,})json\n(.*?)\n\1$", page, flags=re.MULTILINE | re.DOTALL)]


def field_blocks(page: str) -> dict[str, dict[str, str]]:
    """Each field of a page as Markdown: its heading's code (as written) -> anchor and its `- **Key:** value` lines."""
    blocks: dict[str, dict[str, str]] = {}
    for heading, anchor, body in re.findall(r"^##### (.+) \{#([^}]+)\}\n\n((?:- .*\n)+)", page, flags=re.MULTILINE):
        facts = dict(re.findall(r"^- \*\*([A-Za-z-]+):\*\* (.*)$", body, flags=re.MULTILINE))
        blocks[heading] = {"anchor": anchor, **facts}
    return blocks


def rendered_fields(html: str) -> dict[str, dict[str, str]]:
    """Each field of a rendered page: its heading's id -> code as shown and the text of each fact."""
    found: dict[str, dict[str, str]] = {}
    for anchor, heading, items in re.findall(r'<h5 id="([^"]*)">(.*?)</h5>\s*<ul>(.*?)</ul>', html, flags=re.DOTALL):
        # mkdocs' permalink (¶) is not the code.
        code = "".join(Rendered(re.sub(r'<a class="headerlink".*?</a>', "", heading)).text)
        facts = {
            key: "".join(Rendered(value).text)
            for key, value in re.findall(r"<li><strong>([^<]*):</strong> (.*?)</li>", items, flags=re.DOTALL)
        }
        found[anchor] = {"code": code, **facts}
    return found
