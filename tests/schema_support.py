"""The agreement test's tools: YAML as an editor reads it, the schema with ECMA regexes, and both verdicts."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import regress
from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.validators import extend

from generator.definitions.load import Mapping, Node, Scalar, from_json, parse_yaml
from generator.definitions.schema import definition_schema
from generator.definitions.validate import validate_definition
from generator.diagnostics import InputError

# YAML 1.2's core schema (yaml.org/spec/1.2.2, 10.3.2), which editors apply: what a plain scalar is as data.
_NULL = re.compile(r"(?:~|null|Null|NULL|)\Z")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"([-+]?)\.(?:inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)\Z")


def yaml12(text: str) -> Any:
    """A plain scalar's value under the YAML 1.2 core schema."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text)
    if re.match(r"0o[0-7]+\Z", text):
        return int(text[2:], 8)
    if re.match(r"0x[0-9a-fA-F]+\Z", text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if inf := _INF.match(text):
        return -math.inf if inf.group(1) == "-" else math.inf
    return math.nan if _NAN.match(text) else text


def as_data(node: Node) -> Any:
    """The JSON data an editor validates: the located tree, scalars resolved as YAML 1.2 does."""
    if isinstance(node, Mapping):
        return {key: as_data(value) for key, _, value in node.entries}
    if isinstance(node, Scalar):
        return yaml12(node.value) if node.from_yaml and node.plain else node.value
    return [as_data(item) for item in node.items]


@functools.cache
def _ecma(pattern: str) -> regress.Regex:
    return regress.Regex(pattern, "u")


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[jsonschema.ValidationError]:
    # Editors run ECMA-262 regexes; Python's re (jsonschema's default) lets `$` match before a final newline.
    if validator.is_type(instance, "string") and _ecma(pattern).find(instance) is None:
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = extend(Draft202012Validator, {"pattern": _ecma_pattern})
VALIDATORS = {
    api: EcmaValidator(definition_schema(api), format_checker=Draft202012Validator.FORMAT_CHECKER)
    for api in (False, True)
}
# The YAML language server checks schemas against draft 7 and applies draft 7's keywords: the same verdicts.
DRAFT7 = {
    api: extend(Draft7Validator, {"pattern": _ecma_pattern})(
        definition_schema(api), format_checker=Draft7Validator.FORMAT_CHECKER
    )
    for api in (False, True)
}


def _integral(quoted: str) -> bool:
    value = yaml12(quoted)
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value == int(value)
    )


def _not_finite(quoted: str) -> bool:
    value = yaml12(quoted)
    return isinstance(value, float) and not math.isfinite(value)


def dfgen_only(message: str) -> bool:
    """Whether a problem is one the doc lists as checked by dfgen, not by the schema."""
    if re.search(
        r"duplicate field code|duplicate option id|min \S+ is above max|at most 100 digits|lone surrogate", message
    ):
        return True
    # Where YAML's data is the same for two spellings, JSON Schema cannot tell which one was written.
    # JSON's 1.0 is an integer to JSON Schema, and Python's JSON reader takes Infinity and NaN.
    if re.search(r"expected (an integer|a finite number), got a number\Z", message):
        return True
    if found := re.search(r"expected an integer, got '(.*)'\Z", message):
        return _integral(found.group(1))
    if found := re.search(r"expected a finite number, got '(.*)'\Z", message):
        return _integral(found.group(1)) or _not_finite(found.group(1))
    return bool(re.search(r"'(?:true|True|false|False)' is not an entity code", message))


def verdicts(document: str | Any) -> tuple[list[str], list[str]]:
    """What the schema and dfgen's validator say of one definition: YAML text (a file) or JSON data (the API)."""
    api = not isinstance(document, str)
    if api:
        node, data = from_json(document, "api"), document
    else:
        node = parse_yaml(document, "t.yaml")
        data = as_data(node)
    schema_errors = [e.message for e in VALIDATORS[api].iter_errors(data)]
    assert DRAFT7[api].is_valid(data) == (not schema_errors), f"draft 7 and 2020-12 differ on {data!r}"
    try:
        validate_definition(node, "t.yaml", allow_envelope=api)
        return schema_errors, []
    except InputError as error:
        return schema_errors, [d.message for d in error.diagnostics]


def assert_agree(document: str | Any) -> tuple[bool, bool]:
    """Schema refuses => dfgen refuses; dfgen refuses => schema refuses, unless only for dfgen-only rules."""
    schema_errors, dfgen_errors = verdicts(document)
    assert not schema_errors or dfgen_errors, f"only the schema refuses {document!r}: {schema_errors}"
    if dfgen_errors and not schema_errors:
        assert all(dfgen_only(m) for m in dfgen_errors), f"only dfgen refuses {document!r}: {dfgen_errors}"
    return not schema_errors, not dfgen_errors
