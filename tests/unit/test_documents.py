"""Documents (the OpenAPI) as indented JSON: every string reads back exactly, as JSON and as YAML."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from generator.targets.documents import dump_document

# Every code point a definition can hold (fetch refuses lone surrogates: a UTF-8 file cannot hold
# them); the line breaks and controls YAML readers treat specially are drawn often.
TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x85", "\u2028", "\u2029", "\ufeff", "\x7f", "\x9f", "\ufffe", "\t", "\r", "\0"]),
    ),
    max_size=20,
)
DATA = st.recursive(
    st.one_of(TEXT, st.integers(), st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=12,
)


def read_back(text: str) -> list[Any]:
    """The document as JSON, PyYAML (pure and libyaml) and ruamel.yaml (YAML 1.2) read it."""
    readers = [json.loads(text), yaml.load(text, Loader=yaml.SafeLoader)]
    if yaml.__with_libyaml__:
        readers.append(yaml.load(text, Loader=yaml.CSafeLoader))
    readers.append(YAML(typ="safe", pure=True).load(text))
    return readers


@settings(max_examples=300, deadline=None)
@given(DATA)
def test_every_value_reads_back_exactly(data: Any) -> None:
    text = dump_document({"document": data})
    for value in read_back(text):
        assert value == {"document": data}


def test_yaml_line_breaks_and_controls_are_escaped() -> None:
    text = dump_document({"s": "a\x85b\u2028c\u2029d\ufeffe\x7ff"})
    assert text == '{\n  "s": "a\\u0085b\\u2028c\\u2029d\\ufeffe\\u007ff"\n}\n'


def test_order_and_form() -> None:
    """Keys keep the order the builder gave them; text stays readable (no \\u escapes for letters)."""
    assert dump_document({"b": 1, "a": ["é", "日本"]}) == '{\n  "b": 1,\n  "a": [\n    "é",\n    "日本"\n  ]\n}\n'
