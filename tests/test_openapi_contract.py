"""The OpenAPI contract on a many-entity, hostile tenant: names, typed responses, escaped text, servers, tags."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

from generator.config import Api
from tests.helpers import dfgen, generate
from tests.openapi_support import (
    HOSTILE_ENTITY,
    HOSTILE_NOTES,
    MANY_ENTITIES,
    Generated,
    generate_into,
    many_entity_definitions,
)

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
# CommonMark with GFM's autolinks of bare URLs, as Redoc's and GitHub's renderers have them.
COMMONMARK = MarkdownIt("commonmark", {"linkify": True}).enable("linkify")
TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)[^>]*>")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("contract")
    return generate_into(many_entity_definitions(root / "definitions"), root / "out")


@pytest.fixture(scope="module")
def bundle(generated: Generated) -> dict[str, Any]:
    return generated.document("openapi/openapi.yaml")


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (JSON pointer, value) under a node."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}/{index}")


def rendered(markdown: str) -> tuple[set[str], str]:
    """The elements CommonMark makes of a description, and the text it shows (<br> as a line break)."""
    out = COMMONMARK.render(markdown)
    elements = {match[2] for match in TAG.finditer(out) if not match[1]}
    text = html.unescape(TAG.sub(lambda m: "\n" if m[2] == "br" else "", out.replace("<br />\n", "<br />")))
    return elements, text.strip("\n")


def test_component_names_are_identifiers_and_titles_unique(bundle: dict[str, Any]) -> None:
    schemas = bundle["components"]["schemas"]
    assert all(IDENTIFIER.match(name) for name in schemas), [n for n in schemas if not IDENTIFIER.match(n)]
    titles = [schema["title"] for schema in schemas.values()]
    assert titles == list(schemas)
    # ORDER and ORDER_V2 share a display name; each shows it in its description.
    for code in ("ORDER", "ORDER_V2"):
        assert schemas[code]["title"] == code
        assert "Display name: Order." in schemas[code]["description"]


def test_one_string_enum_schema_per_enum_field(generated: Generated, bundle: dict[str, Any]) -> None:
    schemas = bundle["components"]["schemas"]
    for entity in generated.project.entities:
        for enum in entity.enums:
            matching = [n for n, s in schemas.items() if s.get("x-enum-varnames") == [m.name for m in enum.members]]
            assert len(matching) >= 1
        enum_schemas = [s for n, s in schemas.items() if n.startswith(entity.code) and "enum" in s]
        assert all(s["type"] == "string" and all(isinstance(v, str) for v in s["enum"]) for s in enum_schemas)
    kind = schemas["HOSTILEKind"]
    assert kind["enum"] == ["1", "2", "3"]
    # A write refers to the enum schema alone; a record also keeps ids it does not know.
    request = schemas["HOSTILECreateRequest"]["properties"]["kind"]
    assert request["$ref"] == "#/components/schemas/HOSTILEKind"
    record = schemas["HOSTILE"]["properties"]["kind"]["anyOf"]
    assert [branch.get("$ref") for branch in record][:1] == ["#/components/schemas/HOSTILEKind"]
    assert not any("enum" in branch for branch in record)


def test_every_response_names_its_entity_and_errors_one_schema(generated: Generated, bundle: dict[str, Any]) -> None:
    paths = bundle["paths"]
    responses = bundle["components"]["responses"]

    def schema_of(operation: dict[str, Any]) -> Any:
        return operation["responses"]["200"]["content"]["application/json"]["schema"]

    codes = [entity.code for entity in generated.project.entities]
    for code in codes:
        assert schema_of(paths[f"/v1/objects/{code}/{{id}}"]["get"]) == {"$ref": f"#/components/schemas/{code}"}
        assert schema_of(paths[f"/v1/entities/{code}/SUB"]["get"]) == {"$ref": f"#/components/schemas/{code}List"}
        parameters = paths[f"/v1/objects/{code}/{{id}}"]["get"]["parameters"]
        assert parameters == [
            {
                "name": "id",
                "in": "path",
                "required": True,
                "description": "The object's id.",
                "schema": {"type": "string"},
            }
        ]
    created = schema_of(paths["/v1/objects"]["post"])
    assert created["anyOf"] == [{"$ref": f"#/components/schemas/{code}"} for code in codes]
    assert created["discriminator"] == {
        "propertyName": "entity",
        "mapping": {code: f"#/components/schemas/{code}" for code in codes},
    }
    # Each record says which entity it is, so the discriminator can tell them apart.
    for code in codes:
        assert bundle["components"]["schemas"][code]["properties"]["entity"]["const"] == code
    for _, node in walk(paths):
        if isinstance(node, dict) and "responses" in node:
            for status, response in node["responses"].items():
                if status != "200":
                    name = response["$ref"].rsplit("/", 1)[1]
                    schema = responses[name]["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}


def test_hostile_text_renders_as_typed_and_makes_no_element(bundle: dict[str, Any]) -> None:
    schemas = bundle["components"]["schemas"]
    hostile = schemas["HOSTILE"]["properties"]
    elements, text = rendered(hostile["title"]["description"])
    assert elements <= {"p", "br"} and text == HOSTILE_NOTES
    fields = {f["code"]: f for f in HOSTILE_ENTITY["panels"][0]["sections"][0]["fields"]}
    for code in ("kind", "size", "owner"):
        elements, text = rendered(hostile[code]["description"])
        assert elements == {"p"} and text == fields[code]["notes"], code
    elements, text = rendered(schemas["HOSTILEKind"]["description"])
    assert elements == {"p", "ul", "li", "code"}
    for option in fields["kind"]["options"]:
        assert f"{option['id']}: {option['label']}" in text
    # Every description in the document, tenant text or dfgen's: no link, heading, emphasis or HTML.
    allowed = {"p", "br", "code", "ul", "li"}
    descriptions = [(path, value) for path, value in walk(bundle) if path.endswith("/description")]
    assert len(descriptions) > 100
    for path, value in descriptions:
        if isinstance(value, str):
            assert rendered(value)[0] <= allowed, path


def test_dfgen_s_own_text_keeps_its_words(bundle: dict[str, Any]) -> None:
    combo = bundle["components"]["schemas"]["ORDERCreateRequest"]["properties"]["comboKey"]["description"]
    assert rendered(combo)[1] == "SUB:<subscription id>|ENT:"
    bearer = bundle["components"]["securitySchemes"]["bearerAuth"]["description"]
    assert rendered(bearer)[1] == "A personal access token: Authorization: Bearer <personal access token>."
    unauthorized = bundle["components"]["responses"]["Unauthorized"]["description"]
    assert rendered(unauthorized)[1].endswith("Bearer <token>.")
    create = bundle["paths"]["/v1/objects"]["post"]["description"]
    assert "(SUB:<subscription id>|ENT:)" in rendered(create)[1]


def test_tags_operation_ids_and_descriptions(generated: Generated, bundle: dict[str, Any]) -> None:
    declared = [tag["name"] for tag in bundle["tags"]]
    assert declared == ["Objects", *(entity.code for entity in generated.project.entities)]
    assert all(tag["description"] for tag in bundle["tags"])
    operations = [op for item in bundle["paths"].values() for op in item.values()]
    assert len(operations) == 1 + 3 * len(generated.project.entities)
    ids = [op["operationId"] for op in operations]
    assert len(set(ids)) == len(ids) and all(IDENTIFIER.match(i) for i in ids)
    for operation in operations:
        assert operation["summary"] and operation["description"]
        assert [tag for tag in operation["tags"] if tag not in declared] == []


def test_no_unused_components(generated: Generated) -> None:
    for path in generated.files:
        if not path.startswith("openapi/"):
            continue
        document = generated.document(path)
        referenced = {value for key, value in walk(document) if key.endswith("/$ref")}
        for kind in ("schemas", "responses"):
            for name in document["components"][kind]:
                assert f"#/components/{kind}/{name}" in referenced, (path, name)


def test_servers_hold_the_configured_base_url(tmp_path: Path) -> None:
    definitions = many_entity_definitions(tmp_path / "definitions")
    for api, url in [
        (Api(base_url="https://acme.demandflow.test/api/"), "https://acme.demandflow.test/api"),
        (Api(), "{baseUrl}"),
    ]:
        files = generate(definitions, lambda p: p.name, {}, ("openapi",), api=api)
        for path in ("openapi/openapi.yaml", "openapi/hostile.yaml"):
            servers = yaml.safe_load(files[path])["servers"]
            assert [server["url"] for server in servers] == [url]
    # From [tool.dfgen] base-url, through the CLI and its cache: a changed setting is a changed output.
    for url in ("https://t.test/x", "https://u.test/y"):
        (tmp_path / "pyproject.toml").write_text(f'[tool.dfgen]\nbase-url = "{url}"\n', encoding="utf-8")
        assert dfgen(tmp_path, "generate").returncode == 0
        document = yaml.safe_load((tmp_path / "generated" / "openapi" / "openapi.yaml").read_text(encoding="utf-8"))
        assert document["servers"][0]["url"] == url
        assert dfgen(tmp_path, "check", "--no-cache").returncode == 0


def test_two_components_that_meet_stop_generation_with_the_pin(tmp_path: Path) -> None:
    # X's enum field a_b is the class AB (component XAB); XA's field b the class B (also XAB).
    folder = tmp_path / "definitions"
    folder.mkdir()
    for code, field in (("X", "a_b"), ("XA", "b")):
        entity = {**MANY_ENTITIES[0], "code": code}
        entity["panels"] = [
            {
                "name": "P",
                "sections": [
                    {"name": "S", "fields": [{"code": field, "type": "enum", "options": [{"id": 1, "label": "One"}]}]}
                ],
            }
        ]
        (folder / f"{code.lower()}.yaml").write_text(yaml.safe_dump(entity), encoding="utf-8")
    result = dfgen(tmp_path, "generate")
    assert result.returncode == 2 and not (tmp_path / "generated").exists()
    assert "the OpenAPI component XAB of entity XA is also a component of entity X" in result.stderr
    assert 'pin another class name in pyproject.toml: [tool.dfgen.pins.XA.enums] "b" = "B2"' in result.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.dfgen.pins.XA.enums]\n"b" = "B2"\n', encoding="utf-8")
    result = dfgen(tmp_path, "generate")
    assert result.returncode == 0, result.stderr
