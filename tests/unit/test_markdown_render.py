"""The md filter: tenant text shows as exactly that text in a cell, heading or paragraph, and reads back."""

from __future__ import annotations

import re

import markdown
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.targets.markdown import code_fence, escape_each, html_comment, md, shown_as_code, unescape
from tests.docs_support import Rendered, tenant_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a | b", "a \\| b"),
        ("one\ntwo", "one<br>two"),
        ("crlf\r\nend", "crlf<code>U+000D</code><br>end"),
        ("ls\u2028ps\u2029nel\x85", "ls<code>U+2028</code>ps<code>U+2029</code>nel<br/>"),
        ("rtl \u202eoverride\u2069 \u200f", "rtl <code>U+202E</code>override<code>U+2069</code> <code>U+200F</code>"),
        ("c1\x9b csi", "c1<code>U+009B</code> csi"),
        ("typed <code>U+0000</code>", "typed &lt;code&gt;U+0000&lt;/code&gt;"),
        ("{{ 7*7 }} {% x %}", "\\{\\{ 7\\*7 \\}\\} \\{% x %\\}"),
        ("back\\slash `tick` _u_ [l](u) #h", "back\\\\slash \\`tick\\` \\_u\\_ \\[l\\](u) \\#h"),
        ("javascript:alert(1)", "javascript&#58;alert(1)"),
        ("<javascript:alert(1)>", "&lt;javascript&#58;alert(1)&gt;"),
        ("www.example.com a@b.c", "www&#46;example.com a&#64;b.c"),
        ("\"q\" 'a' & ~~s~~", "&quot;q&quot; &#x27;a&#x27; &amp; &#126;&#126;s&#126;&#126;"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("12. item", "12\\. item"),
        ("3) item", "3\\) item"),
        ("!!! note", "\\!!! note"),
        ("  padded\t", "&#32;&#32;padded<code>U+0009</code>"),
        ("a\x00b\x1bc\x7f", "a<code>U+0000</code>b<code>U+001B</code>c<code>U+007F</code>"),
        ("Analytics & Fraud Detection", "Analytics &amp; Fraud Detection"),
        ("G.711", "G.711"),
        (320, "320"),
        ("", ""),
    ],
)
def test_md_escapes(text: str | int, expected: str) -> None:
    assert md(text) == expected
    assert unescape(md(text)) == str(text)


@pytest.mark.parametrize("value", [None, 1.5, True, ["x"]])
def test_md_refuses_what_is_not_text(value: object) -> None:
    with pytest.raises(TypeError):
        md(value)


def bare(escaped: str, char: str) -> list[int]:
    """Positions of `char` that no backslash escapes."""
    positions, index = [], 0
    while index < len(escaped):
        if escaped[index] == "\\":
            index += 2
            continue
        if escaped[index] == char:
            positions.append(index)
        index += 1
    return positions


@settings(max_examples=1500, suppress_health_check=list(HealthCheck))
@given(tenant_text)
@example("\x85")
@example(" \n ")
def test_md_is_one_safe_line_that_reads_back(text: str) -> None:
    escaped = md(text)
    assert unescape(escaped) == text
    assert len(escaped.splitlines()) <= 1 and escaped == escaped.strip()
    assert not bare(escaped, "|") and not bare(escaped, "`") and not bare(escaped, "*")
    assert re.sub(r"<br/?>|<code>U\+[0-9A-F]{4,6}</code>", "", escaped).count("<") == 0
    # No control, separator or bidi control reaches the page raw: each shows as U+XXXX.
    assert not any(shown_as_code(char) for char in escaped)
    assert all(re.match(r"&(#[0-9]+|#x27|amp|lt|gt|quot);", escaped[i:]) for i in bare(escaped, "&"))


# Plain text with the odd special among it: what takes md's shortcut and what just misses it.
@settings(max_examples=1500, suppress_health_check=list(HealthCheck))
@given(tenant_text | st.text(st.sampled_from("aW w.-1 :\t")))
@example("wWw.")
@example("Ww.w.")
def test_md_shortcut_gives_what_the_character_walk_gives(text: str) -> None:
    assert md(text) == escape_each(text)


def visible(text: str) -> str:
    """The text a reader sees: controls, separators and bidi controls as U+XXXX."""
    return "".join(f"U+{ord(c):04X}" if shown_as_code(c) else c for c in text)


def shown(document: str) -> tuple[list[str], str]:
    html = markdown.markdown(document, extensions=["tables", "fenced_code", "toc"])
    rendered = Rendered(html)
    return [tag for tag, _ in rendered.tags if tag not in ("br", "code")], html


@settings(max_examples=1000, suppress_health_check=list(HealthCheck), deadline=None)
@given(tenant_text.filter(lambda s: s.strip()))
@example("- a")
@example("1. a")
@example("    code")
@example("<br>x")
@example("\x85x")
@example("`1` a<br>`2` b")
@example("## h ##")
@example("===")
@example("---")
def test_md_text_renders_as_itself_in_a_cell_a_heading_and_a_paragraph(text: str) -> None:
    escaped = md(text)
    # A table cell: still exactly two cells per row, the second holding the text.
    tags, html = shown(f"| a | b |\n|---|---|\n| x | {escaped} |\n")
    assert tags == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"], html
    assert Rendered(html).cells[1] == ["x", visible(text)], html
    # A heading and a paragraph: one element holding the text, nothing else.
    for source, tag in ((f"## {escaped}\n", "h2"), (f"para\n\n{escaped}\n", "p")):
        tags, html = shown(source)
        assert tags == ([tag] if tag == "h2" else ["p", "p"]), html
        body = html.split(f"<{tag}", 2)[-1]
        assert "".join(Rendered("<" + tag + body).text) == visible(text), html


def test_html_comment_cannot_end_the_comment() -> None:
    for text in ("-->", "--!>", "a--b", "--->", "x>y", "a\nb", "&gt;"):
        inner = html_comment(text)
        assert "--" not in inner and ">" not in inner and "\n" not in inner
    assert html_comment("definitions/cdr.yaml") == "definitions/cdr.yaml"


@pytest.mark.parametrize(("content", "fence"), [("{}", "```"), ("a ``` b", "````"), ("`````", "``````")])
def test_code_fence_is_longer_than_any_backtick_run(content: str, fence: str) -> None:
    assert code_fence(content) == fence
