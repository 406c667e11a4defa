"""dfgen schema: the DEFINITION format as JSON Schema, and its agreement with dfgen's own validator."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator

from generator.definitions.format import FieldType
from generator.definitions.load import parse_yaml
from generator.definitions.schema import API_ID, FILE_ID, definition_schema, schema_text
from generator.definitions.validate import (
    ENTITY_KEYS,
    FIELD_KEYS,
    OPTION_KEYS,
    PANEL_KEYS,
    SECTION_KEYS,
    validate_definition,
)
from generator.diagnostics import InputError
from tests.helpers import CDR_DEFINITION, ROOT, assert_golden
from tests.schema_support import verdicts

GOLDEN = ROOT / "tests" / "golden" / "schema"
DOC = ROOT / "docs" / "definition-format.md"


def dfgen(cwd: Path, *args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


# -- the schema as data and as a command ------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "golden"), [((), "definition.schema.json"), (("--api",), "definition-api.schema.json")]
)
def test_dfgen_schema_prints_the_golden_schema_under_any_hash_seed(flags: tuple[str, ...], golden: str) -> None:
    first, second = dfgen(ROOT, "schema", *flags, seed="0"), dfgen(ROOT, "schema", *flags, seed="1")
    assert first.returncode == 0 and first.stderr == "", first.stderr
    assert first.stdout == second.stdout
    assert_golden(GOLDEN / golden, first.stdout)


def test_output_option_writes_the_same_bytes_and_a_refused_write_is_one_line(tmp_path: Path) -> None:
    result = dfgen(tmp_path, "schema", "-o", "schemas/definition.schema.json")
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    assert (tmp_path / "schemas" / "definition.schema.json").read_text(encoding="utf-8") == schema_text()
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    refused = dfgen(tmp_path, "schema", "-o", "a-file/definition.schema.json")
    assert refused.returncode not in (0, 1, 2) and refused.stdout == ""
    assert refused.stderr.startswith("error: a-file/definition.schema.json: cannot write file: ")
    assert refused.stderr.count("\n") == 1 and (tmp_path / "a-file").read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize("api", [False, True])
def test_the_schema_is_2020_12_and_describes_every_property(api: bool) -> None:
    schema = definition_schema(api)
    Draft202012Validator.check_schema(schema)
    Draft7Validator.check_schema(schema)  # what the YAML language server checks it against
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == (API_ID if api else FILE_ID) and schema["$id"].startswith("urn:dfgen:")
    objects = {
        "definition": schema,
        **{name: schema["$defs"][name] for name in ("panel", "section", "field", "option")},
    }
    keys = {"definition": ENTITY_KEYS, "panel": PANEL_KEYS, "section": SECTION_KEYS, "field": FIELD_KEYS}
    for name, node in objects.items():
        assert node["title"], name
        known = [key for key in node["properties"] if not (api and name == "definition" and key in ("entity", "id"))]
        assert tuple(known) == keys.get(name, OPTION_KEYS), name
    found = list(_properties(schema))
    assert len(found) == (35 if api else 33)  # the keys above, the envelope's, and those the type rules narrow
    for where, prop in found:
        assert len(prop.get("description", "")) > 20, where


def _properties(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property schema anywhere in a schema (conditions of `if` aside), with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties":
                for name, prop in value.items():
                    yield f"{where}/properties/{name}", prop
            if key != "if":
                yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _properties(item, f"{where}/{index}")


def test_the_real_definition_is_valid_to_both() -> None:
    text = CDR_DEFINITION.read_text(encoding="utf-8")
    assert verdicts(text) == ([], [])
    assert verdicts(json.loads(json.dumps(yaml.safe_load(text)))) == ([], [])


# -- the documentation --------------------------------------------------------------------------------

FIELDS_ONLY = "code: TICKET\ndisplayName: Ticket\nlevel: 1\npanels: [{name: P, sections: [{name: S, fields: []}]}]\n"


def doc_blocks() -> list[tuple[str, str]]:
    """The fenced blocks of docs/definition-format.md, as (language, text)."""
    return re.findall(r"^```(\w+)\n(.*?)^```$", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)


def dfgen_errors(text: str, shown: str) -> str:
    """What dfgen prints for a definition file, as the command line does."""
    try:
        validate_definition(parse_yaml(text, shown), shown)
    except InputError as error:
        return "".join(f"error: {diagnostic}\n" for diagnostic in error.diagnostics)
    return ""


def test_every_example_in_the_doc_is_what_dfgen_and_the_schema_say() -> None:
    blocks = doc_blocks()
    checked = {"valid": 0, "invalid": 0}
    for index, (language, text) in enumerate(blocks):
        if language != "yaml":
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else ("", "")
        if following[0] == "text":  # a bad example, then what dfgen prints for it
            assert dfgen_errors(text, "definitions/ticket.yaml") == following[1]
            assert verdicts(text)[0], "the schema accepts the doc's bad example"
            checked["invalid"] += 1
            continue
        if text.startswith("- "):  # fields alone: put them in a section
            fields = yaml.safe_load(text)
            text = FIELDS_ONLY.replace("fields: []", f"fields: {json.dumps(fields)}")
        assert verdicts(text) == ([], []), text
        checked["valid"] += 1
    assert checked == {"valid": 2, "invalid": 1}


def test_the_doc_lists_every_key_and_type_and_the_readme_points_to_it() -> None:
    doc = DOC.read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(\w+)`(?:, `(\w+)`)? \|", doc, flags=re.M))
    documented = {name for row in rows for name in row if name}
    assert set(ENTITY_KEYS) | set(FIELD_KEYS) | {t.value for t in FieldType} <= documented
    assert all(f"`{key}`" in doc for key in (*PANEL_KEYS, *SECTION_KEYS, *OPTION_KEYS))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/definition-format.md" in readme and "dfgen schema" in readme
    assert "spec section" not in readme


def test_check_jsonschema_validates_definition_files_with_the_printed_schema(tmp_path: Path) -> None:
    """What a CI step or pre-commit hook would run: the CDR passes, the doc's bad example fails by name."""
    assert dfgen(tmp_path, "schema", "-o", "definition.schema.json").returncode == 0
    blocks = doc_blocks()
    bad = next(blocks[i][1] for i in range(len(blocks) - 1) if blocks[i + 1][0] == "text")
    (tmp_path / "bad.yaml").write_text(bad, encoding="utf-8")
    command = [str(Path(sys.executable).parent / "check-jsonschema"), "--schemafile", "definition.schema.json"]
    good = subprocess.run([*command, str(CDR_DEFINITION)], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert good.returncode == 0, good.stdout + good.stderr
    refused = subprocess.run([*command, "bad.yaml"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert (
        "bad.yaml::$.panels[0].sections[0].fields[0]" in refused.stdout and "'lable' was unexpected" in refused.stdout
    )
