"""generator/runtime/_base.py, the module every generated package gets as its _base.py."""

from __future__ import annotations

import ast
import importlib.util
import json
from types import ModuleType

import pydantic
import pytest

from generator.runtime import _base
from generator.targets.models import RUNTIME
from generator.targets.python import format_python, format_with_black, python_header
from tests.helpers import ROOT


def load_runtime(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, RUNTIME)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_base_is_the_runtime_under_the_header() -> None:
    shipped = (ROOT / "generated" / "models" / "_base.py").read_text(encoding="utf-8")
    assert shipped == python_header("definitions") + "\n" + RUNTIME.read_text(encoding="utf-8")
    # Black leaves it alone, and generation knows it without running black.
    assert format_with_black(shipped) == shipped and format_python(shipped) is shipped


def test_only_public_pydantic() -> None:
    tree = ast.parse(RUNTIME.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            assert not node.attr.startswith("__pydantic"), node.attr
        if isinstance(node, ast.ImportFrom):
            assert node.module in {"collections.abc", "typing", "pydantic_core"}, node.module
            assert not any(alias.name.startswith("_") for alias in node.names)
    assert "_internal" not in RUNTIME.read_text(encoding="utf-8")


@pytest.mark.parametrize("version", ["2.10.6", "2.0", "1.10.13"])
def test_an_old_pydantic_is_refused_naming_the_minimum(monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    monkeypatch.setattr(pydantic, "VERSION", version)
    with pytest.raises(ImportError, match=rf"need pydantic >= 2\.11, and pydantic {version} is installed"):
        load_runtime("old_pydantic_base")


@pytest.mark.parametrize("version", ["2.11.0", "2.12.0b1", "3.0.0"])
def test_a_recent_pydantic_is_taken(monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    monkeypatch.setattr(pydantic, "VERSION", version)
    assert load_runtime("new_pydantic_base").Record.__name__ == "Record"


class Colour(_base.DemandFlowEnum):
    RED = "1"
    BLUE = "2"
    __labels__ = {"1": "Red", "2": "Blue"}  # noqa: RUF012


class Thing(_base.Record):
    ENTITY_CODE = "THING"
    ENTITY_LEVEL = 1
    colour: _base.Tolerant[Colour] | None = pydantic.Field(
        default=None, validation_alias="colourId", serialization_alias="colourId"
    )
    size: _base.Number | None = pydantic.Field(default=None, validation_alias="size", serialization_alias="size")


class ThingCreate(_base.Create):
    ENTITY_CODE = "THING"
    ENTITY_LEVEL = 1
    colour: Colour = pydantic.Field(validation_alias="colourId", serialization_alias="colourId")


def test_labels_of_members_ids_and_unknown_ids() -> None:
    assert Colour.BLUE.label == "Blue" and Colour(2) is Colour.BLUE and str(Colour.RED) == "1"
    assert [Colour.label_of(v) for v in (Colour.RED, "2", 2, 2.0, "3", 3, None, [], "RED")] == [
        "Red", "Blue", "Blue", "Blue", None, None, None, None, None,
    ]  # fmt: skip


def test_python_takes_either_name_and_json_the_api_name() -> None:
    assert ThingCreate(colour="1") == ThingCreate(colourId="1") == ThingCreate.model_validate({"colour": 1})
    assert ThingCreate.model_validate_json('{"colourId": "2"}').colour is Colour.BLUE
    with pytest.raises(pydantic.ValidationError, match="colour"):
        ThingCreate.model_validate_json('{"colour": "2"}')
    # Asked for explicitly, JSON takes attribute names as well.
    assert ThingCreate.model_validate_json('{"colour": "2"}', by_name=True).colour is Colour.BLUE
    assert ThingCreate(colour="1").to_payload("s") == {
        "entity": "THING",
        "level": 1,
        "comboKey": "SUB:s|ENT:",
        "colourId": "1",
    }


def test_a_record_keeps_unknown_ids_as_written_and_ignores_unknown_keys() -> None:
    for raw in ('"9"', "9", "9.0"):
        thing = Thing.model_validate_json(f'{{"id": "t", "colourId": {raw}, "new": [1], "size": 1e300}}')
        assert json.loads(thing.model_dump_json(exclude_none=True)) == {
            "id": "t",
            "colourId": json.loads(raw),
            "size": 1e300,
        }
    with pytest.raises(pydantic.ValidationError):
        Thing.model_validate_json('{"id": "t", "colourId": 9.5}')


def test_errors_keep_every_key() -> None:
    error = _base.Error.model_validate({"message": "nope", "status": 404})
    assert error.message == "nope" and error.model_extra == {"status": 404}
