"""Every case under tests/cases through the real command line: golden models, or exact diagnostics."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import DEFINITIONS, ROOT, UPDATE_GOLDEN, assert_golden

CASES = ROOT / "tests" / "cases"
CASE_DIRS = sorted(p for p in CASES.iterdir() if (p / "definitions").is_dir())
EXIT_BAD_INPUT = 2


def must_fail(case: Path) -> bool:
    """A case fails when it has stderr.txt; a new case (DFGEN_UPDATE_GOLDEN=1) is what it does."""
    if (case / "stderr.txt").exists() or (case / "expected").exists() or not UPDATE_GOLDEN:
        return (case / "stderr.txt").exists()
    scratch = Path(tempfile.mkdtemp())
    try:
        return dfgen_generate(case, scratch).returncode != 0
    finally:
        shutil.rmtree(scratch)


# Run in a fresh interpreter with -W error: imports every generated package listed in a JSON
# file and checks that each title, description and option label comes out exactly as planted.
CHECK_SCRIPT = r"""
import importlib.util, json, sys, typing, uuid
from pathlib import Path

def enum_class(annotation, base):
    if isinstance(annotation, type) and issubclass(annotation, base):
        return annotation
    for argument in typing.get_args(annotation):
        found = enum_class(argument, base)
        if found is not None:
            return found
    return None

def annotation_of(schema, definitions, slot):
    if slot in schema or "$ref" not in schema:
        return schema.get(slot)
    # pydantic drops an override equal to the referenced schema's own value (a field titled
    # Status whose enum class is Status): the title still applies, through the $ref.
    return definitions[schema["$ref"].rsplit("/", 1)[1]].get(slot)

problems = []
for job in json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")):
    folder = Path(job["out"]) / "models"
    name = "generated_" + uuid.uuid4().hex
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    base = importlib.import_module(name + "._base").DemandFlowEnum
    for code, entity in job["entities"].items():
        where = job["out"] + " " + code
        classes = [getattr(package, code + suffix) for suffix in ("", "Create", "Update")]
        for cls in classes:
            schema = cls.model_json_schema()
            properties = schema["properties"]
            if cls is classes[0]:
                # A record's own keys, beside the entity's fields.
                for key in ("id", "entity", "level", "comboKey"):
                    if key not in entity["fields"]:
                        properties.pop(key)
            if cls is classes[0] and sorted(properties) != sorted(entity["fields"]):
                problems.append([where, "properties", sorted(properties), sorted(entity["fields"])])
            for key, property_schema in properties.items():
                expected = entity["fields"].get(key)
                if expected is None:
                    problems.append([where, cls.__name__, "unexpected property", key])
                    continue
                for slot in ("title", "description"):
                    actual = annotation_of(property_schema, schema.get("$defs", {}), slot)
                    if actual != expected[slot]:
                        problems.append([where, cls.__name__, key, slot, actual, expected[slot]])
        for field in classes[0].model_fields.values():
            options = entity["options"].get(field.validation_alias)
            if options is None:
                continue
            enum = enum_class(field.annotation, base)
            if enum is None:
                problems.append([where, field.validation_alias, "no enum class"])
                continue
            if len(enum) != len(options):
                problems.append([where, enum.__name__, "members", len(enum), len(options)])
            for option_id, label in options.items():
                member = enum(option_id)
                if member.label != label or member.value != option_id or enum(int(option_id)) is not member:
                    problems.append([where, enum.__name__, option_id, member.label, label])
print(json.dumps(problems))
"""


DEFAULT_COMMAND = "generate --definitions definitions --out {out}"


def dfgen_generate(case: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """The case's command (its `command` file, else `generate`), run from the case folder so shown paths are stable."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    written = case / "command"
    arguments = (written.read_text(encoding="utf-8") if written.is_file() else DEFAULT_COMMAND).split()
    command = [sys.executable, "-m", "generator", *(a.replace("{out}", str(out)) for a in arguments)]
    return subprocess.run(command, cwd=case, env=env, capture_output=True, encoding="utf-8", check=False)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under `folder`: files with their bytes, folders as None."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))
    }


def expectations(definitions: Path) -> dict[str, Any]:
    """What the models must say, read from the YAML independently of the generator.

    BaseLoader keeps every scalar as its text, as the generator's loader does.
    """
    entities: dict[str, Any] = {}
    for path in sorted(definitions.glob("*.yaml")):
        entities.update(expected_entities(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)))
    return entities


def expected_entities(document: dict[str, Any]) -> dict[str, Any]:
    """The titles, descriptions and option labels the models must carry, from the data itself."""
    from generator.model.naming import default_label

    fields: dict[str, dict[str, str | None]] = {}
    options: dict[str, dict[str, str]] = {}
    for panel in document["panels"]:
        for section in panel["sections"]:
            for item in section["fields"]:
                label = item.get("label")
                fields[item["code"]] = {
                    "title": label if label is not None else default_label(item["code"]),
                    "description": item.get("notes"),
                }
                if item.get("options"):
                    # Ids are text under BaseLoader and ints in Python data: "01" and 1 are id 1.
                    options[item["code"]] = {str(int(o["id"])): o["label"] for o in item["options"]}
    return {document["code"]: {"fields": fields, "options": options}}


def check_generated(jobs: list[dict[str, Any]], folder: Path) -> None:
    """Parse every generated file, then import them all in one subprocess with warnings as errors."""
    for job in jobs:
        for path in sorted((Path(job["out"]) / "models").glob("*.py")):
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    spec = folder / "check.json"
    spec.write_text(json.dumps(jobs), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", CHECK_SCRIPT, str(spec)],
        cwd=folder,
        capture_output=True,
        encoding="utf-8",
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # Planted text such as os.system('echo pwned') would print if anything ran it.
    problems = json.loads(result.stdout)
    assert problems == [], problems


@pytest.fixture(scope="session")
def previous_generation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder from an earlier good run, plus files the user keeps there."""
    out = tmp_path_factory.mktemp("previous")
    result = dfgen_generate(DEFINITIONS.parent, out)
    assert result.returncode == 0, result.stderr
    (out / "NOTES.md").write_text("the user's own file\n", encoding="utf-8")
    (out / "models" / "custom.py").write_text("# the user's own module\n", encoding="utf-8")
    return out


def compare_tree(expected: Path, actual: Path) -> None:
    """Golden comparison of a whole folder: same file names, same bytes.

    _base.py is left out: the same for every definition, generated/ already holds it.
    """
    produced = {p.name: p.read_bytes().decode("utf-8") for p in sorted(actual.iterdir()) if p.name != "_base.py"}
    if UPDATE_GOLDEN:
        shutil.rmtree(expected, ignore_errors=True)
    else:
        assert sorted(p.name for p in expected.iterdir()) == sorted(produced)
    for name, text in produced.items():
        assert_golden(expected / name, text)


@pytest.fixture(scope="session")
def kinds() -> dict[Path, bool]:
    """Each case and whether it must fail."""
    return {case: must_fail(case) for case in CASE_DIRS}


# A new case, with neither expectation yet, is in both lists until DFGEN_UPDATE_GOLDEN=1 decides.
GOOD_CASES = [p for p in CASE_DIRS if not (p / "stderr.txt").exists()]
BAD_CASES = [p for p in CASE_DIRS if not (p / "expected").exists()]


@pytest.mark.parametrize("case", GOOD_CASES, ids=[p.name for p in GOOD_CASES])
def test_case_generates_expected_models(case: Path, tmp_path: Path, kinds: dict[Path, bool]) -> None:
    if kinds[case]:
        pytest.skip("a failing case")
    result = dfgen_generate(case, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".dfgen-manifest.json", "models"]
    compare_tree(case / "expected", tmp_path / "out" / "models")


def test_good_cases_import_with_warnings_as_errors_and_keep_text_exact(tmp_path: Path, kinds: dict[Path, bool]) -> None:
    jobs = []
    for case in (case for case, fails in kinds.items() if not fails):
        out = tmp_path / case.name
        assert dfgen_generate(case, out).returncode == 0
        jobs.append({"out": str(out), "entities": expectations(case / "definitions")})
    check_generated(jobs, tmp_path)


@pytest.mark.parametrize("case", BAD_CASES, ids=[p.name for p in BAD_CASES])
def test_case_fails_with_exact_diagnostics_and_touches_nothing(
    case: Path, tmp_path: Path, previous_generation: Path, kinds: dict[Path, bool]
) -> None:
    if not kinds[case]:
        pytest.skip("a case that generates")
    out = tmp_path / "out"
    shutil.copytree(previous_generation, out)
    before = snapshot(out)
    result = dfgen_generate(case, out)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == EXIT_BAD_INPUT, result.stdout + result.stderr
    assert result.stdout == ""
    assert snapshot(out) == before
    assert_golden(case / "stderr.txt", result.stderr)
    for line in result.stderr.splitlines():
        # file:line:col: message, always a position in one of the case's definition files (shown
        # from the case folder when it has a pyproject.toml, else from tests/cases), or a pin of
        # the case's own pyproject.toml that matches nothing, at its line, named by its table and key.
        pin = (case / "pyproject.toml").is_file() and re.match(
            r"error: pyproject\.toml:[0-9]+:[0-9]+: \[tool\.dfgen\.pins\.", line
        )
        assert pin or re.match(rf"error: ({re.escape(case.name)}/)?definitions/[^:]+:[0-9]+:[0-9]+: ", line), line


@pytest.mark.parametrize("case", ["keyword-fields", "keyword-entities", "enum-labels", "hostile-text", "no-enums"])
@pytest.mark.parametrize(
    "tool",
    [
        ["ruff", "check", "--isolated", "--target-version", "py310", "--select", "E4,E7,E9,F,W,I,B,UP,RUF"],
        ["mypy", "--strict", "--no-incremental"],
    ],
)
def test_hostile_names_pass_the_linters(case: str, tool: list[str], tmp_path: Path) -> None:
    pytest.importorskip(tool[0])
    assert dfgen_generate(CASES / case, tmp_path).returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", *tool, "models"], cwd=tmp_path, capture_output=True, encoding="utf-8", check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_two_thousand_fields_and_a_note_of_200000_characters(tmp_path: Path) -> None:
    """Too big for a golden file: generated here, then parsed, imported and read back."""
    types = ["text", "number", "boolean", "datetime", "enum", "multiselect", "reference", "gauge"]
    fields: list[dict[str, Any]] = []
    for i in range(2000):
        field: dict[str, Any] = {"code": f"field{i}", "type": types[i % 8], "label": f'Field "{i}"', "notes": f"{i}\n"}
        if field["type"] in ("enum", "multiselect"):
            field["options"] = [{"id": j, "label": f"Option {j} of {i}"} for j in range(1, 4)]
        if field["type"] == "reference":
            field["target"] = "OTHER"
        fields.append(field)
    fields[0]["notes"] = "".join(chr(32 + i % 95) for i in range(200_000))
    definition = {
        "code": "BIG",
        "displayName": "Big",
        "level": 1,
        "panels": [{"name": "Main", "sections": [{"name": "Main", "fields": fields}]}],
    }
    case = tmp_path / "case"
    (case / "definitions").mkdir(parents=True)
    (case / "definitions" / "big.yaml").write_text(yaml.safe_dump(definition, sort_keys=False), encoding="utf-8")
    (case / "pyproject.toml").write_text('[tool.dfgen]\ntargets = ["models"]\n', encoding="utf-8")
    result = dfgen_generate(case, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    check_generated([{"out": str(tmp_path / "out"), "entities": expectations(case / "definitions")}], tmp_path)


def test_every_case_has_one_kind_of_expectation() -> None:
    for case in CASE_DIRS:
        kinds = [(case / "expected").is_dir(), (case / "stderr.txt").is_file()]
        assert kinds.count(True) == 1 or UPDATE_GOLDEN, f"{case.name}: expected/ or stderr.txt, not both"
