"""The one escaping function for tenant text in Markdown (the `md` filter), and its inverse."""

from __future__ import annotations

import re

# Characters that start Markdown syntax (code, emphasis, links, headings, table cells, attribute
# lists, Jinja-reading plugins): a backslash makes them literal in CommonMark, GFM and
# Python-Markdown (mkdocs) alike. Each of these is in Python-Markdown's ESCAPED_CHARS.
_BACKSLASHED = frozenset("\\`*_{}[]#|")
# HTML specials become entities, so no tag, attribute or autolink can start.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
# Written as character references: `~` (strikethrough, code fences), `:` and `@` (GFM turns
# `scheme:` and `user@host` into links); characters Python-Markdown cannot backslash-escape.
_REFERENCED = frozenset("~:@")
# What starts a block at the start of a paragraph: a bullet or numbered-list marker (any
# Unicode digits: Python-Markdown reads `\d`), a rule (`---`), an admonition (`!!!`).
_LEADING = re.compile(r"[-+!]|\d+[.)]")

_UNESCAPE = re.compile(
    r"<br/?>|\\([!-/:-@\[-`{-~])|&(?:#([0-9]+)|#[xX]([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));"
    r"|<code>U\+([0-9A-F]{4,6})</code>"
)
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


# Any character escape_each changes wherever it stands, and `www.`: text with none of these, no
# leading marker and no blank at either end is its own Markdown.
_SPECIALS = "".join(sorted(_BACKSLASHED | set(_ENTITIES) | _REFERENCED))
_NEEDS_ESCAPING = re.compile(
    rf"[{re.escape(_SPECIALS)}\n\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[wW]{{3}}\."
)
# Bidi controls: an override (U+202E) in a display name would reverse the page's own sentence.
_SEPARATORS = frozenset("\u2028\u2029")
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def md(value: object) -> str:
    """Tenant text as Markdown that shows exactly that text on one line; newlines become <br>.

    Controls and bidi controls show as `U+202E` in <code>, so none reaches the page raw.

    Reversible by `unescape`: the result holds no raw line break, no `|`, `<` or `&` of its
    own, and no leading or trailing whitespace, so it fits a table cell, a heading or a paragraph.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"md expects text, got {type(value).__name__}")
    text = str(value)
    # Most labels and notes need nothing: skip the walk over each character.
    if not (_NEEDS_ESCAPING.search(text) or _LEADING.match(text) or text != text.strip()):
        return text
    return escape_each(text)


def escape_each(text: str) -> str:
    """What `md` writes for a text, worked out character by character."""
    lead = len(text) - len(text.lstrip())
    trail = len(text.rstrip())
    out: list[str] = []
    for index, char in enumerate(text):
        if char == "\n":
            out.append("<br>")
        elif char == "\x85":
            # NEL breaks lines in many editors; HTML cannot hold it as a reference (it maps
            # &#133; to U+2026), so it shows as the line break it means, spelt apart from \n.
            out.append("<br/>")
        elif shown_as_code(char):
            out.append(f"<code>U+{ord(char):04X}</code>")
        elif char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _BACKSLASHED:
            out.append("\\" + char)
        elif (
            char in _REFERENCED
            or index < lead
            or index >= trail
            or (char == "." and text[max(0, index - 3) : index].lower() == "www")
        ):
            # Leading and trailing blanks would be trimmed; line breaks other than \n would
            # split the source line; `www.` would become a link on GitHub.
            out.append(f"&#{ord(char)};")
        else:
            out.append(char)
    leading = _LEADING.match(text)
    if leading and text:
        # Escape the marker's last character: `\-`, `1\.` (backslash-escapable everywhere).
        end = leading.end() - 1
        out[end] = "\\" + text[end]
    return "".join(out)


def shown_as_code(char: str) -> bool:
    """Controls (CR, tab, NUL, C1 but NEL), line and paragraph separators and bidi controls: shown as U+XXXX.

    Raw, they would be invisible, break the line or reorder the text around them; as character
    references they reach the browser as themselves (and &#128;..&#159; as Windows-1252).
    """
    code = ord(char)
    return (
        (code < 0x20 and char != "\n")
        or (0x7F <= code <= 0x9F and char != "\x85")
        or char in _SEPARATORS
        or char in _BIDI
    )


def _invisible(char: str) -> bool:
    """C0 controls (CR, tab, ...), DEL and the line and paragraph separators U+2028, U+2029."""
    code = ord(char)
    return code < 0x20 or code == 0x7F or code in (0x2028, 0x2029)


def unescape(markdown: str) -> str:
    """The text `md` was given: <br>, backslash escapes, character references and U+XXXX codes undone."""

    def one(match: re.Match[str]) -> str:
        escaped, decimal, hexadecimal, name, shown = match.groups()
        if shown is not None:
            return chr(int(shown, 16))
        if escaped is not None:
            return escaped
        if decimal is not None or hexadecimal is not None:
            code = int(decimal, 10) if decimal is not None else int(hexadecimal, 16)
            return chr(code) if code <= 0x10FFFF else match.group(0)
        if name is not None:
            return _NAMED[name]
        return "\n" if match.group(0) == "<br>" else "\x85"

    return _UNESCAPE.sub(one, markdown)


def html_comment(text: str) -> str:
    """Text safe inside an HTML comment: no `--`, no `>`, no line break; `&` kept unambiguous."""
    out = []
    for index, char in enumerate(text):
        if char in "&<>":
            out.append(_ENTITIES[char])
        elif char == "-" and index and text[index - 1] == "-":
            out.append("&#45;")
        elif _invisible(char) or char == "\n":
            out.append(f"&#{ord(char)};")
        else:
            out.append(char)
    return "".join(out)


def code_fence(content: str) -> str:
    """A backtick fence longer than any backtick run in the content, so nothing closes it early."""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    return "`" * max(3, longest + 1)
