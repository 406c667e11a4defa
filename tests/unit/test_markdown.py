"""generator/targets/markdown.py: md's output shows tenant text as typed in a CommonMark renderer."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from markdown_it import MarkdownIt

from generator.targets.markdown import md, shown_as_code, unescape
from tests.docs_support import Rendered, tenant_text

# CommonMark as the spec defines it (raw HTML on, as Redoc and Swagger UI render descriptions),
# with GFM's tables, which the docs use for fields.
COMMONMARK = MarkdownIt("commonmark").enable("table")


def visible(text: str) -> str:
    """The text as a CommonMark renderer shows it: controls, separators and bidi controls as `U+XXXX`."""
    return "".join(f"U+{ord(c):04X}" if shown_as_code(c) else c for c in text)


def codes(text: str) -> list[str]:
    """The <code> elements md makes, one per character shown as its code point."""
    return ["code" for c in text if shown_as_code(c)]


def rendered(document: str) -> Rendered:
    return Rendered(COMMONMARK.render(document))


def check_shown(text: str) -> None:
    """As a paragraph, a heading and a table cell, the text renders as itself and nothing else."""
    escaped = md(text)
    breaks = ["br"] * (text.count("\n") + text.count("\x85"))
    paragraph = rendered(f"{escaped}\n")
    tags = [tag for tag, _ in paragraph.tags if tag != "code"]
    assert tags == (["p", *breaks] if escaped.strip() else []), escaped
    assert [tag for tag, _ in paragraph.tags if tag == "code"] == codes(text), escaped
    assert "".join(paragraph.text).removesuffix("\n") == visible(text), escaped
    heading = rendered(f"## {escaped}\n")
    assert [tag for tag, _ in heading.tags if tag != "code"] == ["h2", *breaks], escaped
    assert "".join(heading.text).removesuffix("\n") == visible(text), escaped
    table = rendered(f"| a | b |\n|---|---|\n| x | {escaped} |\n")
    assert [tag for tag, _ in table.tags if tag not in ("br", "code")] == [
        "table",
        "thead",
        "tr",
        "th",
        "th",
        "tbody",
        "tr",
        "td",
        "td",
    ]
    assert table.cells[1] == ["x", visible(text)], escaped


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x]: javascript:alert(1)",
        "<https://evil.example>",
        "# title",
        "* item",
        "*not emphasis* and __not strong__",
        "`not code`",
        "a | b | c",
        "one\ntwo\n\nthree",
        "SUB:<subscription id>|ENT:",
        "&amp; stays &amp;, &copy; stays &copy;",
        "back\\slash \\* \\",
        "1. first",
        "---",
        "    indented",
        "> quote",
        "![img](x.png)",
        "~~~",
        "<!-- comment -->",
    ],
)
def test_markup_shows_as_the_characters_typed(text: str) -> None:
    check_shown(text)


def test_no_link_no_html_element_and_no_formatting_survive() -> None:
    text = "[x](javascript:alert(1)) <script>s</script> <b>b</b> *e* `c` <https://x.example>"
    html = COMMONMARK.render(md(text))
    assert [tag for tag, _ in Rendered(html).tags] == ["p"]
    assert "<a" not in html and "<script" not in html and "<em" not in html and "<code" not in html


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(tenant_text.filter(lambda s: s.strip()))
@example("\x85x")
@example("a\rb")
@example(" lead and trail\t")
def test_any_text_renders_as_itself_and_reads_back(text: str) -> None:
    assert unescape(md(text)) == text
    check_shown(text)
