"""Redoc renders a hostile tenant's OpenAPI in Debian's headless Chromium: the text as typed, nothing of it live.

Redoc comes from tests/tools (npm); Chromium is Debian's package (`apt-get install chromium`, in .ci/run).
With CI set, a missing browser or Redoc fails the test; elsewhere it skips it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import generate
from tests.openapi_support import HOSTILE_ENTITY, HOSTILE_NOTES, many_entity_definitions
from tests.test_openapi_tools import NODE_TOOLS, tool

REDOC = NODE_TOOLS / "node_modules" / "redoc" / "bundles" / "redoc.standalone.js"
# Words that only the tenant's text holds: an element around one of them was made from tenant text.
MARKERS = ("click", "alert", "Heading", "bold", "star", "under", "strike", "quote", "pipe", "Title", "Kind", "three")
# Elements that Markdown or HTML in the tenant's text would make: links, headings, emphasis, code, media, scripts.
LIVE = {"a", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "del", "s", "blockquote", "pre"}
LIVE |= {"img", "script", "iframe", "code", "ol"}
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Redoc</title></head>
<body><div id="redoc"></div>
<script src="guard.js"></script>
<script src="{redoc}"></script>
<script src="spec.js"></script>
<script>
Redoc.init(window.SPEC, {{expandResponses: "all", hideDownloadButton: true, expandSingleSchemaField: true}},
  document.getElementById("redoc"), function () {{ document.body.setAttribute("data-rendered", "yes"); }});
</script></body></html>
"""


class Elements(HTMLParser):
    """Every element of a page with the text directly inside it, and every link's href."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[list[Any]] = []
        self.elements: list[tuple[str, str]] = []
        self.hrefs: list[str] = []
        self.body: dict[str, str] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "a" and "href" in values:
            self.hrefs.append(values["href"])
        if tag == "body":
            self.body = values
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.stack.append([tag, ""])
        else:
            self.elements.append((tag, values.get("src", "")))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            name, text = self.stack.pop()
            self.elements.append((name, text))
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1][1] += data
        self.text.append(data)


def render(document: dict[str, Any], folder: Path) -> Elements:
    """The DOM that Redoc builds of a document in headless Chromium, parsed."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        tool(Path("/usr/bin/chromium"))
    assert browser is not None
    redoc = tool(REDOC)
    # The spec in a script file of its own, so that the page's DOM holds only what Redoc makes of it.
    (folder / "spec.js").write_text(f"window.SPEC = {json.dumps(document, ensure_ascii=True)};", encoding="utf-8")
    # Script that tenant text ran would call alert: recorded on the page instead of a dialog that blocks it.
    guard = 'window.alert = function (m) { document.body.setAttribute("data-alert", String(m)); };'
    (folder / "guard.js").write_text(guard, encoding="utf-8")
    page = folder / "redoc.html"
    page.write_text(PAGE.format(redoc=redoc.as_uri()), encoding="utf-8")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"]
    command += ["--virtual-time-budget=30000", "--dump-dom", page.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    parsed = Elements()
    parsed.feed(result.stdout)
    assert parsed.body.get("data-rendered") == "yes", "Redoc did not finish rendering"
    return parsed


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory: pytest.TempPathFactory) -> Elements:
    root = tmp_path_factory.mktemp("redoc")
    files = generate(many_entity_definitions(root / "definitions"), lambda p: p.name, {}, ("openapi",))
    return render(yaml.safe_load(files["openapi/hostile.yaml"]), root)


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_no_javascript_link(hostile_page: Elements) -> None:
    assert hostile_page.hrefs, "Redoc renders its own links (the menu)"
    assert [href for href in hostile_page.hrefs if href.strip().lower().startswith("javascript:")] == []


def test_no_element_made_from_tenant_text(hostile_page: Elements) -> None:
    assert "data-alert" not in hostile_page.body, "tenant text ran script"
    made = [(tag, text) for tag, text in hostile_page.elements if tag in LIVE and any(m in text for m in MARKERS)]
    assert made == []
    assert ("img", "x") not in hostile_page.elements
    scripts = [text for tag, text in hostile_page.elements if tag == "script"]
    assert not any("alert" in text for text in scripts)


def test_tenant_text_shows_as_typed(hostile_page: Elements) -> None:
    shown = normalised(" ".join(hostile_page.text))
    for line in HOSTILE_NOTES.split("\n"):
        assert normalised(line) in shown, line
    fields = {f["code"]: f for f in HOSTILE_ENTITY["panels"][0]["sections"][0]["fields"]}
    for code in ("kind", "size", "owner"):
        assert fields[code]["notes"] in shown, code
    assert HOSTILE_ENTITY["displayName"] in shown
    # dfgen's own text keeps its words.
    assert "SUB:<subscription id>|ENT:" in shown
