"""The generated docs folder publishes with the real `mkdocs build --strict`, hostile text inert."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.docs_support import Rendered, generate_all, rendered_fields, write_definitions
from tests.helpers import write_tree

pytestmark = pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed")


def build_site(out: Path) -> Path:
    """`mkdocs build --strict` with the mkdocs.yml dfgen wrote, as it is; the built site."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(out / "mkdocs.yml")],
        check=False,
        capture_output=True,
        text=True,
        cwd=out,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return out / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site mkdocs builds from the docs of CDR and the hostile entity."""
    root = tmp_path_factory.mktemp("site")
    files = generate_all(write_definitions(root / "definitions"), ("models", "openapi", "docs"))
    write_tree(root / "out", files)
    return build_site(root / "out")


def test_mkdocs_yml_is_ready_with_material() -> None:
    from generator.targets.docs import HOOKS, STYLESHEET

    files = generate_all(write_definitions(Path(tempfile.mkdtemp()) / "definitions", hostile=False), ("docs",))
    config = yaml.safe_load(files["mkdocs.yml"])
    assert config["theme"]["name"] == "material" and config["docs_dir"] == "docs"
    assert config["extra_css"] == [STYLESHEET] and f"docs/{STYLESHEET}" in files
    assert config["hooks"] == [HOOKS] and HOOKS in files
    assert {"attr_list", "tables", "fenced_code"} <= {
        e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]
    }


def test_a_broken_anchor_fails_the_strict_build(tmp_path: Path) -> None:
    files = generate_all(write_definitions(tmp_path / "definitions", hostile=False), ("openapi", "docs"))
    files["docs/cdr.md"] = files["docs/cdr.md"].replace("(#currency)", "(#no-such-field)")
    write_tree(tmp_path / "out", files)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(tmp_path / "out" / "mkdocs.yml")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "no-such-field" in result.stderr


def main_content(page: Path) -> str:
    """The page's article: from its first heading to the end of the Markdown content."""
    html = page.read_text(encoding="utf-8")
    start = html.index("<h1")
    return html[start : html.index("</div>", start)]


def test_every_page_is_built(site: Path) -> None:
    for name in ("index.html", "cdr/index.html", "evil_x/index.html", "openapi/cdr.yaml", "openapi/openapi.yaml"):
        assert (site / name).is_file()
    # The title, tab and nav read the entity's display name, not the file name.
    cdr = (site / "cdr" / "index.html").read_text(encoding="utf-8")
    assert "<title>CDR - DemandFlow API reference</title>" in cdr
    assert re.search(
        r'<a href="\./" class="md-nav__link md-nav__link--active">\s*<span class="md-ellipsis">\s*CDR\s*</span>', cdr
    )


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
    assert "Evil </title><script>alert('x')</script> | {{ 7*7 }} {% if 1 %} U+202Edesrever" in text
    assert "[link](javascript:alert(1)) <img src=x onerror=alert(1)>" in text
    fields = {facts["code"]: facts for facts in rendered_fields(main_content(site / "evil_x" / "index.html")).values()}
    assert fields["a|b"]["Label"] == "<script>alert(1)</script>"
    assert fields["c`d{{e}}"]["Options"].startswith("1\u00a0<b>x</b> | y · -2\u00a0`3` fake<br>\nnext")
    links = [
        attrs.get("href")
        for tag, attrs in content.tags
        if tag == "a" and "headerlink" not in (attrs.get("class") or "")
    ]
    assert links == ["../cdr/", "#cdr", "../cdr/", "#elsewhere", "../#api-overview", "../openapi/evil_x.yaml"]


def test_without_the_openapi_target_the_site_links_no_openapi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    write_definitions(tmp_path / "definitions", hostile=False)
    (tmp_path / "pyproject.toml").write_text('[tool.dfgen]\ntargets = ["docs"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["generate"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "generated"
    assert not (out / "openapi").exists() and "hooks" not in yaml.safe_load((out / "mkdocs.yml").read_text("utf-8"))
    assert "openapi/" not in (out / "docs" / "cdr.md").read_text("utf-8") + (out / "docs" / "index.md").read_text(
        "utf-8"
    )
    assert (build_site(out) / "cdr" / "index.html").is_file()
