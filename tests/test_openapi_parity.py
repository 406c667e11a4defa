"""Each OpenAPI component accepts exactly the JSON documents that its generated class accepts.

Every document goes through the class (model_validate_json) and through the bundled schema
(jsonschema, Draft 2020-12, formats checked, ECMA-262 patterns); any disagreement fails. The
documents are I-JSON (RFC 7493): UTF-8, numbers within the range of a double. Beyond that range
the question has no answer: JSON Schema reads 1e400 as a number, no Python float can hold it.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.definitions.format import FieldType
from generator.model.entities import Entity, Field
from generator.targets.openapi_schema import enum_component, write_schemas
from tests.openapi_support import (
    BundleSchemas,
    Generated,
    generate_into,
    two_entity_definitions,
)

RECORD, CREATE, UPDATE = "record", "create", "update"
KINDS = (RECORD, CREATE, UPDATE)
# The keys a record holds beside the fields.
ENVELOPE = {"id", "entity", "level", "comboKey"}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values of every JSON type and of the edges the models care about: bounds, ids, date-times.
PROBES: list[Any] = [
    None, True, False, 0, 1, -1, 1.0, 1.5, -0.5, 2.5, 5, 5.5, 10, 100, 100.5, 101, -1e-9,
    2**53, 2**53 + 1, 10**20, 1e20, 1e300, -1e300, 9007199254740993, 9007199254740992.0,
    -(2**53), -(2**53) - 1, -9007199254740992.0, 2**54 - 1, 2**54, 2**54 + 1, 10**20 + 1, 10**20 - 1,
    "", "text", "1", "1.0", "01", " 1", "99", "-1", "0", "true", "null", "\u2028", "a\x00b",
    [], ["1"], [1], [1.0], [-1], [0], ["1", 1], ["a", 1], ["-1", "0"], [None], [[]], [{}], ["x"] * 3,
    {}, {"id": 1}, {"1": "Voice"},
]  # fmt: skip
DATETIMES = [
    "2024-05-01T12:30:00Z", "2024-05-01t12:30:00z", "2024-05-01T12:30:00.123456789+02:00",
    "2024-05-01T12:30:00-00:00", "2024-02-29T00:00:00Z", "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59-23:59", "2024-05-01 12:30:00Z", "2024-05-01T12:30Z", "2024-05-01T12:30:00",
    "2024-05-01T12:30:00+0200", "2024-05-01T12:30:00+02", "2024-05-01", "12:30:00Z",
    "2024-05-01T12:30:00Z\n", "\n2024-05-01T12:30:00Z", " 2024-05-01T12:30:00Z", "2024-05-01T12:30:00ZZ",
    "2024-05-01T24:00:00Z", "2024-05-01T23:60:00Z", "2024-05-01T23:59:60Z", "2024-13-01T12:30:00Z",
    "2024-00-01T12:30:00Z", "2024-05-00T12:30:00Z", "2024-04-31T12:30:00Z", "2023-02-29T12:30:00Z",
    "0000-01-01T00:00:00Z", "2024-05-01T12:30:00+24:00", "2024-05-01T12:30:00+01:60",
    "2024-05-01T12:30:00.Z", "2024-05-01T12:30:00,5Z", "+2024-05-01T12:30:00Z", "20240-05-01T12:30:00Z",
    "２０２４-05-01T12:30:00Z", "2024-05-01T12:30:00.١Z", "2024-05-01T12:30:00\u200bZ",
]  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("parity")
    return generate_into(two_entity_definitions(root / "definitions"), root / "out")


@pytest.fixture(scope="module")
def schemas(generated: Generated) -> BundleSchemas:
    # The create and update classes' schemas beside the bundle's: the create request holds the
    # first's properties, and the documents hold neither (no update call is known).
    bundle = generated.document("openapi/openapi.yaml")
    for entity in generated.project.entities:
        for name, schema in write_schemas(entity).items():
            assert name not in bundle["components"]["schemas"]
            bundle["components"]["schemas"][name] = schema
    return BundleSchemas(bundle)


# -- the two verdicts ------------------------------------------------------------------------


def encode(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")


def class_of(generated: Generated, entity: Entity, kind: str) -> type[pydantic.BaseModel]:
    module = getattr(generated.package, entity.module)
    name = {RECORD: entity.record_class, CREATE: entity.create_class, UPDATE: entity.update_class}[kind]
    cls: type[pydantic.BaseModel] = getattr(module, name)
    return cls


def assert_agree(schemas: BundleSchemas, component: str, validate: Any, document: Any) -> bool:
    """The verdict of the class and of the schema on one document; they must be the same."""
    text = encode(document)
    try:
        validate(text)
        model_accepts = True
    except pydantic.ValidationError as error:
        model_accepts, model_error = False, str(error)
    errors = list(schemas.component(component).iter_errors(json.loads(text)))
    schema_accepts = not errors
    if model_accepts != schema_accepts:
        why = errors[0].message if errors else model_error
        verdict = "accepts" if model_accepts else "refuses"
        pytest.fail(f"{component}: the class {verdict} {text.decode()!r}, the schema does not: {why}")
    return model_accepts


def agree(generated: Generated, schemas: BundleSchemas, entity: Entity, kind: str, document: Any) -> bool:
    cls = class_of(generated, entity, kind)
    return assert_agree(schemas, component_of(entity, kind), cls.model_validate_json, document)


def component_of(entity: Entity, kind: str) -> str:
    return {RECORD: entity.record_class, CREATE: entity.create_class, UPDATE: entity.update_class}[kind]


# -- documents from the intermediate model ---------------------------------------------------


def fields_of(entity: Entity, kind: str) -> tuple[Field, ...]:
    return {RECORD: entity.fields, CREATE: entity.create_fields, UPDATE: entity.update_fields}[kind]


def required_in(kind: str, field: Field) -> bool:
    # A record may lack any field: it may predate the field being required.
    return kind == CREATE and field.required


def example(field: Field) -> Any:
    """One value each class accepts for the field."""
    if field.enum is not None:
        value = field.enum.members[0].value
        return [value] if field.type is FieldType.MULTISELECT else value
    return {
        FieldType.TEXT: "x",
        FieldType.REFERENCE: "EUR",
        FieldType.BOOLEAN: True,
        FieldType.DATETIME: "2024-05-01T12:30:00Z",
        FieldType.MULTISELECT: ["tag"],
    }.get(field.type, field.minimum if field.minimum is not None else 0)


def minimal(entity: Entity, kind: str) -> dict[str, Any]:
    record_id = {"id": "r-1"} if kind == RECORD else {}
    return {**record_id, **{f.code: example(f) for f in fields_of(entity, kind) if required_in(kind, f)}}


@st.composite
def rfc3339(draw: st.DrawFn) -> str:
    day = draw(st.dates(min_value=datetime.date(1, 1, 1)))
    clock = "{:02}:{:02}:{:02}".format(*draw(st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))))
    fraction = draw(st.just("") | st.text("0123456789", min_size=1, max_size=12).map(lambda d: "." + d))
    offset = draw(
        st.sampled_from(["Z", "z"])
        | st.builds("{}{:02}:{:02}".format, st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59))
    )
    return f"{day.isoformat()}{draw(st.sampled_from('Tt'))}{clock}{fraction}{offset}"


def valid_values(field: Field, kind: str) -> st.SearchStrategy[Any]:
    """Values the class accepts for the field: the id forms, numbers in bounds, exact text."""
    if field.enum is not None:
        ids = [m.option_id for m in field.enum.members]
        # On the wire an id is a string ("1"); a record also keeps ids it does not know, of any form.
        option: st.SearchStrategy[Any] = st.sampled_from(ids).map(str)
        if kind == RECORD:
            option |= st.text() | st.integers() | st.integers(-(2**53), 2**53).map(float)
        return st.lists(option, max_size=4) if field.type is FieldType.MULTISELECT else option
    if field.type is FieldType.MULTISELECT:
        return st.lists(st.text(), max_size=4)
    if field.type in (FieldType.NUMBER, FieldType.GAUGE):
        # A record is read whatever the bounds.
        low, high = (None, None) if kind == RECORD else (field.minimum, field.maximum)
        ints = st.integers(None if low is None else math.ceil(low), None if high is None else math.floor(high))
        floats = st.floats(low, high, allow_nan=False, allow_infinity=False)
        return ints | floats
    if field.type is FieldType.BOOLEAN:
        return st.booleans()
    if field.type is FieldType.DATETIME:
        return rfc3339()
    return st.text()


def valid_documents(entity: Entity, kind: str) -> st.SearchStrategy[dict[str, Any]]:
    fields = fields_of(entity, kind)
    required = {f.code: valid_values(f, kind) for f in fields if required_in(kind, f)}
    optional = {f.code: st.none() | valid_values(f, kind) for f in fields if not required_in(kind, f)}
    documents = st.fixed_dictionaries(required, optional=optional)
    if kind != RECORD:
        return documents
    codes = {f.code for f in fields}
    unknown = st.dictionaries(st.text().filter(lambda k: k not in codes | ENVELOPE), json_values, max_size=3)
    envelope = st.fixed_dictionaries(
        {"id": st.text()},
        optional={
            "entity": st.just(entity.code),
            "level": st.none() | st.integers(),
            "comboKey": st.none() | st.text(),
        },
    )
    return st.builds(lambda known, keys, extra: {**extra, **keys, **known}, documents, envelope, unknown)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def entity_kinds(generated: Generated) -> list[tuple[Entity, str]]:
    return [(entity, kind) for entity in generated.project.entities for kind in KINDS]


# -- tests -----------------------------------------------------------------------------------


def test_the_battery_covers_every_field_of_cdr_in_all_three_classes(generated: Generated) -> None:
    cdr = generated.project.entity("CDR")
    assert cdr is not None and len(cdr.fields) == 63
    for kind in KINDS:
        cls = class_of(generated, cdr, kind)
        aliases = {info.validation_alias for info in cls.model_fields.values()}
        assert aliases == {f.code for f in fields_of(cdr, kind)} | (ENVELOPE if kind == RECORD else set()), kind


def test_format_checking_is_on() -> None:
    from jsonschema.validators import Draft202012Validator

    assert "date-time" in Draft202012Validator.FORMAT_CHECKER.checkers


@pytest.mark.parametrize("code", ["CDR", "OPENAPI"])
@pytest.mark.parametrize("kind", KINDS)
def test_valid_documents_pass_both(generated: Generated, schemas: BundleSchemas, code: str, kind: str) -> None:
    entity = generated.project.entity(code)
    assert entity is not None

    @FUZZ
    @given(valid_documents(entity, kind))
    def check(document: dict[str, Any]) -> None:
        assert agree(generated, schemas, entity, kind, document), document

    check()


@pytest.mark.parametrize("code", ["CDR", "OPENAPI"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_field_given_every_probe(generated: Generated, schemas: BundleSchemas, code: str, kind: str) -> None:
    entity = generated.project.entity(code)
    assert entity is not None
    base = minimal(entity, kind)
    assert agree(generated, schemas, entity, kind, base)
    verdicts = []
    for field in fields_of(entity, kind):
        for value in PROBES + DATETIMES:
            verdicts.append(agree(generated, schemas, entity, kind, {**base, field.code: value}))
    # The probes hit both sides of every field: some are accepted, most are refused.
    assert True in verdicts and False in verdicts


@pytest.mark.parametrize("code", ["CDR", "OPENAPI"])
@pytest.mark.parametrize("kind", KINDS)
def test_null_in_each_field(generated: Generated, schemas: BundleSchemas, code: str, kind: str) -> None:
    entity = generated.project.entity(code)
    assert entity is not None
    base = minimal(entity, kind)
    for field in fields_of(entity, kind):
        accepted = agree(generated, schemas, entity, kind, {**base, field.code: None})
        assert accepted == (not required_in(kind, field)), field.code


@pytest.mark.parametrize("code", ["CDR", "OPENAPI"])
@pytest.mark.parametrize("kind", KINDS)
def test_missing_required_fields(generated: Generated, schemas: BundleSchemas, code: str, kind: str) -> None:
    entity = generated.project.entity(code)
    assert entity is not None
    base = minimal(entity, kind)
    for code_ in base:
        assert not agree(generated, schemas, entity, kind, {k: v for k, v in base.items() if k != code_})
    assert kind != UPDATE or base == {}


@pytest.mark.parametrize("code", ["CDR", "OPENAPI"])
@pytest.mark.parametrize("kind", KINDS)
def test_unknown_keys(generated: Generated, schemas: BundleSchemas, code: str, kind: str) -> None:
    entity = generated.project.entity(code)
    assert entity is not None
    base = minimal(entity, kind)
    known = {f.code for f in fields_of(entity, kind)}
    # Attribute names are not JSON names; read-only fields are unknown to Create and Update.
    extras = {f.attribute for f in entity.fields} | {f.code for f in entity.fields} | {"addedByTenant", ""}
    for key in sorted(extras - known):
        assert agree(generated, schemas, entity, kind, {**base, key: 1}) == (kind == RECORD), key


@pytest.mark.parametrize("document", [[], "x", 1, 1.5, True, None, [{"name": "x"}]])
@pytest.mark.parametrize("kind", KINDS)
def test_documents_that_are_not_objects(generated: Generated, schemas: BundleSchemas, kind: str, document: Any) -> None:
    for entity in generated.project.entities:
        assert not agree(generated, schemas, entity, kind, document)


@pytest.mark.parametrize("code", ["CDR", "OPENAPI"])
@pytest.mark.parametrize("kind", KINDS)
def test_any_json_in_any_field(generated: Generated, schemas: BundleSchemas, code: str, kind: str) -> None:
    entity = generated.project.entity(code)
    assert entity is not None
    fields = fields_of(entity, kind)

    @FUZZ
    @given(valid_documents(entity, kind), st.sampled_from([f.code for f in fields]), json_values)
    def check(document: dict[str, Any], code_: str, value: Any) -> None:
        agree(generated, schemas, entity, kind, {**document, code_: value})

    check()


def test_enum_components_accept_what_the_enum_classes_accept(generated: Generated, schemas: BundleSchemas) -> None:
    for entity in generated.project.entities:
        module = getattr(generated.package, entity.module)
        for enum in entity.enums:
            adapter = pydantic.TypeAdapter(getattr(module, enum.name))
            ids = [m.option_id for m in enum.members]
            values = PROBES + [str(i) for i in ids] + ids + [float(i) for i in ids] + [max(ids) + 1, str(min(ids) - 1)]
            verdicts = [assert_agree(schemas, enum_component(entity, enum), adapter.validate_json, v) for v in values]
            # JSON carries the ids as strings, and only those are taken: never 1 or 1.0.
            accepted = {json.dumps(v) for v, verdict in zip(values, verdicts, strict=True) if verdict}
            assert accepted == {json.dumps(str(i)) for i in ids}


def test_create_request_is_the_envelope_beside_the_create_fields(generated: Generated, schemas: BundleSchemas) -> None:
    for entity in generated.project.entities:
        cls = class_of(generated, entity, CREATE)
        request = schemas.component(f"{entity.code}CreateRequest")
        base = minimal(entity, CREATE)
        payload = cls.model_validate_json(encode(base)).to_payload("sub-1")  # type: ignore[attr-defined]
        assert request.is_valid(payload)
        envelope = {k: payload[k] for k in ("entity", "level", "comboKey")}
        for field in fields_of(entity, CREATE):
            for value in PROBES:
                body = {**base, field.code: value}
                accepted = assert_agree(schemas, entity.create_class, cls.model_validate_json, body)
                assert request.is_valid({**envelope, **body}) == accepted
        for key, value in [
            ("entity", "OTHER"),
            ("entity", None),
            ("level", entity.level + 1),
            ("level", str(entity.level)),
            ("comboKey", "SUB:|ENT:"),
            ("comboKey", "SUB:a|b|ENT:"),
            ("comboKey", "SUB:a|ENT:\n"),
            ("comboKey", "sub:a|ENT:"),
            ("comboKey", "SUB:a|ENT:x"),
        ]:
            assert not request.is_valid({**payload, key: value}), (key, value)
        for key in envelope:
            assert not request.is_valid({k: v for k, v in payload.items() if k != key})
        assert request.is_valid({**payload, "comboKey": "SUB:\U0001f600 x|ENT:"})


def test_the_create_call_takes_every_entity_told_apart_by_entity(generated: Generated, schemas: BundleSchemas) -> None:
    body = schemas.validator("/paths/~1v1~1objects/post/requestBody/content/application~1json/schema")
    for entity in generated.project.entities:
        cls = class_of(generated, entity, CREATE)
        payload = cls.model_validate_json(encode(minimal(entity, CREATE))).to_payload("s")  # type: ignore[attr-defined]
        assert body.is_valid(payload)
        assert not body.is_valid({**payload, "entity": "NOPE"})
        assert not body.is_valid({**payload, "unknownKey": 1})


def test_list_page_holds_records(generated: Generated, schemas: BundleSchemas) -> None:
    for entity in generated.project.entities:
        page = schemas.component(f"{entity.code}List")
        record = minimal(entity, RECORD)
        assert page.is_valid({"items": [record, record], "next": "https://example.invalid/next"})
        assert page.is_valid({"items": [], "next": None})
        assert not page.is_valid({"items": [{}]})
        assert not page.is_valid({"next": None})


def test_every_component_is_a_valid_draft_2020_12_schema(generated: Generated) -> None:
    from jsonschema.validators import Draft202012Validator

    for path in generated.files:
        if path.startswith("openapi/"):
            for schema in generated.document(path)["components"]["schemas"].values():
                Draft202012Validator.check_schema(schema)


def test_the_fragments_say_what_the_bundle_says(generated: Generated, tmp_path: Path) -> None:
    bundle = generated.document("openapi/openapi.yaml")["components"]["schemas"]
    for path, name in [("openapi/cdr.yaml", "CDR"), ("openapi/openapi.entity.yaml", "OPENAPI")]:
        fragment = generated.document(path)["components"]["schemas"]
        assert any(key.startswith(name) for key in fragment)
        for key, schema in fragment.items():
            assert bundle[key] == schema, key
