"""Building blocks shared by the generated DemandFlow models."""

import datetime
import enum
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, TypeVar

import pydantic

# validate_by_name and by_name are public from pydantic 2.11. Checked before
# pydantic-core is imported: pydantic 1 has none, and this says what to install.
if tuple(int(part) for part in re.findall(r"[0-9]+", pydantic.VERSION)[:2]) < (2, 11):
    raise ImportError(
        "the generated DemandFlow models need pydantic >= 2.11, "
        f"and pydantic {pydantic.VERSION} is installed: pip install 'pydantic>=2.11'"
    )

from pydantic_core import core_schema

Text = pydantic.StrictStr
Boolean = pydantic.StrictBool
Many = list

# Past 2**53 a float no longer holds every int: an int refused by the int side of a
# Number could round into the bounds of its float side. Such bounds are checked in
# Python, exactly.
_EXACT = 2**53


class Range:
    """The inclusive bounds of a Number (None: unbounded), checked in pydantic-core.

    An int stays an int and a float a float, as in the JSON; strings, booleans, NaN and
    infinities are refused. Bounds on a union would make pydantic call Python for every
    value: here each side of the union carries them.
    """

    def __init__(self, minimum: float | None, maximum: float | None) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def __get_pydantic_core_schema__(
        self, source: Any, handler: pydantic.GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        low, high = self.minimum, self.maximum
        if all(-_EXACT < bound < _EXACT for bound in (low, high) if bound is not None):
            number = _number(
                int_bounds={
                    "ge": None if low is None else math.ceil(low),
                    "le": None if high is None else math.floor(high),
                },
                float_bounds={
                    "ge": None if low is None else float(low),
                    "le": None if high is None else float(high),
                },
            )
        else:
            number = core_schema.no_info_after_validator_function(
                self._check, _number(int_bounds={}, float_bounds={})
            )
        return core_schema.custom_error_schema(
            number, custom_error_type="number", custom_error_message=self._expected()
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: pydantic.GetJsonSchemaHandler
    ) -> dict[str, Any]:
        json: dict[str, Any] = {"anyOf": [{"type": "integer"}, {"type": "number"}]}
        if self.minimum is not None:
            json["minimum"] = self.minimum
        if self.maximum is not None:
            json["maximum"] = self.maximum
        return json

    def _check(self, value: float) -> float:
        low, high = self.minimum, self.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(self._expected())
        return value

    def _expected(self) -> str:
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"expected a number from {low} to {high}"
        if low is not None:
            return f"expected a number of at least {low}"
        if high is not None:
            return f"expected a number of at most {high}"
        return "expected a finite number"


def _number(
    int_bounds: dict[str, Any], float_bounds: dict[str, Any]
) -> core_schema.CoreSchema:
    return core_schema.union_schema(
        [
            core_schema.int_schema(strict=True, **int_bounds),
            core_schema.float_schema(strict=True, allow_inf_nan=False, **float_bounds),
        ]
    )


# A number without bounds: what a record reads, whatever bounds the definition has now.
Number = Annotated[int | float, Range(None, None)]

# RFC 3339, the date-time of JSON Schema: a full date, "T", a time with seconds, and an
# offset. Not a space for the "T": JSON Schema's date-time, and so the OpenAPI schema,
# refuses one.
_RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


class _RFC3339DateTime:
    """An aware datetime from RFC 3339 text only, checked in pydantic-core."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: pydantic.GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        text = core_schema.chain_schema(
            [
                core_schema.custom_error_schema(
                    core_schema.str_schema(pattern=_RFC3339),
                    custom_error_type="rfc3339",
                    custom_error_message=(
                        "expected an RFC 3339 date-time with an offset, "
                        "such as 2024-05-01T12:30:00Z"
                    ),
                ),
                core_schema.datetime_schema(tz_constraint="aware"),
            ]
        )
        instance = core_schema.datetime_schema(strict=True, tz_constraint="aware")
        return core_schema.json_or_python_schema(
            json_schema=text, python_schema=core_schema.union_schema([instance, text])
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: pydantic.GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}


DateTime = Annotated[datetime.datetime, _RFC3339DateTime]


def _integral(value: object) -> object:
    """An id written 1.0 is the id 1, as JSON Schema's integer says."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class DemandFlowEnum(str, enum.Enum):
    """Option ids as strings ("1"), each with its label; from Python int ids (1) too."""

    @property
    def label(self) -> str:
        """The option's label as the tenant typed it."""
        labels: Mapping[str, str] = vars(type(self))["__labels__"]
        return labels[str.__str__(self)]

    @classmethod
    def label_of(cls, value: object) -> str | None:
        """The label of an option id as a record holds it (a member, "1" or 1).

        None for None and for an id this code does not know (an option added since).
        """
        member: object = None
        if isinstance(value, str):
            member = cls._value2member_map_.get(str.__str__(value))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            member = cls._missing_(value)
        return member.label if isinstance(member, cls) else None

    def __str__(self) -> str:
        return str.__str__(self)

    @classmethod
    def _missing_(cls, value: object) -> Any:
        value = _integral(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return cls._value2member_map_.get(str(value))
        return None

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: pydantic.GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # JSON carries ids as strings only, as the OpenAPI says; Python may pass 1.
        members = handler(source)
        return core_schema.json_or_python_schema(
            json_schema=core_schema.chain_schema(
                [core_schema.str_schema(strict=True), members]
            ),
            python_schema=members,
            metadata={"pydantic_js_functions": [lambda _, json: json(members)]},
        )


def _whole(value: float) -> float:
    if not value.is_integer():
        raise ValueError("an option id is a whole number")
    return value


WholeFloat = Annotated[pydantic.StrictFloat, pydantic.AfterValidator(_whole)]
_E = TypeVar("_E", bound=DemandFlowEnum)
# Reads keep an id the code does not know yet (a new option) instead of failing.
# An unknown id written 7.0 is kept as written: JSON Schema's integer accepts it too.
Tolerant = Annotated[
    _E | str | pydantic.StrictInt | WholeFloat,
    pydantic.Field(union_mode="left_to_right"),
]

_M = TypeVar("_M", bound="_Model")


class _Model(pydantic.BaseModel):
    """Python input takes either name; model_validate_json the API's names only."""

    model_config = pydantic.ConfigDict(
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        protected_namespaces=(),
    )

    ENTITY_CODE: ClassVar[str]
    ENTITY_LEVEL: ClassVar[int]

    @classmethod
    def model_validate_json(
        cls: type[_M], json_data: str | bytes | bytearray, **options: Any
    ) -> _M:
        """A model from JSON under the API's names, as the OpenAPI schema says."""
        options.setdefault("by_name", False)
        return super().model_validate_json(json_data, **options)


class Record(_Model):
    """A record as the API returns it: the object's id, the envelope keys when present.

    Every field of the entity may be absent or null, bounds are not checked and keys
    this code does not know are ignored: an administrator's change never breaks a read.
    """

    model_config = pydantic.ConfigDict(extra="ignore")

    id: Text = pydantic.Field(
        validation_alias="id",
        serialization_alias="id",
        title="Id",
        description="The object's id.",
    )
    entity: Text | None = pydantic.Field(
        default=None,
        validation_alias="entity",
        serialization_alias="entity",
        title="Entity",
        description="The entity code.",
    )
    level: pydantic.StrictInt | None = pydantic.Field(
        default=None,
        validation_alias="level",
        serialization_alias="level",
        title="Level",
        description="The entity level.",
    )
    combo_key: Text | None = pydantic.Field(
        default=None,
        validation_alias="comboKey",
        serialization_alias="comboKey",
        title="Combo Key",
        description="SUB:<subscription id>|ENT:",
    )


class Create(_Model):
    """The body of a create: unknown keys and unknown enum ids are refused."""

    model_config = pydantic.ConfigDict(extra="forbid")

    def to_payload(self, subscription_id: str) -> dict[str, Any]:
        """The exact JSON body of POST /v1/objects for the given subscription."""
        if not subscription_id or "|" in subscription_id:
            raise ValueError("subscription_id must be a non-empty id without '|'")
        body: dict[str, Any] = {
            "entity": self.ENTITY_CODE,
            "level": self.ENTITY_LEVEL,
            "comboKey": f"SUB:{subscription_id}|ENT:",
        }
        body.update(self.model_dump(mode="json", by_alias=True, exclude_none=True))
        return body


class Update(_Model):
    """The fields of an update: every editable field, optional; unknown keys refused."""

    model_config = pydantic.ConfigDict(extra="forbid")


class Page(_Model):
    """A page of a listing: `items` (declared per entity), the next page's URL."""

    model_config = pydantic.ConfigDict(extra="ignore")

    next: Text | None = pydantic.Field(
        default=None,
        title="Next",
        description="The URL of the next page, or null on the last.",
    )


class Error(pydantic.BaseModel):
    """An error body of the API: its message, and any other key it holds, kept."""

    model_config = pydantic.ConfigDict(extra="allow")

    message: Text = pydantic.Field(title="Message")
