"""The cache only remembers: with it, without it, cold or warm, damaged or shared, the same bytes."""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import cache as caching
from generator.cache import Cache, Store
from generator.cache_records import Facts
from generator.config import load_config
from generator.pipeline import generate
from generator.render import builtin_templates, environment
from generator.targets import find_target, render_target
from tests.conftest import CDR_DEFINITION, ROOT
from tests.test_cli import SMALL, dfgen, snapshot

CASES = ROOT / "tests" / "cases"
ALL_TARGETS = '["models", "openapi", "docs"]'

# Entities that point at each other, at themselves, one way and at no entity: the docs' links.
LINKED = {
    "account.yaml": """\
code: ACCOUNT
displayName: Account
level: 100
panels:
  - name: Main
    sections:
      - name: Basics
        fields:
          - {code: name, type: text, required: true}
          - {code: owner, type: reference, target: CONTACT, label: Owner}
          - {code: parent, type: reference, target: ACCOUNT}
""",
    "contact.yaml": """\
code: CONTACT
displayName: Contact
level: 100
panels:
  - name: Main
    sections:
      - name: Basics
        fields:
          - {code: name, type: text, required: true}
          - {code: employer, type: reference, target: ACCOUNT}
          - {code: status, type: enum, options: [{id: 1, label: Active}, {id: 2, label: Gone}]}
""",
    "note.yaml": """\
code: NOTE
displayName: Note
description: Free text about a record.
level: 100
panels:
  - name: Main
    sections:
      - name: Basics
        fields:
          - {code: name, type: text, required: true}
          - {code: about, type: reference, target: MISSING}
""",
    "task.yaml": """\
code: TASK
displayName: Task
level: 100
panels:
  - name: Main
    sections:
      - name: Basics
        fields:
          - {code: name, type: text, required: true}
          - {code: account, type: reference, target: ACCOUNT}
""",
}


def texts(files: Mapping[str, str]) -> dict[str, str]:
    """Every text of a generated mapping, read through it as output.write reads it."""
    return {path: files[path] for path in files}


def run(project: Path, cached: bool = True) -> dict[str, str]:
    """generate() for the project's configuration, with its cache or without one."""
    config = load_config(project)
    cache = Cache(config.cache) if cached and config.cache is not None else None
    return texts(
        generate(config.definitions, config.shown, config.pins, config.targets, config.template_dirs, cache, config.api)
    )


def make_project(folder: Path, definitions: dict[str, str], extra: str = "") -> Path:
    (folder / "definitions").mkdir(parents=True)
    for name, text in definitions.items():
        (folder / "definitions" / name).write_text(text, encoding="utf-8")
    (folder / "pyproject.toml").write_text(f"[tool.dfgen]\ntargets = {ALL_TARGETS}\n{extra}", encoding="utf-8")
    return folder


@pytest.fixture()
def linked(tmp_path: Path) -> Path:
    """CDR, a small entity and three linked ones, every target."""
    definitions = {**LINKED, "ticket.yaml": SMALL, "cdr.yaml": CDR_DEFINITION.read_text(encoding="utf-8")}
    return make_project(tmp_path / "project", definitions)


def assert_cache_changes_nothing(project: Path) -> dict[str, str]:
    """Uncached, cold and warm runs give the same files; returns them."""
    expected = run(project, cached=False)
    assert run(project) == expected, "cold cache"
    assert run(project) == expected, "warm cache"
    return expected


def generating_cases() -> list[Path]:
    return [case for case in sorted(CASES.iterdir()) if (case / "expected").is_dir()]


@pytest.mark.parametrize("case", generating_cases(), ids=lambda case: case.name)
def test_every_generating_case_gives_the_same_files_with_and_without_the_cache(case: Path, tmp_path: Path) -> None:
    shutil.copytree(case / "definitions", tmp_path / "definitions")
    settings_file = case / "pyproject.toml" if (case / "pyproject.toml").is_file() else CASES / "pyproject.toml"
    text = settings_file.read_text(encoding="utf-8").replace('targets = ["models"]', f"targets = {ALL_TARGETS}")
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    files = assert_cache_changes_nothing(tmp_path)
    assert (tmp_path / ".dfgen-cache").is_dir() and any(p.startswith("docs/") for p in files)


def test_the_repository_s_definitions_give_the_committed_files_warm_and_cold(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "definitions", tmp_path / "definitions")
    (tmp_path / "pyproject.toml").write_text("[tool.dfgen]\n", encoding="utf-8")
    for _ in range(2):
        result = dfgen(tmp_path, "generate")
        assert result.returncode == 0, result.stderr
        # Headers name definitions/cdr.yaml in both places: the bytes are the committed ones.
        generated = snapshot(tmp_path / "generated")
        assert generated == snapshot(ROOT / "generated")


def test_linked_entities_with_and_without_the_cache(linked: Path) -> None:
    files = assert_cache_changes_nothing(linked)
    assert "[Contact](contact.md): [employer](contact.md#employer)" in files["docs/account.md"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edited_definition_is_generated_again(linked: Path) -> None:
    before = assert_cache_changes_nothing(linked)
    edit(linked / "definitions" / "contact.yaml", "displayName: Contact", "displayName: Person")
    after = assert_cache_changes_nothing(linked)
    # The name shows on the contact's page and on the account page that the contact points at.
    assert after["docs/contact.md"] != before["docs/contact.md"]
    assert "[Person](contact.md): [employer](contact.md#employer)" in after["docs/account.md"]
    assert after["docs/note.md"] == before["docs/note.md"]


def test_a_run_reads_the_layout_of_the_entities_it_renders_only(linked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.cache_records import StoredEntity

    assert_cache_changes_nothing(linked)
    unpickled: list[str] = []
    whole = StoredEntity._whole

    def counted(self: StoredEntity) -> object:
        if "_loaded" not in vars(self):
            unpickled.append(self.code)
        return whole(self)

    monkeypatch.setattr(StoredEntity, "_whole", counted)
    edit(linked / "definitions" / "contact.yaml", "displayName: Contact", "displayName: Person")
    after = run(linked)
    # CONTACT is built from its file; ACCOUNT's page shows the new name; the other four, and the
    # bundle, the indexes and the package, are written from their records' facts and chunks.
    assert unpickled == ["ACCOUNT"]
    assert after == run(linked, cached=False)


def test_a_new_entity_and_a_removed_one_change_the_links(linked: Path) -> None:
    assert_cache_changes_nothing(linked)
    (linked / "definitions" / "missing.yaml").write_text(SMALL.replace("TICKET", "MISSING"), encoding="utf-8")
    after = assert_cache_changes_nothing(linked)
    assert "[MISSING](missing.md)" in after["docs/note.md"]
    (linked / "definitions" / "contact.yaml").unlink()
    after = assert_cache_changes_nothing(linked)
    assert "docs/contact.md" not in after and "[Contact]" not in after["docs/account.md"]


def test_a_changed_pin_is_generated_again(linked: Path) -> None:
    assert_cache_changes_nothing(linked)
    pyproject = linked / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '[tool.dfgen.pins.CONTACT.fields]\nname = "full_name"\n')
    after = assert_cache_changes_nothing(linked)
    assert "full_name:" in after["models/contact.py"]
    edit(pyproject, '"full_name"', '"display_name"')
    after = assert_cache_changes_nothing(linked)
    assert "display_name:" in after["models/contact.py"] and "full_name" not in after["models/contact.py"]


def test_a_template_override_and_a_changed_manifest_are_rendered_again(linked: Path) -> None:
    assert_cache_changes_nothing(linked)
    edit(linked / "pyproject.toml", "[tool.dfgen]\n", '[tool.dfgen]\ntemplates = "overrides"\n')
    override = linked / "overrides" / "docs"
    override.mkdir(parents=True)
    page = (builtin_templates() / "docs" / "entity.md.jinja").read_text(encoding="utf-8")
    (override / "entity.md.jinja").write_text(page + "Overridden once.\n", encoding="utf-8")
    after = assert_cache_changes_nothing(linked)
    assert after["docs/account.md"].endswith("Overridden once.\n")
    (override / "entity.md.jinja").write_text(page + "Overridden twice.\n", encoding="utf-8")
    after = assert_cache_changes_nothing(linked)
    assert after["docs/account.md"].endswith("Overridden twice.\n")
    manifest = (builtin_templates() / "docs" / "target.toml").read_text(encoding="utf-8")
    (override / "target.toml").write_text(manifest.replace('"docs/{module}.md"', '"pages/{code}.md"'), encoding="utf-8")
    after = assert_cache_changes_nothing(linked)
    assert "pages/ACCOUNT.md" in after and "docs/account.md" not in after


def test_an_override_that_reads_other_entities_is_rendered_again_when_they_change(linked: Path) -> None:
    override = linked / "overrides" / "models"
    override.mkdir(parents=True)
    template = (builtin_templates() / "models" / "entity.py.jinja").read_text(encoding="utf-8")
    (override / "entity.py.jinja").write_text(
        template + "# {{ project.entities | map(attribute='display_name') | join(', ') }}\n", encoding="utf-8"
    )
    edit(linked / "pyproject.toml", "[tool.dfgen]\n", '[tool.dfgen]\ntemplates = "overrides"\n')
    assert_cache_changes_nothing(linked)
    edit(linked / "definitions" / "note.yaml", "displayName: Note", "displayName: Memo")
    after = assert_cache_changes_nothing(linked)
    assert "Memo" in after["models/account.py"]


def test_a_target_with_python_of_its_own_is_generated_every_time(linked: Path) -> None:
    # Its context module is code outside dfgen: no key covers it, so nothing of it is kept.
    (linked / "overrides" / "labels").mkdir(parents=True)
    (linked / "overrides" / "labels" / "target.toml").write_text(
        'context = "project_labels"\n[[files]]\ntemplate = "labels.txt.jinja"\neach = "entity"\npath = "labels/{module}.txt"\n',
        encoding="utf-8",
    )
    (linked / "overrides" / "labels" / "labels.txt.jinja").write_text("{{ label }}\n", encoding="utf-8")
    module = linked / "project_labels.py"
    source = (
        "def entity_context(project, entity):\n    return {'label': entity.display_name.%s()}\n"
        "def project_context(project, source):\n    return {}\n"
    )
    module.write_text(source % "upper", encoding="utf-8")
    edit(
        linked / "pyproject.toml", f"targets = {ALL_TARGETS}", 'templates = "overrides"\ntargets = ["labels", "models"]'
    )
    env = {**os.environ, "PYTHONPATH": str(linked)}
    for method, expected in (("upper", "ACCOUNT\n"), ("lower", "account\n"), ("title", "Account\n")):
        module.write_text(source % method, encoding="utf-8")
        for _ in range(2):
            result = subprocess.run(
                [sys.executable, "-m", "generator", "generate"],
                cwd=linked,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert (linked / "generated" / "labels" / "account.txt").read_text(encoding="utf-8") == expected


def test_another_dfgen_misses_every_entry(linked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_cache_changes_nothing(linked)
    store = Store(linked / ".dfgen-cache")
    keys = [p.name for p in (linked / ".dfgen-cache" / "records").iterdir()]
    assert all(store.load("records", key) is not None for key in keys)
    monkeypatch.setattr(caching, "code_fingerprint", lambda: "another dfgen")
    assert_cache_changes_nothing(linked)
    # The new records are under new keys; the old ones stay until they are a week old.
    assert len(list((linked / ".dfgen-cache" / "records").iterdir())) == 2 * len(keys)


def damage(path: Path, how: int) -> None:
    data = path.read_bytes()
    if how == 0:
        path.write_bytes(data[: len(data) // 2])
    elif how == 1:
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :])
    elif how == 2:
        path.write_bytes(b"not a cache file")
    else:
        path.write_bytes(b"")


@pytest.mark.parametrize("how", [0, 1, 2, 3], ids=["truncated", "one bit", "garbage", "empty"])
def test_a_damaged_cache_is_ignored(linked: Path, how: int) -> None:
    expected = assert_cache_changes_nothing(linked)
    files = [p for p in (linked / ".dfgen-cache").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert {p.parent.name for p in files} >= {"records", "runs", "texts", "jinja"}
    for path in files:
        damage(path, how)
    assert run(linked) == expected
    assert run(linked) == expected


def test_a_foreign_entry_is_ignored(linked: Path) -> None:
    expected = assert_cache_changes_nothing(linked)
    folder = linked / ".dfgen-cache"
    store = Store(folder)
    # Well-formed entries of the wrong shape, and entries moved under another entry's name.
    for kind in ("records", "runs", "texts"):
        names = sorted(p.name for p in (folder / kind).iterdir())
        for name in names:
            store.save(kind, name, {"code": 1, "files": ["x"]} if kind != "texts" else 42)
    assert run(linked) == expected
    names = sorted(p.name for p in (folder / "texts").iterdir())
    for first, second in itertools.pairwise(names):
        (folder / "texts" / first).write_bytes((folder / "texts" / second).read_bytes())
    assert run(linked) == expected


def test_a_record_of_the_right_shape_and_the_wrong_content_is_ignored(linked: Path) -> None:
    import pickle

    expected = assert_cache_changes_nothing(linked)
    folder = linked / ".dfgen-cache"
    store = Store(folder)
    shutil.rmtree(folder / "runs")
    names = sorted(p.name for p in (folder / "records").iterdir())
    for index, name in enumerate(names):
        record = store.load("records", name)
        record.update(
            definition=b"not a pickle" if index % 2 else pickle.dumps({"code": record["code"]}),
            # The pins and the heading are right: the entity is taken, and its layout, read
            # only when a target needs it, is no entity.
            entity=pickle.dumps(["not", "an", "entity"]),
            facts=None,
        )
        store.save("records", name, record)
    assert run(linked) == expected
    # Each record was read again from its file and stored whole.
    assert all(store.load("records", name)["definition"] != b"not a pickle" for name in names)
    assert all(pickle.loads(store.load("records", name)["entity"]) != ["not", "an", "entity"] for name in names)
    assert run(linked) == expected


def test_a_pruned_text_is_rendered_again(linked: Path) -> None:
    expected = assert_cache_changes_nothing(linked)
    shutil.rmtree(linked / ".dfgen-cache" / "texts")
    shutil.rmtree(linked / ".dfgen-cache" / "runs")
    assert run(linked) == expected


def test_check_finds_a_hand_edit_the_cache_does_not_know(linked: Path) -> None:
    assert dfgen(linked, "generate").returncode == 0
    # Older than the window (two seconds at most) in which a stat is not trusted: check keeps stats.
    time.sleep(2.2)
    assert dfgen(linked, "check").returncode == 0
    assert dfgen(linked, "check").returncode == 0
    target = linked / "generated" / "models" / "account.py"
    status = target.stat()
    text = target.read_text(encoding="utf-8")
    edited = text.replace('title="Parent"', 'title="Parenx"', 1)
    assert len(edited) == len(text) and edited != text
    target.write_text(edited, encoding="utf-8")
    # Same size, mtime set back: only the ctime tells.
    os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns))
    result = dfgen(linked, "check")
    assert result.returncode == 1
    assert result.stdout == "stale: generated/models/account.py\n"
    result = dfgen(linked, "generate")
    assert result.returncode == 0 and "1 changed" in result.stdout
    assert target.read_text(encoding="utf-8") == text
    assert dfgen(linked, "check").returncode == 0


def test_a_removed_or_added_file_is_found_when_the_run_is_known(linked: Path) -> None:
    assert dfgen(linked, "generate").returncode == 0
    (linked / "generated" / "docs" / "note.md").unlink()
    result = dfgen(linked, "check")
    assert result.returncode == 1 and result.stdout == "missing: generated/docs/note.md\n"
    assert dfgen(linked, "generate").returncode == 0
    expected = run(linked, cached=False)
    on_disk = snapshot(linked / "generated")
    assert {p: t.encode() for p, t in expected.items()} == {
        p: b for p, b in on_disk.items() if p != ".dfgen-manifest.json"
    }


def test_undoing_a_change_writes_the_earlier_files_from_the_cache(
    linked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert dfgen(linked, "generate").returncode == 0
    before = snapshot(linked / "generated")
    edit(linked / "definitions" / "contact.yaml", "displayName: Contact", "displayName: Person")
    assert dfgen(linked, "generate").returncode == 0
    edit(linked / "definitions" / "contact.yaml", "displayName: Person", "displayName: Contact")
    # The run is known: the pages and the fragment come from the store; the bundle and the index
    # are not stored (they can be big), so everything is generated once, through the records.
    import generator.pipeline

    calls = []
    generate_again = generator.pipeline._generate

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return generate_again(*args, **kwargs)

    monkeypatch.setattr(generator.pipeline, "_generate", counted)
    monkeypatch.chdir(linked)
    config = load_config(linked)
    files = generate(
        config.definitions,
        config.shown,
        config.pins,
        config.targets,
        config.template_dirs,
        Cache(config.cache),
        config.api,
    )
    from generator.output import write

    changes = write(config.out, files)
    assert sorted(changes.changed) == [
        "docs/account.md",
        "docs/contact.md",
        "docs/index.md",
        "openapi/contact.yaml",
        "openapi/openapi.yaml",
    ]
    assert snapshot(linked / "generated") == before
    assert len(calls) == 1


def test_concurrent_runs_share_the_cache(linked: Path) -> None:
    expected = run(linked, cached=False)
    for round_ in range(3):
        if round_:
            edit(linked / "definitions" / "note.yaml", f"Free text{'!' * (round_ - 1)}", f"Free text{'!' * round_}")
            expected = run(linked, cached=False)
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "generator", "generate", "--out", f"out{i}"],
                cwd=linked,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for i in range(3)
        ]
        for process in runs:
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr
        for i in range(3):
            on_disk = snapshot(linked / f"out{i}")
            assert {p: b.decode() for p, b in on_disk.items() if p != ".dfgen-manifest.json"} == expected
        assert run(linked) == expected


def test_no_cache_and_cache_settings(linked: Path) -> None:
    result = dfgen(linked, "generate", "--no-cache")
    assert result.returncode == 0 and not (linked / ".dfgen-cache").exists()
    assert dfgen(linked, "check", "--no-cache").returncode == 0
    edit(linked / "pyproject.toml", "[tool.dfgen]\n", '[tool.dfgen]\ncache = "build/dfgen"\n')
    assert dfgen(linked, "check").returncode == 0
    assert (linked / "build" / "dfgen" / "runs").is_dir() and not (linked / ".dfgen-cache").exists()
    edit(linked / "pyproject.toml", 'cache = "build/dfgen"', "cache = false")
    shutil.rmtree(linked / "build")
    assert dfgen(linked, "check").returncode == 0
    assert not (linked / "build").exists() and not (linked / ".dfgen-cache").exists()
    edit(linked / "pyproject.toml", "cache = false", "cache = 1")
    result = dfgen(linked, "check")
    assert result.returncode == 2
    assert result.stderr == "error: pyproject.toml: [tool.dfgen] cache: expected a folder, or false for no cache\n"


def test_bad_input_gives_the_same_diagnostics_warm_and_cold(linked: Path) -> None:
    assert dfgen(linked, "generate").returncode == 0
    (linked / "definitions" / "twin.yaml").write_text(LINKED["note.yaml"].replace("Note", "Twin"), encoding="utf-8")
    edit(linked / "definitions" / "account.yaml", "type: text, required: true", "type: txt, required: true")
    results = [dfgen(linked, "check", *flag) for flag in ((), (), ("--no-cache",))]
    assert {(r.returncode, r.stderr) for r in results} == {(2, results[2].stderr)}
    assert "error: definitions/account.yaml:9:32: field 'name': unknown type 'txt'" in results[0].stderr
    edit(linked / "definitions" / "account.yaml", "type: txt, required: true", "type: text, required: true")
    results = [dfgen(linked, "check", *flag) for flag in ((), ("--no-cache",))]
    assert results[0].stderr == results[1].stderr and "entity NOTE is also defined in" in results[0].stderr


# --- The facts a docs page reads of other entities: equal facts, equal page. --------------------------


def _project(folder: Path):  # type: ignore[no-untyped-def]
    from generator.build import build_project
    from generator.pipeline import load_definitions

    return build_project(load_definitions(folder, lambda p: p.name), {})


_MUTATIONS = [
    "display_name",
    "description",
    "plural",
    "level",
    "module",
    "field_title",
    "field_target",
    "drop_field",
    "enum_name",
]


def _mutate(project, index: int, kind: str):  # type: ignore[no-untyped-def]
    from generator.model import Project

    entities = list(project.entities)
    entity = entities[index]
    if kind == "display_name":
        entity = dataclasses.replace(entity, display_name=entity.display_name + " X")
    elif kind == "description":
        entity = dataclasses.replace(entity, description="changed")
    elif kind == "plural":
        entity = dataclasses.replace(entity, plural="Many")
    elif kind == "level":
        entity = dataclasses.replace(entity, level=entity.level + 1)
    elif kind == "module":
        entity = dataclasses.replace(entity, module=entity.module + "_m")
    elif kind == "enum_name":
        enums = tuple(dataclasses.replace(enum, name=enum.name + "Kind") for enum in entity.enums)
        entity = dataclasses.replace(entity, enums=enums)
    else:
        panel = entity.panels[0]
        section = panel.sections[0]
        fields = list(section.fields)
        position = next((i for i, f in enumerate(fields) if f.target is not None), len(fields) - 1)
        if kind == "field_title":
            fields[position] = dataclasses.replace(fields[position], title="Changed")
        elif kind == "field_target":
            fields[position] = dataclasses.replace(fields[position], target="CONTACT", type=fields[position].type)
        else:
            del fields[position]
        section = dataclasses.replace(section, fields=tuple(fields))
        entity = dataclasses.replace(entity, panels=(dataclasses.replace(panel, sections=(section,)),))
    entities[index] = entity
    return Project(tuple(entities))


def _pages(project, target_name: str):  # type: ignore[no-untyped-def]
    """Each entity's output of a built-in target, and the facts its cache key holds."""
    target = find_target(target_name, ())
    facts = Facts(project, (), builtin_templates(), "every entity")
    rendered = render_target(target, project, environment(()), "definitions")
    pattern = next(output.path for output in target.files if output.each == "entity")
    return {
        e.code: (facts.of(target, e), rendered[pattern.format(module=e.module, code=e.code)]) for e in project.entities
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, len(LINKED) - 1), st.sampled_from(_MUTATIONS))
def test_an_unchanged_facts_key_means_an_unchanged_page(
    tmp_path_factory: pytest.TempPathFactory, index: int, kind: str
) -> None:
    folder = tmp_path_factory.mktemp("linked")
    for name, text in LINKED.items():
        (folder / name).write_text(text, encoding="utf-8")
    before = _project(folder)
    after = _mutate(before, index, kind)
    for target in ("models",):
        # The package's index and base: kept while the facts of the package stay.
        old_facts, new_facts = (
            Facts(p, (), builtin_templates(), "all").of_project(find_target(target, ())) for p in (before, after)
        )
        old_files, new_files = (
            render_target(find_target(target, ()), p, environment(()), "definitions") for p in (before, after)
        )
        if old_facts == new_facts:
            assert old_files["models/__init__.py"] == new_files["models/__init__.py"], kind
            assert old_files["models/_base.py"] == new_files["models/_base.py"], kind
    for target in ("docs", "models", "openapi"):
        old, new = _pages(before, target), _pages(after, target)
        for position, entity in enumerate(before.entities):
            if position == index:
                continue  # the changed entity's own outputs are keyed by its definition
            if old[entity.code][0] == new[entity.code][0]:
                assert old[entity.code][1] == new[entity.code][1], (target, entity.code, kind)


def test_the_facts_key_sees_the_links(tmp_path: Path) -> None:
    for name, text in LINKED.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    before = _project(tmp_path)
    # CONTACT's name shows on ACCOUNT's page (CONTACT's employer points at it): ACCOUNT's key changes.
    after = _mutate(before, 1, "display_name")
    assert _pages(before, "docs")["ACCOUNT"][0] != _pages(after, "docs")["ACCOUNT"][0]
    assert _pages(before, "docs")["NOTE"][0] == _pages(after, "docs")["NOTE"][0]
    assert re.search(r"\[Contact X\]\(contact\.md\)", _pages(after, "docs")["ACCOUNT"][1])
