"""The run cache: it answers only for exactly the inputs it was stored under, and a bad one is ignored."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator import cache
from generator.config import Api, Pins
from generator.pipeline import Settings, Source
from tests.helpers import CDR_DEFINITION, SMALL, dfgen

CACHE_FILE = Path(".dfgen-cache") / "run.json"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project generated once, so that its cache holds the run."""
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "ticket.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.dfgen]\ntargets = ["models", "openapi"]\n', encoding="utf-8")
    result = dfgen(tmp_path, "generate")
    assert result.returncode == 0, result.stderr
    return tmp_path


def stored(project: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((project / CACHE_FILE).read_text(encoding="utf-8"))
    return data


def test_generate_stores_the_digest_of_every_file_it_wrote(project: Path) -> None:
    files = stored(project)["files"]
    assert isinstance(files, dict)
    written = {p.relative_to(project / "generated").as_posix() for p in (project / "generated").rglob("*")}
    assert set(files) == {p for p in written if (project / "generated" / p).is_file()}
    assert (project / ".dfgen-cache" / ".gitignore").read_text(encoding="utf-8") == "*\n"


def test_check_reads_the_stored_digests(project: Path) -> None:
    """A stored digest that disagrees with the disk shows up: check answered from the cache."""
    data = stored(project)
    files = data["files"]
    assert isinstance(files, dict)
    files["models/ticket.py"] = "0" * 64
    (project / CACHE_FILE).write_text(json.dumps(data), encoding="utf-8")
    result = dfgen(project, "check")
    assert result.returncode == 1
    assert "stale: generated/models/ticket.py" in result.stdout
    # --no-cache neither reads nor writes it.
    assert dfgen(project, "check", "--no-cache").returncode == 0
    assert stored(project) == data


@pytest.mark.parametrize("change", ["definition", "pins", "override", "targets"])
def test_a_changed_input_is_never_answered_by_the_old_run(project: Path, change: str) -> None:
    if change == "definition":
        path = project / "definitions" / "ticket.yaml"
        path.write_text(SMALL.replace("displayName: Ticket", "displayName: Tickets"), encoding="utf-8")
        stale = "generated/openapi/ticket.yaml"
    elif change == "pins":
        with (project / "pyproject.toml").open("a", encoding="utf-8") as stream:
            stream.write('[tool.dfgen.pins.TICKET.fields]\ntitle = "headline"\n')
        stale = "generated/models/ticket.py"
    elif change == "override":
        overrides = project / "dfgen-templates" / "openapi"
        overrides.mkdir(parents=True)
        (overrides / "document.yaml.jinja").write_text("{{ header }}\n# overridden\n", encoding="utf-8")
        text = (project / "pyproject.toml").read_text(encoding="utf-8")
        (project / "pyproject.toml").write_text(
            text.replace("[tool.dfgen]\n", '[tool.dfgen]\ntemplates = "dfgen-templates"\n'), encoding="utf-8"
        )
        stale = "generated/openapi/ticket.yaml"
    else:
        (project / "pyproject.toml").write_text('[tool.dfgen]\ntargets = ["models"]\n', encoding="utf-8")
        stale = "obsolete: generated/openapi/ticket.yaml"
    result = dfgen(project, "check")
    assert result.returncode == 1, result.stdout
    assert stale in result.stdout
    assert dfgen(project, "generate").returncode == 0
    assert dfgen(project, "check").returncode == 0
    assert dfgen(project, "check", "--no-cache").returncode == 0


@pytest.mark.parametrize(
    "damage",
    [b"", b"\xff\xfe not json", b"[]", b'{"key": 1, "files": {}}', b'{"key": "KEY", "files": {"a": 1}}'],
)
def test_a_damaged_cache_is_ignored(project: Path, damage: bytes) -> None:
    key = stored(project)["key"]
    assert isinstance(key, str)
    (project / CACHE_FILE).write_bytes(damage.replace(b"KEY", key.encode()))
    shutil.rmtree(project / "generated" / "openapi")
    result = dfgen(project, "check")
    assert result.returncode == 1
    assert "missing: generated/openapi/ticket.yaml" in result.stdout
    assert dfgen(project, "generate").returncode == 0
    assert dfgen(project, "check").returncode == 0


def test_cache_false_writes_no_cache(tmp_path: Path) -> None:
    (tmp_path / "definitions").mkdir()
    shutil.copy(CDR_DEFINITION, tmp_path / "definitions")
    (tmp_path / "pyproject.toml").write_text('[tool.dfgen]\ncache = false\ntargets = ["models"]\n', encoding="utf-8")
    assert dfgen(tmp_path, "generate").returncode == 0
    assert dfgen(tmp_path, "check").returncode == 0
    assert not (tmp_path / ".dfgen-cache").exists()


def test_the_key_covers_every_input(tmp_path: Path) -> None:
    source = Source("definitions/a.yaml", b"code: A\n")
    settings = Settings({}, ("models",))
    roots = [tmp_path]
    base = cache.run_key([source], "definitions", settings, roots)
    assert cache.run_key([source], "definitions", settings, roots) == base
    variants = [
        cache.run_key([Source("definitions/a.yaml", b"code: B\n")], "definitions", settings, roots),
        cache.run_key([Source("definitions/b.yaml", b"code: A\n")], "definitions", settings, roots),
        cache.run_key([source], "defs", settings, roots),
        cache.run_key([source], "definitions", Settings({"A": Pins(fields={"x": "y"})}, ("models",)), roots),
        cache.run_key([source], "definitions", Settings({}, ("models", "docs")), roots),
        cache.run_key([source], "definitions", Settings({}, ("models",), api=Api("/x/{code}")), roots),
    ]
    (tmp_path / "t.jinja").write_text("x", encoding="utf-8")
    variants.append(cache.run_key([source], "definitions", settings, roots))
    assert len({base, *variants}) == len(variants) + 1
