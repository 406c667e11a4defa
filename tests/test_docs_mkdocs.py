"""The generated docs folder publishes with the real `mkdocs build --strict`, hostile text inert."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tests.test_docs_support import Rendered, generate_all, write_definitions

pytestmark = pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site mkdocs builds from the docs of CDR and the hostile entity."""
    root = tmp_path_factory.mktemp("site")
    files = generate_all(write_definitions(root / "definitions"), ("docs",))
    write_tree(root / "out", files)
    config = root / "mkdocs.yml"
    config.write_text(
        f"site_name: DemandFlow entities\ndocs_dir: {(root / 'out' / 'docs').as_posix()!r}\n"
        f"site_dir: {(root / 'site').as_posix()!r}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config)],
        check=False,
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    return root / "site"


def main_content(page: Path) -> str:
    """The page's article: from its first heading to the end of the Markdown content."""
    html = page.read_text(encoding="utf-8")
    start = html.index("<h1")
    return html[start : html.index("</div>", start)]


def test_every_page_is_built(site: Path) -> None:
    for name in ("index.html", "cdr/index.html", "evil_x/index.html"):
        assert (site / name).is_file()


def test_no_live_html_from_tenant_text(site: Path) -> None:
    for page in ("evil_x/index.html", "cdr/index.html", "index.html"):
        rendered = Rendered((site / page).read_text(encoding="utf-8"))
        for tag, attrs in rendered.tags:
            assert tag not in ("img", "b", "iframe"), (page, tag)
            assert not any(name.startswith("on") for name in attrs), (page, tag, attrs)
            for value in attrs.values():
                assert not (value or "").strip().lower().startswith("javascript"), (page, tag, attrs)
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", (site / page).read_text(encoding="utf-8"), re.DOTALL)
        assert scripts and not any("alert" in body for body in scripts)
        content = Rendered(main_content(site / page))
        assert not any(tag == "script" for tag, _ in content.tags)


def test_escaped_text_is_shown_as_typed(site: Path) -> None:
    content = Rendered(main_content(site / "evil_x" / "index.html"))
    text = "".join(content.text)
    assert "Evil <script>alert('x')</script> | {{ 7*7 }} {% if 1 %}" in text
    assert "[link](javascript:alert(1)) <img src=x onerror=alert(1)>" in text
    fields = {row[0]: row for row in content.cells if len(row) == 7}
    assert fields["a|b"][1] == "<script>alert(1)</script>"
    assert fields["c`d{{e}}"][6].startswith("1 <b>x</b> | y\n-2 `3` fake<br>\nnext")
    links = [attrs.get("href") for tag, attrs in content.tags if tag == "a"]
    assert links == ["../cdr/", "../cdr/"]
