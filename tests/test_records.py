"""Records across schema changes: code generated before a change reads records written after it, and back.

The change matrix of spec section 4: for each change the vendor's page lets an administrator
make, the models generated from the definition before and after the change both read the
records written before and after it, keeping every value both sides know. Only a re-typed field
may break a read.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest
import yaml

from generator.definitions.load import parse_yaml
from generator.definitions.validate import validate_definition
from generator.diff.changes import READERS, compare
from generator.model.build import build_project
from generator.model.entities import Project
from tests.helpers import generate, import_generated, write_tree

Definition = dict[str, Any]


def base() -> Definition:
    """ITEM: a field of each kind that a change touches, in two panels."""
    main = [
        {"code": "name", "type": "text", "required": True},
        {"code": "status", "type": "enum", "required": True, "options": [{"id": 1, "label": "Open"}, {"id": 2, "label": "Closed"}]},
        {"code": "score", "type": "number", "min": 0, "max": 100},
        {"code": "labels", "type": "multiselect", "options": [{"id": 1, "label": "A"}, {"id": 2, "label": "B"}]},
        {"code": "note", "type": "text"},
        {"code": "seenAt", "type": "datetime"},
        {"code": "urgent", "type": "boolean"},
        {"code": "owner", "type": "reference", "target": "USER"},
        {"code": "tags", "type": "multiselect"},
        {"code": "health", "type": "gauge"},
    ]  # fmt: skip
    return {
        "code": "ITEM",
        "displayName": "Item",
        "level": 7,
        "panels": [
            {"name": "General", "sections": [{"name": "Main", "fields": main}]},
            {"name": "Other", "sections": [{"name": "More", "fields": []}]},
        ],
    }


def fields(definition: Definition) -> list[dict[str, Any]]:
    return [f for panel in definition["panels"] for section in panel["sections"] for f in section["fields"]]


def field(definition: Definition, code: str) -> dict[str, Any]:
    return next(f for f in fields(definition) if f["code"] == code)


def main_fields(definition: Definition) -> list[dict[str, Any]]:
    fields_: list[dict[str, Any]] = definition["panels"][0]["sections"][0]["fields"]
    return fields_


def add(required: bool) -> Callable[[Definition], None]:
    def change(d: Definition) -> None:
        main_fields(d).append({"code": "extra", "type": "text", "required": required})

    return change


def remove(d: Definition) -> None:
    main_fields(d).remove(field(d, "note"))


def rename(d: Definition) -> None:
    field(d, "note")["code"] = "remark"


def set_key(code: str, key: str, value: Any) -> Callable[[Definition], None]:
    def change(d: Definition) -> None:
        field(d, code)[key] = value

    return change


def add_option(d: Definition) -> None:
    field(d, "status")["options"].append({"id": 3, "label": "Pending"})
    field(d, "labels")["options"].append({"id": 3, "label": "C"})


def remove_option(d: Definition) -> None:
    field(d, "status")["options"].pop()
    field(d, "labels")["options"].pop()


def tighten(d: Definition) -> None:
    field(d, "score").update(min=10, max=50)
    field(d, "health").update(min=20, max=30)


def move(d: Definition) -> None:
    note = field(d, "note")
    main_fields(d).remove(note)
    d["panels"][1]["sections"][0]["fields"].append(note)


CHANGES: dict[str, Callable[[Definition], None]] = {
    "field added": add(required=False),
    "field added as required": add(required=True),
    "field removed": remove,
    "field renamed": rename,
    "field made required": set_key("note", "required", True),
    "field made optional": set_key("name", "required", False),
    "option added": add_option,
    "option removed": remove_option,
    "bounds tightened": tighten,
    "field moved to another panel": move,
}


def value(f: dict[str, Any]) -> Any:
    """A value the definition allows for the field: the last option, the lowest number in bounds."""
    kind = f["type"]
    if kind == "enum":
        return str(f["options"][-1]["id"])
    if kind == "multiselect":
        return [str(o["id"]) for o in f["options"]] if f.get("options") else ["vip", "night"]
    if kind in ("number", "gauge"):
        return f.get("min", 0 if kind == "gauge" else -3)
    return {"text": f"{f['code']} text", "datetime": "2024-05-01T12:00:00Z", "boolean": True, "reference": "u-1"}[kind]


def records(definition: Definition) -> list[dict[str, Any]]:
    """Records the platform may hold for a definition: full, required fields only, nulls for the rest."""
    required = {f["code"]: value(f) for f in fields(definition) if f.get("required")}
    optional = {f["code"]: value(f) for f in fields(definition) if not f.get("required")}
    envelope = {"id": "r-1", "entity": "ITEM", "level": 7, "comboKey": "SUB:s|ENT:"}
    return [
        {**envelope, **required, **optional},
        {"id": "r-2", **required},
        {"id": "r-3", **required, **dict.fromkeys(optional)},
    ]


def package(root: Path, definition: Definition) -> ModuleType:
    folder = root / "definitions"
    folder.mkdir(parents=True)
    (folder / "item.yaml").write_text(yaml.safe_dump(definition, sort_keys=False), encoding="utf-8")
    write_tree(root / "out", generate(folder, lambda p: p.name, {}, ("models",)))
    return import_generated(root / "out")


def assert_reads(models: ModuleType, definition: Definition, record: dict[str, Any]) -> None:
    """The record reads, alone and in a list page, and every key the code knows comes back as sent."""
    item = models.ITEM.model_validate_json(json.dumps(record))
    known = {f["code"] for f in fields(definition)} | {"id", "entity", "level", "comboKey"}
    dumped = item.model_dump(mode="json")
    assert {k: dumped[k] for k in record if k in known} == {k: v for k, v in record.items() if k in known}
    page = models.ITEMList.model_validate_json(json.dumps({"items": [record], "next": None}))
    assert page.items == [item]


@pytest.mark.parametrize("change", list(CHANGES))
def test_reads_survive_every_change_an_administrator_may_make(change: str, tmp_path: Path) -> None:
    before = base()
    after = copy.deepcopy(before)
    CHANGES[change](after)
    assert after != before
    old, new = package(tmp_path / "old", before), package(tmp_path / "new", after)
    written_before, written_after = records(before), records(after)
    for models, definition in ((old, before), (new, after)):
        for record in written_before + written_after:
            assert_reads(models, definition, record)
    # Writes stay strict: each side's creates take what its own definition allows, and only that.
    for models, definition, own in ((old, before, written_before[0]), (new, after, written_after[0])):
        body = {k: v for k, v in own.items() if k in {f["code"] for f in fields(definition)}}
        models.ITEMCreate.model_validate_json(json.dumps(body))
        with pytest.raises(pydantic.ValidationError):
            models.ITEMCreate.model_validate_json(json.dumps({**body, "unknownKey": 1}))


def test_only_a_retyped_field_breaks_a_read(tmp_path: Path) -> None:
    before = base()
    after = copy.deepcopy(before)
    field(after, "score")["type"] = "text"
    del field(after, "score")["min"], field(after, "score")["max"]
    old = package(tmp_path / "old", before)
    with pytest.raises(pydantic.ValidationError, match="score"):
        old.ITEM.model_validate_json(json.dumps(records(after)[0]))


def project(definition: Definition) -> Project:
    text = yaml.safe_dump(definition, sort_keys=False)
    return build_project([validate_definition(parse_yaml(text, "item.yaml"), "item.yaml")], {})


@pytest.mark.parametrize("change", list(CHANGES))
def test_diff_says_what_the_models_do(change: str) -> None:
    """No change of the matrix breaks readers in `dfgen diff`; a re-typed field does."""
    after = base()
    CHANGES[change](after)
    found = compare(project(base()), project(after))
    assert found and not [c for c in found if READERS in c.audience]
    retyped = base()
    field(retyped, "score").update(type="text")
    del field(retyped, "score")["min"], field(retyped, "score")["max"]
    assert [c.kind for c in compare(project(base()), project(retyped)) if READERS in c.audience] == ["retyped"]


def test_changed_bounds_and_options_are_refused_by_the_new_writes(tmp_path: Path) -> None:
    after = base()
    tighten(after)
    remove_option(after)
    new = package(tmp_path / "new", after)
    old_record = records(base())[0]
    # The record written under the old bounds and options reads, values kept as written.
    read = new.ITEM.model_validate_json(json.dumps(old_record))
    assert (read.score, read.health, read.status, read.labels) == (0, 0, "2", [new.Labels.A, "2"])
    assert new.Status.label_of(read.status) is None and new.Labels.label_of(read.labels[0]) == "A"
    body = {"name": "x", "status": "1"}
    for key, refused in (("score", 0), ("health", 31), ("status", "2"), ("labels", ["2"])):
        with pytest.raises(pydantic.ValidationError, match=key):
            new.ITEMCreate.model_validate_json(json.dumps({**body, key: refused}))


def test_a_field_called_id_loses_no_value(tmp_path: Path) -> None:
    # entity, level and comboKey are refused as field codes: the create payload's envelope has them.
    code = "id"
    definition = base()
    main_fields(definition).append({"code": code, "type": "text"})
    models = package(tmp_path, definition)
    attribute = "id_"
    assert models.ITEM.model_fields[attribute].validation_alias == code
    record = {**records(base())[0], code: "value-1"}
    item = models.ITEM.model_validate_json(json.dumps(record))
    assert getattr(item, attribute) == "value-1"
    assert item.id == "value-1"
    assert json.loads(item.model_dump_json())[code] == "value-1"
    assert item.model_dump_json().count(f'"{code}"') == 1
    create = models.ITEMCreate(**{"name": "n", "status": "1", attribute: "value-2"})
    assert create.model_dump()[code] == "value-2"


def test_importing_one_entity_builds_no_other(tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    folder.mkdir()
    for code in ("ALPHA", "BETA", "GAMMA"):
        definition = {**base(), "code": code}
        (folder / f"{code.lower()}.yaml").write_text(yaml.safe_dump(definition), encoding="utf-8")
    write_tree(tmp_path / "out", generate(folder, lambda p: p.name, {}, ("models",)))
    program = (
        "import sys\n"
        "from models import BETA, BETAList, Error\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('models.'))\n"
        "assert loaded == ['models._base', 'models.beta'], loaded\n"
        "import models\n"
        "assert {'ALPHA', 'GAMMACreate', 'Error'} <= set(dir(models)) <= set(vars(models)) | set(models.__all__)\n"
        "from models.gamma import GAMMA\n"
        "assert models.GAMMA is GAMMA and models.gamma.GAMMA is GAMMA and 'models.alpha' not in sys.modules\n"
        "try:\n"
        "    models.Nothing\n"
        "except AttributeError as error:\n"
        "    assert 'Nothing' in str(error)\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", program],
        cwd=tmp_path / "out",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_lazy_exports_keep_their_types_for_mypy(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    program = tmp_path / "program.py"
    program.write_text(
        "from models import CDR, CDRList, CallType, Error\n"
        "\n"
        "page = CDRList.model_validate_json('{\"items\": []}')\n"
        "record: CDR = page.items[0]\n"
        "label: str | None = CallType.label_of(record.call_type)\n"
        "message: str = Error(message='x').message\n"
        "wrong: int = record.call_id\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(program)],
        cwd=Path(__file__).parent.parent / "generated",
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and "program.py:7:" in errors[0] and '"str | None"' in errors[0], result.stdout
