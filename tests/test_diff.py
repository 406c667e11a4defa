"""dfgen diff: every kind of change and its verdict, the three formats, files, folders, git and exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.config import Config, Pins
from generator.diff.changes import Change
from generator.diff.report import markdown_report
from generator.diff.sources import diff_paths
from generator.targets.markdown import unescape
from tests.helpers import ROOT, assert_golden

CASE = ROOT / "tests" / "cases" / "diff"
ALL = ("code", "readers", "writers")


def f(code: str, type_: str = "text", **keys: Any) -> dict[str, Any]:
    """One field of a definition."""
    return {"code": code, "type": type_, **keys}


def opts(*labels: str, start: int = 1) -> list[dict[str, Any]]:
    return [{"id": i, "label": label} for i, label in enumerate(labels, start)]


def entity(*fields: dict[str, Any], code: str = "T", sections: dict[str, list] | None = None, **keys: Any) -> dict:
    """A definition: the fields in one section, or {section name: fields} in one panel."""
    sections = sections if sections is not None else {"Basics": list(fields)}
    panel = {"name": "Main", "sections": [{"name": name, "fields": body} for name, body in sections.items()]}
    return {"code": code, "displayName": "Thing", "level": 100, **keys, "panels": [panel]}


def write(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def config(root: Path, pins: dict[str, Pins] | None = None) -> Config:
    return Config(root=root, definitions=root / "definitions", out=root / "generated", pins=pins or {})


def changes(tmp_path: Path, old: dict, new: dict, pins: dict[str, Pins] | None = None) -> list[Change]:
    before, after = write(tmp_path / "old.yaml", old), write(tmp_path / "new.yaml", new)
    return diff_paths(config(tmp_path, pins), before, after)


def verdicts(found: list[Change]) -> list[tuple[str | None, str, tuple[str, ...]]]:
    return [(c.field, c.kind, c.audience) for c in found]


ENUM = f("codec", "enum", options=opts("G.711", "G.729"))

KINDS = {
    "field removed": ([f("a"), f("b")], [f("a")], [("b", "field-removed", ("code", "writers"))]),
    "read-only field removed": (
        [f("a"), f("b", readOnly=True)],
        [f("a")],
        [("b", "field-removed", ("code",))],
    ),
    "optional field added": ([f("a")], [f("a"), f("b")], [("b", "field-added", ())]),
    "required field added": ([f("a")], [f("a"), f("b", required=True)], [("b", "field-added", ("writers",))]),
    "retyped": ([f("a", "number")], [f("a", "text")], [("a", "retyped", ALL)]),
    "target": (
        [f("a", "reference", target="CUSTOMER")],
        [f("a", "reference", target="ACCOUNT")],
        [("a", "target", ("readers", "writers"))],
    ),
    "made required": ([f("a")], [f("a", required=True)], [("a", "made-required", ("writers",))]),
    "made optional": ([f("a", required=True)], [f("a")], [("a", "made-optional", ())]),
    "made optional, read-only: leaves Create": (
        [f("a", required=True, readOnly=True)],
        [f("a", readOnly=True)],
        [("a", "made-optional", ("code", "writers"))],
    ),
    "made read-only": ([f("a")], [f("a", readOnly=True)], [("a", "made-read-only", ("code", "writers"))]),
    "made read-only, required: leaves Update only": (
        [f("a", required=True)],
        [f("a", required=True, readOnly=True)],
        [("a", "made-read-only", ("code", "writers"))],
    ),
    "made editable": ([f("a", readOnly=True)], [f("a")], [("a", "made-editable", ())]),
    "option added": (
        [ENUM],
        [f("codec", "enum", options=opts("G.711", "G.729", "AMR"))],
        [("codec", "option-added", ())],
    ),
    "option removed": (
        [ENUM],
        [f("codec", "enum", options=opts("G.711"))],
        [("codec", "option-removed", ("code", "writers"))],
    ),
    "option relabelled, member renamed": (
        [ENUM],
        [f("codec", "enum", options=opts("G.711 PCM", "G.729"))],
        [("codec", "option-relabelled", ("code",))],
    ),
    "option relabelled, same member": (
        [f("kind", "enum", options=opts("voice"))],
        [f("kind", "enum", options=opts("Voice"))],
        [("kind", "option-relabelled", ())],
    ),
    "a new option's label clashes: the old member gets the id": (
        [f("kind", "enum", options=opts("A", "B"))],
        [f("kind", "enum", options=opts("A", "B", "A"))],
        [("kind", "option-added", ()), ("kind", "member-renamed", ("code",))],
    ),
    "multiselect tags to options": (
        [f("tags", "multiselect")],
        [f("tags", "multiselect", options=opts("Red"))],
        [("tags", "tags-to-options", ("writers",))],
    ),
    "multiselect options to tags": (
        [f("tags", "multiselect", options=opts("Red"))],
        [f("tags", "multiselect")],
        [("tags", "options-to-tags", ("code",))],
    ),
    "min added": ([f("n", "number")], [f("n", "number", min=0)], [("n", "bounds-tightened", ("writers",))]),
    "min raised": ([f("n", "number", min=0)], [f("n", "number", min=1)], [("n", "bounds-tightened", ("writers",))]),
    "min lowered": ([f("n", "number", min=1)], [f("n", "number", min=0.5)], [("n", "bounds-loosened", ())]),
    "min removed": ([f("n", "number", min=1)], [f("n", "number")], [("n", "bounds-loosened", ())]),
    "max lowered": ([f("n", "number", max=5)], [f("n", "number", max=4)], [("n", "bounds-tightened", ("writers",))]),
    "max raised": ([f("n", "number", max=5)], [f("n", "number", max=6)], [("n", "bounds-loosened", ())]),
    "same bound, int and float": ([f("n", "number", max=5)], [f("n", "number", max=5.0)], []),
    "gauge over its default 0..100": (
        [f("g", "gauge", readOnly=True)],
        [f("g", "gauge", readOnly=True, min=10, max=150)],
        [("g", "bounds-tightened", ("writers",)), ("g", "bounds-loosened", ())],
    ),
    "label": ([f("a", label="A")], [f("a", label="Alpha")], [("a", "label", ())]),
    "label made explicit, same title": ([f("callId")], [f("callId", label="Call Id")], []),
    "notes": ([f("a", notes="x")], [f("a")], [("a", "notes", ())]),
    "multiline": ([f("a")], [f("a", multiline=True)], [("a", "multiline", ())]),
    "reordered in its section": ([f("a"), f("b"), f("c")], [f("b"), f("a"), f("c")], [("b", "moved", ())]),
    "nothing": ([f("a", required=True), ENUM], [f("a", required=True), ENUM], []),
}


@pytest.mark.parametrize("case", list(KINDS), ids=list(KINDS))
def test_each_kind_of_change_and_its_verdict(tmp_path: Path, case: str) -> None:
    old, new, expected = KINDS[case]
    found = changes(tmp_path, entity(*old), entity(*new))
    assert verdicts(found) == expected
    assert all(c.breaking == bool(c.audience) for c in found)


def test_moved_to_another_section_or_panel_breaks_nobody(tmp_path: Path) -> None:
    old = entity(sections={"One": [f("a"), f("b")], "Two": []})
    new = entity(sections={"One": [f("a")], "Two": [f("b")]})
    found = changes(tmp_path, old, new)
    assert verdicts(found) == [("b", "moved", ())]
    assert found[0].message == "field 'b' moved from 'Main' / 'One' to 'Main' / 'Two'"


def test_reorders_within_a_section_a_panel_and_the_entity_break_nobody(tmp_path: Path) -> None:
    def panel(name: str, sections: dict[str, list]) -> dict:
        return {"name": name, "sections": [{"name": s, "fields": body} for s, body in sections.items()]}

    old = entity(f("x"))
    old["panels"] = [
        panel("Main", {"One": [f("a"), f("b"), f("c"), f("d")], "Two": [f("e")]}),
        panel("More", {"Three": [f("g")]}),
    ]
    new = entity(f("x"))
    # The panels swap, the sections swap, `d` goes to the top and `new` arrives before `b`.
    new["panels"] = [
        panel("More", {"Three": [f("g")]}),
        panel("Main", {"Two": [f("e")], "One": [f("d"), f("a"), f("new"), f("b"), f("c")]}),
    ]
    found = changes(tmp_path, old, new)
    assert [(c.field, c.kind, c.audience, c.message) for c in found if c.kind == "moved"] == [
        (None, "moved", (), "panel 'More' moved; now first"),
        (None, "moved", (), "section 'Two' moved within panel 'Main'; now first"),
        ("d", "moved", (), "field 'd' moved within 'Main' / 'One'; now first"),
    ]
    # Only what moved: the field added in between leaves the order of the others as it was.
    assert verdicts(found) == [(None, "moved", ()), (None, "moved", ()), ("d", "moved", ()), ("new", "field-added", ())]
    # `b` to the end: one move, however far, named with its new neighbour.
    (moved,) = changes(tmp_path, entity(*map(f, "abcde")), entity(*map(f, "acdeb")))
    assert moved.message == "field 'b' moved within 'Main' / 'Basics'; now after 'e'"


def test_entity_level_changes(tmp_path: Path) -> None:
    old = entity(f("a"), level=100, displayName="Thing", description="one", useCases="u")
    new = entity(f("a"), level=101, displayName="Item", plural="Items!", description="two", useCases="v")
    found = changes(tmp_path, old, new)
    assert verdicts(found) == [
        (None, "level", ("writers",)),
        (None, "display-name", ()),
        (None, "plural", ()),
        (None, "description", ()),
        (None, "use-cases", ()),
    ]
    assert [c.message for c in found][:3] == [
        "level changed: 100 -> 101",
        "displayName changed: 'Thing' -> 'Item'",
        "plural changed: 'Things' -> 'Items!'",
    ]


def test_entities_added_and_removed_between_folders(tmp_path: Path) -> None:
    for side, codes in (("old", "AB"), ("new", "BC")):
        for code in codes:
            write(tmp_path / side / f"{code.lower()}.yaml", entity(f("a"), code=code))
    found = diff_paths(config(tmp_path), tmp_path / "old", tmp_path / "new")
    assert [(c.entity, c.kind, c.audience) for c in found] == [("A", "entity-removed", ALL), ("C", "entity-added", ())]
    assert found[1].message == "entity added (1 field)"


def test_relabelled_option_suggests_the_pin_and_the_pin_makes_it_safe(tmp_path: Path) -> None:
    old = entity(f("codec", "enum", options=opts("G.711", "G.729")), code="CDR")
    new = entity(f("codec", "enum", options=opts("G.711 (PCM)", "G.729")), code="CDR")
    (change,) = changes(tmp_path, old, new)
    assert change.message == (
        "field 'codec': option 1 relabelled 'G.711' -> 'G.711 (PCM)'; member Codec.G_711 becomes Codec.G_711_PCM: "
        'pin it: [tool.dfgen.pins.CDR.options.codec] "1" = "G_711"'
    )
    pinned = changes(tmp_path, old, new, {"CDR": Pins(options={"codec": {1: "G_711"}})})
    assert verdicts(pinned) == [("codec", "option-relabelled", ())]
    assert pinned[0].message.endswith("member Codec.G_711 keeps its name")


def test_no_pin_is_suggested_when_another_option_took_the_name(tmp_path: Path) -> None:
    old = entity(f("k", "enum", options=opts("A", "B")))
    new = entity(f("k", "enum", options=opts("B", "A")))
    found = changes(tmp_path, old, new)
    assert verdicts(found) == [("k", "option-relabelled", ("code",))] * 2
    assert not any("pin it" in c.message for c in found)


def test_a_likely_rename_suggests_the_pin_that_keeps_the_attribute(tmp_path: Path) -> None:
    old = entity(f("a"), f("codec", "enum", options=opts("X")), code="CDR")
    new = entity(f("a"), f("audio codec", "enum", options=opts("X")), code="CDR")
    removed, added = changes(tmp_path, old, new)
    assert (removed.kind, removed.audience, added.kind) == ("field-removed", ("code", "writers"), "field-added")
    assert removed.message == (
        "field 'codec' removed; likely renamed to 'audio codec': pin it to keep code that names it working: "
        '[tool.dfgen.pins.CDR.fields] "audio codec" = "codec"; [tool.dfgen.pins.CDR.enums] "audio codec" = "Codec"'
    )
    assert added.message == "field 'audio codec' added (enum); likely the new name of 'codec'"
    pins = {"CDR": Pins(fields={"audio codec": "codec"}, enums={"audio codec": "Codec"})}
    removed, added = changes(tmp_path, old, new, pins)
    # With the pins every generated name survives: writers still send a new API name.
    assert removed.audience == ("writers",)
    assert "pin it" not in removed.message


def test_a_field_of_another_type_or_section_is_not_a_rename(tmp_path: Path) -> None:
    old = entity(sections={"One": [f("a"), f("b", "number")], "Two": []})
    new = entity(sections={"One": [f("a"), f("c", "text")], "Two": [f("d", "number")]})
    assert not any("likely" in c.message for c in changes(tmp_path, old, new))


def test_changes_sort_by_entity_then_layout_then_kind(tmp_path: Path) -> None:
    old = entity(f("a"), f("b"), f("c", notes="x"), f("d", required=True), level=1)
    new = entity(f("z", required=True), f("a"), f("c", notes="y", label="C!"), f("d"), level=2)
    assert verdicts(changes(tmp_path, old, new)) == [
        (None, "level", ("writers",)),
        ("z", "field-added", ("writers",)),
        # A removed field sorts right after the field that preceded it.
        ("b", "field-removed", ("code", "writers")),
        ("c", "label", ()),
        ("c", "notes", ()),
        ("d", "made-optional", ()),
    ]


def test_the_report_is_the_same_under_any_hash_seed(tmp_path: Path) -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-m", "generator", "diff", "old", "new", "--format", "json"],
            cwd=CASE, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1


@pytest.mark.parametrize(
    "form,golden", [("text", "expected.txt"), ("json", "expected.json"), ("markdown", "expected.md")]
)
def test_the_three_formats_golden(form: str, golden: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "diff", "old", "new", "--format", form],
        cwd=CASE, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1 and result.stderr == ""
    assert_golden(CASE / golden, result.stdout)


def test_json_has_the_documented_shape() -> None:
    document = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))
    assert set(document) == {"changes", "breaking"} and document["breaking"] is True
    for change in document["changes"]:
        assert list(change) == ["entity", "field", "kind", "breaking", "audience", "message"]
        assert change["audience"] == sorted(change["audience"]) and change["breaking"] == bool(change["audience"])


def _cells(row: str) -> list[str]:
    """A GFM table row split at its unescaped pipes, each cell stripped."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_markdown_cells_say_exactly_what_the_json_says() -> None:
    lines = (CASE / "expected.md").read_text(encoding="utf-8").splitlines()
    rows = [_cells(line) for line in lines if line.startswith("|")][2:]
    changes = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))["changes"]
    # One line per change: no tenant line break or pipe escaped its cell.
    assert len(rows) == len(changes)
    for cells, change in zip(rows, changes, strict=False):
        assert [unescape(cell) for cell in cells[:3]] == [change["entity"], change["field"] or "", change["kind"]]
        assert cells[3] == (", ".join(f"**{a}**" for a in change["audience"]) or "nobody")
        assert unescape(cells[4]) == change["message"]
        # Tenant text cannot open a tag, a link or emphasis.
        assert not re.search(r"<(?!br>)|(?<!\\)[][*_`]", cells[4]), cells[4]


def test_markdown_without_changes() -> None:
    assert markdown_report([]) == "### dfgen diff: no changes\n\nThe definitions did not change.\n"


# -- the command line --------------------------------------------------------------------------


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user project with pyproject.toml, as the current folder."""
    (tmp_path / "pyproject.toml").write_text('[tool.dfgen]\ndefinitions = "defs"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, ["diff", *args])


def test_exit_0_when_nothing_breaks_and_1_when_something_does(project: Path) -> None:
    write(project / "a.yaml", entity(f("a")))
    write(project / "b.yaml", entity(f("a"), f("b")))
    write(project / "c.yaml", entity(f("a"), f("b", required=True)))
    same = invoke("a.yaml", "a.yaml")
    assert (same.exit_code, same.stdout) == (0, "dfgen: no changes\n")
    safe = invoke("a.yaml", "b.yaml")
    assert (safe.exit_code, safe.stdout) == (
        0,
        "T: not breaking: field 'b' added (text)\ndfgen: 1 change, 0 breaking\n",
    )
    breaking = invoke("b.yaml", "c.yaml", "--format", "json")
    assert breaking.exit_code == 1 and json.loads(breaking.stdout)["breaking"] is True


def test_bad_definitions_on_either_side_exit_2_with_file_and_line(project: Path) -> None:
    write(project / "old.yaml", entity(f("a", "txt")))
    (project / "new.yaml").write_text("code: T\nlevel: x\n", encoding="utf-8")
    result = invoke("old.yaml", "new.yaml")
    assert result.exit_code == 2 and result.stdout == ""
    assert "error: old.yaml:10:13: field 'a': unknown type 'txt'" in result.stderr
    assert "error: new.yaml:1:1: missing required definition key 'displayName'" in result.stderr
    assert "Traceback" not in result.stderr
    missing = invoke("old.yaml", "nowhere")
    assert missing.exit_code == 2 and "error: nowhere: no such file or folder" in missing.stderr


def test_usage_errors_exit_2(project: Path) -> None:
    assert invoke().exit_code == 2
    assert invoke("a", "b", "c").exit_code == 2
    assert invoke("a", "b", "--format", "html").exit_code == 2


# -- dfgen diff REV ----------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> None:
    identity = ["-c", "user.name=dfgen", "-c", "user.email=dfgen@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture()
def repository(project: Path) -> Path:
    """The project as a git repository: a first commit without definitions, a second with them."""
    git(project, "init", "-q")
    git(project, "add", "pyproject.toml")
    git(project, "commit", "-q", "-m", "start")
    write(project / "defs" / "t.yaml", entity(f("a"), f("b", "number", max=5)))
    write(project / "defs" / "nested" / "ignored.yaml", {"not": "a definition"})
    (project / "defs" / "README.txt").write_text("not a definition\n", encoding="utf-8")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "definitions")
    return project


@needs_git
def test_revision_against_the_working_tree(repository: Path) -> None:
    assert (invoke("HEAD").exit_code, invoke("HEAD").stdout) == (0, "dfgen: no changes\n")
    write(repository / "defs" / "t.yaml", entity(f("a"), f("b", "number", max=4)))
    write(repository / "defs" / "u.yaml", entity(f("a"), code="U"))
    result = invoke("HEAD", "--format", "json")
    assert result.exit_code == 1, result.stderr
    assert [(c["entity"], c["field"], c["kind"]) for c in json.loads(result.stdout)["changes"]] == [
        ("T", "b", "bounds-tightened"),
        ("U", None, "entity-added"),
    ]


@needs_git
def test_a_revision_before_the_definitions_existed_adds_every_entity(repository: Path) -> None:
    result = invoke("HEAD~1")
    assert (result.exit_code, result.stdout) == (
        0,
        "T: not breaking: entity added (2 fields)\ndfgen: 1 change, 0 breaking\n",
    )


@needs_git
def test_a_single_definition_file_configured(repository: Path) -> None:
    (repository / "pyproject.toml").write_text('[tool.dfgen]\ndefinitions = "defs/t.yaml"\n', encoding="utf-8")
    write(repository / "defs" / "t.yaml", entity(f("a")))
    result = invoke("HEAD")
    assert result.exit_code == 1 and "T: BREAKING for code, writers: field 'b' removed" in result.stdout


@needs_git
def test_bad_definitions_at_the_revision_are_named_by_revision_and_path(repository: Path) -> None:
    (repository / "defs" / "t.yaml").write_text("code: T\ndisplayName: T\nlevel: one\npanels: []\n", encoding="utf-8")
    git(repository, "commit", "-q", "-am", "broken")
    write(repository / "defs" / "t.yaml", entity(f("a")))
    result = invoke("HEAD")
    assert result.exit_code == 2
    assert result.stderr == "error: HEAD:defs/t.yaml:3:8: level: expected an integer, got 'one'\n"


@needs_git
def test_the_revision_s_side_is_built_with_the_revision_s_pins(repository: Path) -> None:
    pinned = '[tool.dfgen]\ndefinitions = "defs"\n[tool.dfgen.pins.T.options.kind]\n"1" = "SPEECH"\n'
    (repository / "pyproject.toml").write_text(pinned, encoding="utf-8")
    write(repository / "defs" / "t.yaml", entity(f("kind", "enum", options=opts("voice"))))
    git(repository, "commit", "-q", "-am", "pinned")
    assert (invoke("HEAD").exit_code, invoke("HEAD").stdout) == (0, "dfgen: no changes\n")
    # The pin goes, the definition stays: code that names Kind.SPEECH breaks.
    (repository / "pyproject.toml").write_text('[tool.dfgen]\ndefinitions = "defs"\n', encoding="utf-8")
    result = invoke("HEAD")
    assert result.exit_code == 1, result.stderr
    assert result.stdout.startswith(
        "T: BREAKING for code: field 'kind': option 1 'voice'; member Kind.SPEECH becomes Kind.VOICE: "
        'pin it: [tool.dfgen.pins.T.options.kind] "1" = "SPEECH"'
    )


@needs_git
def test_bad_pins_at_the_revision_are_named_by_revision_and_path(repository: Path) -> None:
    (repository / "pyproject.toml").write_text('[tool.dfgen]\ndefinitions = "defs"\npins = 3\n', encoding="utf-8")
    git(repository, "commit", "-q", "-am", "bad pins")
    (repository / "pyproject.toml").write_text('[tool.dfgen]\ndefinitions = "defs"\n', encoding="utf-8")
    result = invoke("HEAD")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: HEAD:pyproject.toml: [tool.dfgen.pins]: expected a table of entities\n",
    )
    (repository / "pyproject.toml").write_text("[tool.dfgen\n", encoding="utf-8")
    git(repository, "commit", "-q", "-am", "broken toml")
    (repository / "pyproject.toml").write_text('[tool.dfgen]\ndefinitions = "defs"\n', encoding="utf-8")
    result = invoke("HEAD")
    assert result.exit_code == 2 and result.stderr.startswith("error: HEAD:pyproject.toml: cannot read [tool.dfgen]: ")


@needs_git
def test_an_unknown_revision_or_an_option_is_bad_input(repository: Path) -> None:
    unknown = invoke("no-such-branch")
    assert unknown.exit_code == 2
    assert (
        unknown.stderr
        == "error: no-such-branch: no such commit in the git repository; cannot compare with this revision\n"
    )
    option = invoke("--", "--output=x")
    assert option.exit_code == 2 and option.stderr == "error: --output=x: not a git revision\n"
    assert not (repository / "x").exists()


@needs_git
def test_outside_a_git_repository_is_bad_input(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.parent))
    result = invoke("HEAD")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: HEAD: {project} is not in a git repository")
