"""The generated CDR models obey every wire rule of spec section 4, on real records."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest
from pydantic import ValidationError

REQUIRED = ["name", "callType", "direction", "callStatus", "callingNumber", "calledNumber", "startTime", "endTime"]
READ_ONLY = ["name", "duration", "fraudScore", "qualityScore"]

ENVELOPE = {"id": "7f3c2a", "entity": "CDR", "level": 320, "comboKey": "SUB:abc|ENT:"}
RECORD: dict[str, Any] = {
    **ENVELOPE,
    "name": "CDR-000123",
    "callId": "a84b4c76e66710@pc33.example.com",
    "sessionId": "1-2-3",
    "callType": "1",
    "direction": "2",
    "callStatus": "1",
    "callingNumber": "+441632960001",
    "calledNumber": "+441632960002",
    "startTime": "2024-05-01T12:00:00Z",
    "answerTime": "2024-05-01T12:00:04.250+00:00",
    "endTime": "2024-05-01T12:03:00+02:00",
    "duration": 16,
    "billableDuration": 16.5,
    "transitSwitches": "SW1\nSW2",
    "originatingLAC": "0x1A2B",
    "roamingIndicator": False,
    "internationalCall": True,
    "codec": "5",
    "mos": 4.5,
    "packetLoss": 0,
    "q850Cause": 16,
    "currency": "EUR",
    "rateType": "2",
    "fraudScore": 12,
    "fraudIndicators": ["velocity", "new-device"],
    "qualityScore": 87.5,
    "customerExperience": "1",
    "tags": ["vip"],
}

CREATE = {k: v for k, v in RECORD.items() if k not in ("duration", "fraudScore", "qualityScore", *ENVELOPE)}


def test_record_reads_a_real_record_and_writes_it_back_unchanged(cdr_models: ModuleType) -> None:
    record = cdr_models.CDR.model_validate_json(json.dumps(RECORD))
    assert record.call_type is cdr_models.CallType.VOICE
    assert record.codec is cdr_models.Codec.AMR_WB
    dumped = record.model_dump(mode="json", exclude_none=True)
    # Datetimes stay ISO 8601; UTC is written as Z.
    assert dumped == {**RECORD, "answerTime": "2024-05-01T12:00:04.250000Z"}


def test_numbers_keep_their_json_form(cdr_models: ModuleType) -> None:
    record = cdr_models.CDR.model_validate_json(json.dumps(RECORD))
    assert type(record.duration) is int and record.duration == 16
    assert type(record.billable_duration) is float and record.billable_duration == 16.5
    text = record.model_dump_json()
    assert '"duration":16,' in text and '"mos":4.5,' in text and '"qualityScore":87.5' in text


def test_a_record_needs_only_its_id_and_takes_null_anywhere(cdr_models: ModuleType) -> None:
    fields = cdr_models.CDR.model_fields
    assert [f.validation_alias for f in fields.values() if f.is_required()] == ["id"]
    assert all(f.default is None for name, f in fields.items() if not f.is_required() and name != "entity")
    # A record written before a field was made required lacks it; one may hold null for it.
    bare = cdr_models.CDR.model_validate_json(json.dumps({"id": "1"}))
    assert bare.id == "1" and bare.name is None and bare.entity == "CDR"
    # The entity key names the record's entity: another's record, or null there, is not a CDR.
    for other in ("TICKET", None):
        with pytest.raises(ValidationError, match="entity"):
            cdr_models.CDR.model_validate_json(json.dumps({"id": "1", "entity": other}))
    nulls = cdr_models.CDR.model_validate_json(json.dumps({**RECORD, **dict.fromkeys(REQUIRED)}))
    assert nulls.call_type is None and nulls.id == RECORD["id"] and nulls.mos == 4.5
    with pytest.raises(ValidationError, match="id"):
        cdr_models.CDR.model_validate_json(json.dumps({k: v for k, v in RECORD.items() if k != "id"}))
    with pytest.raises(ValidationError, match="id"):
        cdr_models.CDR.model_validate_json(json.dumps({**RECORD, "id": 7}))


def test_creates_require_the_required_fields(cdr_models: ModuleType) -> None:
    fields = cdr_models.CDRCreate.model_fields
    assert sorted(f.validation_alias for f in fields.values() if f.is_required()) == sorted(REQUIRED)
    for key in REQUIRED:
        with pytest.raises(ValidationError, match=key):
            cdr_models.CDRCreate.model_validate_json(json.dumps({k: v for k, v in CREATE.items() if k != key}))
        with pytest.raises(ValidationError, match=key):
            cdr_models.CDRCreate.model_validate_json(json.dumps({**CREATE, key: None}))


def test_the_record_keeps_the_id_and_the_envelope(cdr_models: ModuleType) -> None:
    record = cdr_models.CDR.model_validate_json(json.dumps(RECORD))
    assert (record.id, record.entity, record.level, record.combo_key) == ("7f3c2a", "CDR", 320, "SUB:abc|ENT:")
    # What a program read is what it needs to update, de-duplicate or fill a reference with.
    assert {k: v for k, v in record.model_dump(exclude_none=True).items() if k in ENVELOPE} == ENVELOPE


def test_create_and_update_field_sets(cdr_models: ModuleType) -> None:
    def aliases(cls: Any) -> set[str]:
        return {f.validation_alias for f in cls.model_fields.values()}

    every = aliases(cdr_models.CDR) - set(ENVELOPE)
    assert len(every) == 63
    # Read-only fields stay out of creates, except those also required (set once: name).
    assert aliases(cdr_models.CDRCreate) == every - {"duration", "fraudScore", "qualityScore"}
    assert aliases(cdr_models.CDRUpdate) == every - set(READ_ONLY)
    assert not any(f.is_required() for f in cdr_models.CDRUpdate.model_fields.values())


def test_enum_classes_members_values_and_labels(cdr_models: ModuleType) -> None:
    names = [
        "CallType",
        "Direction",
        "CallStatus",
        "Codec",
        "Protocol",
        "RateType",
        "BillingClass",
        "CustomerExperience",
    ]
    for name in names:
        assert issubclass(getattr(cdr_models, name), str)
    assert cdr_models.CallStatus.NO_ANSWER.value == "2"
    assert cdr_models.CallStatus.NO_ANSWER.label == "No Answer"
    assert cdr_models.Codec.G_711.value == "1" and cdr_models.Codec.G_711.label == "G.711"
    assert cdr_models.Codec.AMR_WB.label == "AMR-WB"
    assert cdr_models.RateType.OFF_PEAK.label == "Off-Peak"
    assert cdr_models.Protocol.H_323.value == "2"
    # An int id is accepted for its string form from Python; JSON carries strings only, as the OpenAPI says.
    assert cdr_models.CallType(1) is cdr_models.CallType.VOICE
    create = cdr_models.CDRCreate.model_validate({**CREATE, "callType": 3})
    assert create.call_type is cdr_models.CallType.SMS
    assert create.to_payload("s")["callType"] == "3"
    with pytest.raises(ValidationError, match="valid string"):
        cdr_models.CDRCreate.model_validate_json(json.dumps({**CREATE, "callType": 3}))


def test_titles_and_descriptions_come_from_labels_and_notes(cdr_models: ModuleType) -> None:
    schema = cdr_models.CDR.model_json_schema(by_alias=True)["properties"]
    assert schema["callingNumber"]["title"] == "Calling Number (A-Number)"
    assert schema["mos"]["description"] == "Mean Opinion Score (1-5)"
    assert schema["name"]["description"] == "Unique identifier for this CDR"
    # A field without a label gets one from its code.
    assert schema["originatingLAC"]["title"] == "Originating LAC"
    assert schema["packetLoss"]["title"] == "Packet Loss (%)"


def test_python_names_are_snake_case_with_api_aliases(cdr_models: ModuleType) -> None:
    fields = cdr_models.CDR.model_fields
    assert fields["call_type"].validation_alias == "callType"
    assert fields["originating_lac"].validation_alias == "originatingLAC"
    assert fields["q850_cause"].validation_alias == "q850Cause"
    assert fields["rtp_packets_sent"].serialization_alias == "rtpPacketsSent"


def test_input_under_either_name_output_under_api_names(cdr_models: ModuleType) -> None:
    by_attribute = cdr_models.CDRCreate(
        name="CDR-1",
        call_type=cdr_models.CallType.VOICE,
        direction="1",
        call_status=2,
        calling_number="+1",
        called_number="+2",
        start_time="2024-05-01T12:00:00Z",
        end_time="2024-05-01T12:01:00Z",
        q850_cause=16,
    )
    by_alias = cdr_models.CDRCreate(
        **{
            "name": "CDR-1",
            "callType": "1",
            "direction": "1",
            "callStatus": "2",
            "callingNumber": "+1",
            "calledNumber": "+2",
            "startTime": "2024-05-01T12:00:00Z",
            "endTime": "2024-05-01T12:01:00Z",
            "q850Cause": 16,
        }
    )
    assert by_attribute == by_alias
    dumped = by_attribute.model_dump(exclude_none=True)
    assert "callType" in dumped and "call_type" not in dumped and dumped["q850Cause"] == 16
    assert '"callStatus":"2"' in by_attribute.model_dump_json()


def test_json_uses_the_api_names_only(cdr_models: ModuleType) -> None:
    snake = {("call_type" if k == "callType" else k): v for k, v in CREATE.items()}
    with pytest.raises(ValidationError):
        cdr_models.CDRCreate.model_validate_json(json.dumps(snake))


def test_reads_are_tolerant(cdr_models: ModuleType) -> None:
    changed = {**RECORD, "callType": "42", "codec": 77, "tags": ["a"], "addedByTenant": {"x": 1}}
    record = cdr_models.CDR.model_validate_json(json.dumps(changed))
    assert record.call_type == "42" and not isinstance(record.call_type, cdr_models.CallType)
    out = json.loads(record.model_dump_json(exclude_none=True))
    assert out["callType"] == "42" and out["codec"] == 77
    assert "addedByTenant" not in out


@pytest.mark.parametrize("cls", ["CDRCreate", "CDRUpdate"])
def test_writes_are_strict(cdr_models: ModuleType, cls: str) -> None:
    model = getattr(cdr_models, cls)
    body = CREATE if cls == "CDRCreate" else {"callType": "1"}
    if cls == "CDRUpdate":
        assert model.model_validate_json(json.dumps(body)).call_type is cdr_models.CallType.VOICE
    for bad in ({**body, "callType": "42"}, {**body, "callTyp": "1"}, {**body, "duration": 5}):
        with pytest.raises(ValidationError):
            model.model_validate_json(json.dumps(bad))
    with pytest.raises(ValidationError):
        model(**{**body, "unknownField": 1})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("mos", "4"),
        ("mos", True),
        ("roamingIndicator", 1),
        ("roamingIndicator", "true"),
        ("startTime", 1714564800),
        ("startTime", "2024-05-01"),
        ("startTime", "2024-05-01T12:00:00"),
        ("callingNumber", 441632960001),
        ("tags", "vip"),
        ("tags", [1]),
        ("id", None),
    ],
)
def test_values_of_the_wrong_kind_are_refused(cdr_models: ModuleType, key: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        cdr_models.CDR.model_validate_json(json.dumps({**RECORD, key: value}))


@pytest.mark.parametrize(("key", "value"), [("mos", 6), ("mos", 0.5), ("packetLoss", -1), ("fraudScore", 101)])
def test_bounds_hold_for_writes_and_not_for_reads(cdr_models: ModuleType, key: str, value: Any) -> None:
    # The platform keeps values written under older bounds; a read must not refuse them.
    record = cdr_models.CDR.model_validate_json(json.dumps({**RECORD, key: value}))
    assert record.model_dump(mode="json")[key] == value
    if key in CREATE:
        with pytest.raises(ValidationError, match="expected a number"):
            cdr_models.CDRCreate.model_validate_json(json.dumps({**CREATE, key: value}))
        with pytest.raises(ValidationError, match="expected a number"):
            cdr_models.CDRUpdate(**{key: value})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("mos", 6, "expected a number from 1 to 5"),
        ("mos", 0.999, "expected a number from 1 to 5"),
        ("mos", "4", "expected a number from 1 to 5"),
        ("duration", "16", "expected a finite number"),
        ("duration", True, "expected a finite number"),
    ],
)
def test_a_refused_number_says_what_was_expected(cdr_models: ModuleType, key: str, value: Any, message: str) -> None:
    model = cdr_models.CDR if key == "duration" else cdr_models.CDRCreate
    with pytest.raises(ValidationError) as refused:
        model.model_validate_json(json.dumps({**(RECORD if key == "duration" else CREATE), key: value}))
    [error] = refused.value.errors()
    assert error["loc"] == (key,) and error["msg"] == message


def test_bounded_numbers_keep_their_form_and_bounds(cdr_models: ModuleType) -> None:
    create = cdr_models.CDRCreate.model_validate_json(json.dumps({**CREATE, "mos": 1, "packetLoss": 100.0}))
    assert type(create.mos) is int and create.mos == 1
    assert type(create.packet_loss) is float and create.packet_loss == 100.0
    schema = cdr_models.CDRCreate.model_json_schema(by_alias=True)["properties"]["mos"]
    assert {"minimum": 1, "maximum": 5}.items() <= schema["anyOf"][0].items()
    record = cdr_models.CDR.model_json_schema(by_alias=True)["properties"]["mos"]
    assert "minimum" not in json.dumps(record) and "maximum" not in json.dumps(record)


def test_class_variables_and_payload(cdr_models: ModuleType) -> None:
    for cls in (cdr_models.CDR, cdr_models.CDRCreate, cdr_models.CDRUpdate, cdr_models.CDRList):
        assert cls.ENTITY_CODE == "CDR" and cls.ENTITY_LEVEL == 320
    create = cdr_models.CDRCreate.model_validate_json(json.dumps(CREATE))
    payload = create.to_payload("abc")
    assert list(payload)[:3] == ["entity", "level", "comboKey"]
    assert payload["entity"] == "CDR" and payload["level"] == 320 and payload["comboKey"] == "SUB:abc|ENT:"
    fields = {k: v for k, v in payload.items() if k not in ("entity", "level", "comboKey")}
    assert fields == {**CREATE, "answerTime": "2024-05-01T12:00:04.250000Z"}
    json.dumps(payload)  # the body is plain JSON
    with pytest.raises(ValueError):
        create.to_payload("a|b")


def test_the_package_exports_every_class(cdr_models: ModuleType) -> None:
    for name in ["CDR", "CDRCreate", "CDRUpdate", "CDRList", "Error", "CallType", "Codec", "CustomerExperience"]:
        assert name in cdr_models.__all__ and hasattr(cdr_models, name)


def test_python_input_takes_either_name_in_model_validate_too(cdr_models: ModuleType) -> None:
    names = {f.validation_alias: name for name, f in cdr_models.CDRCreate.model_fields.items()}
    by_attribute = {names[k]: v for k, v in CREATE.items()}
    assert "call_type" in by_attribute and "q850_cause" in by_attribute
    create = cdr_models.CDRCreate.model_validate(by_attribute)
    assert create == cdr_models.CDRCreate.model_validate(CREATE) == cdr_models.CDRCreate(**by_attribute)
    record = cdr_models.CDR.model_validate({"id": "1", "combo_key": "SUB:a|ENT:", "call_type": "2"})
    assert record.combo_key == "SUB:a|ENT:" and record.call_type is cdr_models.CallType.VIDEO
    # JSON reads the API's names only: a record's snake_case key is a key it does not know.
    assert cdr_models.CDR.model_validate_json('{"id": "1", "call_type": "2"}').call_type is None


def test_a_label_from_a_record_whatever_form_the_id_has(cdr_models: ModuleType) -> None:
    record = cdr_models.CDR.model_validate_json(json.dumps({**RECORD, "callType": "42", "codec": 5}))
    assert cdr_models.CallType.label_of(record.call_type) is None  # an option added since generation
    assert cdr_models.Codec.label_of(record.codec) == "AMR-WB"
    assert cdr_models.Direction.label_of(record.direction) == "Outbound"
    assert cdr_models.CallType.label_of(None) is None and cdr_models.CallType.label_of("1") == "Voice"
    assert cdr_models.CallType.label_of(1) == "Voice" and cdr_models.CallType.label_of(1.0) == "Voice"
    assert cdr_models.CallType.label_of(True) is None and cdr_models.CallType.label_of(1.5) is None


def test_a_list_page_and_an_error_body(cdr_models: ModuleType) -> None:
    page = {"items": [RECORD, {"id": "2", "callType": "99"}], "next": "https://tenant.example/api/next?page=2"}
    listing = cdr_models.CDRList.model_validate_json(json.dumps(page))
    assert [r.id for r in listing.items] == ["7f3c2a", "2"] and listing.next == page["next"]
    assert isinstance(listing.items[0], cdr_models.CDR) and listing.items[1].call_type == "99"
    last = cdr_models.CDRList.model_validate_json('{"items": [], "next": null}')
    assert last.items == [] and last.next is None
    with pytest.raises(ValidationError):
        cdr_models.CDRList.model_validate_json('{"next": null}')
    error = cdr_models.Error.model_validate_json('{"message": "Field required: name", "code": 400, "path": ["x"]}')
    assert error.message == "Field required: name"
    assert error.model_dump() == {"message": "Field required: name", "code": 400, "path": ["x"]}
    with pytest.raises(ValidationError):
        cdr_models.Error.model_validate_json('{"error": "no message"}')
