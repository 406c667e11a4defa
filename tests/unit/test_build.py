"""generator/model/build.py: names resolved per entity, clashes reported with the pin that resolves them."""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import Api, Pins, parse_pins
from generator.definitions.format import EntityDef, FieldType
from generator.definitions.load import parse_yaml
from generator.definitions.validate import validate_definition
from generator.diagnostics import InputError, Location
from generator.model.build import build_project
from generator.model.entities import Project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def entity(fields: list[dict[str, Any]], code: str = "E", source: str = "e.yaml", **keys: Any) -> EntityDef:
    """A validated definition with one panel and section holding `fields`."""
    data = {"code": code, "displayName": code, "level": 1, **keys}
    data["panels"] = [{"name": "P", "sections": [{"name": "S", "fields": fields}]}]
    return validate_definition(parse_yaml(yaml.safe_dump(data, sort_keys=False), source), source)


def enum(code: str, labels: list[tuple[int, str]]) -> dict[str, Any]:
    return {"code": code, "type": "enum", "options": [{"id": i, "label": label} for i, label in labels]}


def messages(definitions: list[EntityDef], pins: dict[str, Pins] | None = None) -> list[str]:
    with pytest.raises(InputError) as raised:
        build_project(definitions, pins or {})
    return [str(d) for d in raised.value.diagnostics]


def members(project: Project, field: str = "c") -> dict[str, str]:
    """{option id: member name} of one enum field of the only entity."""
    (built,) = project.entities
    (enum_type,) = [e for e in built.enums if e.field_code == field]
    return {m.value: m.name for m in enum_type.members}


def test_two_fields_that_meet_stop_generation_naming_both_and_the_pin() -> None:
    definition = entity([{"code": "callType", "type": "text"}, {"code": "call_type", "type": "text"}])
    assert messages([definition]) == [
        "e.yaml:11:7: field 'call_type': Python name 'call_type' is also the name of field 'callType' (line 9); "
        "pin a name in pyproject.toml: [tool.dfgen.pins.E.fields] call_type = 'call_type_2'"
    ]


def test_an_enum_class_that_meets_a_model_class_names_the_pin() -> None:
    (message,) = messages([entity([enum("eCreate", [(1, "a")])])])
    assert message == (
        "e.yaml:9:7: field 'eCreate': enum class name 'ECreate' is the name of a model class; "
        "pin a name in pyproject.toml: [tool.dfgen.pins.E.enums] eCreate = 'ECreateOption'"
    )


def test_two_entities_with_one_code_or_one_module_are_reported() -> None:
    first, second = entity([{"code": "a", "type": "text"}]), entity([{"code": "b", "type": "text"}], source="f.yaml")
    assert messages([first, second]) == ["f.yaml:1:1: entity E is also defined in e.yaml"]
    keyword, suffixed = entity([], code="CLASS"), entity([], code="CLASS_", source="f.yaml")
    assert messages([keyword, suffixed]) == [
        "f.yaml:1:1: module class_ is also the module of CLASS; "
        "pin a module name in pyproject.toml: [tool.dfgen.pins.CLASS_] module = 'class_2'"
    ]


def _apply_hints(found: list[str]) -> dict[str, Pins]:
    """Every hint's TOML pasted into one pyproject, read back as pins."""
    tables: dict[str, list[str]] = defaultdict(list)
    for message in found:
        header, line = re.search(r"pin a name in pyproject\.toml: (\[[^\]]+\]) (.+)$", message).groups()  # type: ignore[union-attr]
        tables[header].append(line)
    text = "".join(f"{header}\n" + "\n".join(lines) + "\n" for header, lines in tables.items())
    return parse_pins(tomllib.loads(text)["tool"]["dfgen"]["pins"], Location("pyproject.toml"))


def test_pasting_every_hint_resolves_every_clash_without_making_a_new_one() -> None:
    fields = [
        {"code": code, "type": "text"} for code in ("callType", "call_type", "CallType", "call_type_2", "a-b", 'a"b')
    ]
    definition = entity([*fields, enum("eCreate", [(1, "x")])])
    found = messages([definition])
    assert len(found) == 4 and any('"a\\"b" = ' in m for m in found), found
    project = build_project([definition], _apply_hints(found))
    attributes = [f.attribute for f in project.entities[0].fields]
    assert len(set(attributes)) == len(attributes)
    assert project.entities[0].enums[0].name != "ECreate"


def test_a_pin_keeps_its_name_and_a_bad_pin_is_reported() -> None:
    definition = entity([{"code": "callType", "type": "text"}])
    pinned = build_project([definition], {"E": Pins(fields={"callType": "kind"})})
    assert pinned.entities[0].fields[0].attribute == "kind"
    assert messages([definition], {"E": Pins(fields={"callType": "Kind"})}) == [
        "e.yaml:9:7: field 'callType': pinned name 'Kind' must be lower case and not shadow a model attribute"
    ]
    # Pins of another entity change nothing here.
    other = build_project([definition], {"OTHER": Pins(fields={"callType": "kind"})})
    assert other.entities[0].fields[0].attribute == "call_type"


def test_labels_that_meet_get_their_option_ids_and_again_while_they_still_meet() -> None:
    project = build_project([entity([enum("c", [(1, "G.711"), (2, "G-711"), (3, "G 711 1")])])], {})
    assert members(project) == {"1": "G_711_1_1", "2": "G_711_2", "3": "G_711_1_3"}


def test_pinned_members_stay_as_pinned_and_the_others_move() -> None:
    definition = entity([enum("c", [(1, "A"), (2, "B")])])
    assert members(build_project([definition], {"E": Pins(options={"c": {1: "B"}})})) == {"1": "B", "2": "B_2"}
    # Two pins on one name cannot both stay: reported, with a name to pin that is not taken.
    assert messages([definition], {"E": Pins(options={"c": {1: "X", 2: "X"}})}) == [
        "e.yaml:14:9: field 'c': enum member X of option 2 is also the member of option 1; "
        "pin a name in pyproject.toml: [tool.dfgen.pins.E.options.c] 2 = 'X_2'"
    ]


LABELS = st.sampled_from(["G.711", "G-711", "G 711 1", "G 711 2", "g711", "G_711_1_1", "?", "N 1", "1"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 12), LABELS), min_size=1, max_size=7, unique_by=lambda o: o[0]), st.data())
def test_member_names_are_unique_and_do_not_depend_on_option_order(
    options: list[tuple[int, str]], data: st.DataObject
) -> None:
    names = members(build_project([entity([enum("c", options)])], {}))
    assert len(set(names.values())) == len(names) == len(options)
    shuffled = data.draw(st.permutations(options))
    assert members(build_project([entity([enum("c", shuffled)])], {})) == names


def test_fields_keep_layout_labels_bounds_and_defaults() -> None:
    fields: list[dict[str, Any]] = [
        {"code": "score", "type": "gauge"},
        {"code": "rating", "type": "gauge", "min": 1, "max": 5, "label": "Star rating", "notes": "<b>"},
        {"code": "mos", "type": "number", "min": 1},
    ]
    project = build_project([entity(fields, description="d")], {}, Api("/x/{code}"))
    (built,) = project.entities
    score, rating, mos = built.fields
    assert (score.minimum, score.maximum, score.minimum_is_default, score.maximum_is_default) == (0, 100, True, True)
    assert (rating.minimum, rating.maximum, rating.minimum_is_default) == (1, 5, False)
    assert (mos.minimum, mos.maximum, mos.minimum_is_default) == (1, None, False)
    assert (score.title, score.label, rating.title, rating.description) == ("Score", None, "Star rating", "<b>")
    assert (score.panel, score.section, score.type) == ("P", "S", FieldType.GAUGE)
    assert (built.plural, built.plural_is_default, built.module, built.description) == ("Es", True, "e", "d")
    assert project.api.definition_of("E") == "/x/E"


def test_entities_come_sorted_by_code_whatever_the_file_order() -> None:
    definitions = [entity([], code=code, source=f"{code}.yaml") for code in ("ZED", "ALPHA", "MID")]
    assert [e.code for e in build_project(definitions, {}).entities] == ["ALPHA", "MID", "ZED"]
