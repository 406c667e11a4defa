"""The OpenAPI documents of a many-entity, hostile tenant in the tools people point at them.

Redocly CLI and Spectral (npm, tests/tools: `npm ci --prefix tests/tools`, which .ci/run does),
datamodel-code-generator and openapi-python-client (the test extra). With CI set, a missing tool
fails the test; elsewhere it skips it.
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.model.entities import Entity
from generator.targets.openapi import entity_path
from generator.targets.openapi_schema import enum_component
from tests.helpers import ROOT
from tests.openapi_support import Generated, generate_into, many_entity_definitions
from tests.test_openapi_parity import CREATE, FUZZ, RECORD, class_of, encode, minimal, valid_documents

NODE_TOOLS = ROOT / "tests" / "tools"
BIN = Path(sys.executable).parent
# Warnings the documents keep, each for a reason: the tenant API's licence and contact are not dfgen's to state.
REDOCLY_WARNINGS = {"info-license"}
SPECTRAL_WARNINGS = {"info-contact"}
TIMEOUT = 300


@dataclass(frozen=True)
class Tenant:
    """The generated output of the many-entity tenant, and where it is."""

    generated: Generated
    out: Path

    @property
    def documents(self) -> list[Path]:
        return sorted((self.out / "openapi").glob("*.yaml"))


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Tenant:
    root = tmp_path_factory.mktemp("tools")
    return Tenant(generate_into(many_entity_definitions(root / "definitions"), root / "out"), root / "out")


def tool(path: Path) -> Path:
    """A tool's executable; missing, the test fails under CI and is skipped elsewhere."""
    if path.is_file():
        return path
    message = f"{path.name} is not installed ({path}): run `npm ci --prefix tests/tools` or `pip install -e '.[test]'`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def json_values(text: str) -> Iterator[Any]:
    """Each JSON value of a text that holds several, one after another."""
    decoder = json.JSONDecoder()
    index = 0
    while text[index:].strip():
        value, index = decoder.raw_decode(text, len(text) - len(text[index:].lstrip()))
        yield value


def import_file(path: Path) -> ModuleType:
    """A generated module or package under a fresh name, in sys.modules (pydantic resolves annotations there)."""
    name = f"tool_{uuid.uuid4().hex}"
    init = path / "__init__.py" if path.is_dir() else path
    locations = [str(path)] if path.is_dir() else None
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=locations)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# -- linters ----------------------------------------------------------------------------------


def test_redocly_recommended_finds_no_error(tenant: Tenant) -> None:
    redocly = tool(NODE_TOOLS / "node_modules" / ".bin" / "redocly")
    result = run(redocly, "lint", "--extends", "recommended", "--format", "json", *tenant.documents, cwd=tenant.out)
    reports = list(json_values(result.stdout))
    assert len(reports) == len(tenant.documents) == 8, result.stderr
    problems = [problem for report in reports for problem in report["problems"]]
    assert [p for p in problems if p["severity"] == "error"] == []
    assert {p["ruleId"] for p in problems} <= REDOCLY_WARNINGS, problems
    assert result.returncode == 0, result.stderr


def test_spectral_oas_finds_no_error(tenant: Tenant) -> None:
    spectral = tool(NODE_TOOLS / "node_modules" / ".bin" / "spectral")
    ruleset = NODE_TOOLS / ".spectral.yaml"
    result = run(spectral, "lint", "--ruleset", ruleset, "--format", "json", *tenant.documents, cwd=tenant.out)
    problems = json.loads(result.stdout)
    # Severity 0 is an error; 1 a warning.
    assert [p for p in problems if p["severity"] == 0] == []
    assert {p["code"] for p in problems} <= SPECTRAL_WARNINGS, problems
    assert {Path(p["source"]).name for p in problems} == {p.name for p in tenant.documents}
    assert result.returncode == 0, result.stderr


# -- datamodel-code-generator ----------------------------------------------------------------------


def datamodel_codegen(source: Path, output: Path) -> None:
    generator = tool(BIN / "datamodel-codegen")
    result = run(
        generator,
        *("--input", source, "--input-file-type", "openapi", "--output", output),
        *("--output-model-type", "pydantic_v2.BaseModel", "--no-formatters"),
    )
    assert result.returncode == 0, result.stderr


def assert_one_class_per_model(module: ModuleType, entity: Entity) -> None:
    """The entity's record, create request and list page, and one enum class per enum field."""
    for name in (entity.code, f"{entity.code}CreateRequest", f"{entity.code}List"):
        assert issubclass(getattr(module, name.replace("_", "")), pydantic.BaseModel), name
    for enum_type in entity.enums:
        cls = getattr(module, enum_component(entity, enum_type).replace("_", ""))
        assert issubclass(cls, enum.Enum)
        assert [member.value for member in cls] == [m.value for m in enum_type.members]


def payload_of(tenant: Tenant, entity: Entity, document: dict[str, Any]) -> dict[str, Any]:
    """The body of POST /v1/objects that dfgen's create class makes of a document it accepts."""
    create = class_of(tenant.generated, entity, CREATE).model_validate_json(encode(document))
    payload: dict[str, Any] = create.to_payload("sub-1")  # type: ignore[attr-defined]
    return payload


@pytest.fixture(scope="module")
def one_file(tenant: Tenant, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """datamodel-code-generator's models of the bundle, in one file, imported."""
    output = tmp_path_factory.mktemp("datamodel") / "models.py"
    datamodel_codegen(tenant.out / "openapi" / "openapi.yaml", output)
    return import_file(output)


@pytest.mark.parametrize("code", ["ABC", "CDR", "HOSTILE", "OPENAPI", "ORDER", "ORDER_V2", "TYPING"])
def test_datamodel_code_generator_one_file_takes_what_dfgen_s_models_take(
    tenant: Tenant, one_file: ModuleType, code: str
) -> None:
    entity = tenant.generated.project.entity(code)
    assert entity is not None
    assert_one_class_per_model(one_file, entity)
    name = code.replace("_", "")
    request, record, page = (getattr(one_file, f"{name}{suffix}") for suffix in ("CreateRequest", "", "List"))
    reads = class_of(tenant.generated, entity, RECORD)

    @FUZZ
    @given(valid_documents(entity, CREATE), st.text(min_size=1))
    def check(document: dict[str, Any], id_: str) -> None:
        assert entity is not None
        payload = payload_of(tenant, entity, document)
        request.model_validate(payload)
        # The record the API returns for it: what dfgen's record class reads, the generated one reads.
        created = {**payload, "id": id_}
        reads.model_validate_json(encode(created))
        assert record.model_validate(created).entity == code
        page.model_validate({"items": [created], "next": None})

    check()


def test_datamodel_code_generator_folder_of_fragments(tenant: Tenant, tmp_path: Path) -> None:
    datamodel_codegen(tenant.out / "openapi", tmp_path / "package")
    package = import_file(tmp_path / "package")
    modules = {path.stem for path in (tmp_path / "package").glob("*.py")} - {"__init__"}
    assert modules == {path.stem.replace(".", "_") for path in tenant.documents}
    for entity in tenant.generated.project.entities:
        fragment = Path(entity_path(entity, f"openapi/{entity.module}.yaml")).stem.replace(".", "_")
        module = importlib.import_module(f"{package.__name__}.{fragment}")
        assert_one_class_per_model(module, entity)
        payload = payload_of(tenant, entity, minimal(entity, CREATE))
        getattr(module, f"{entity.code.replace('_', '')}CreateRequest").model_validate(payload)
