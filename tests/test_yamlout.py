"""The canonical YAML writer: every string and value reads back exactly, in a stable form."""

from __future__ import annotations

import subprocess
import sys

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.yamlout import (
    Chunk,
    Entries,
    chunk_store,
    dump_yaml,
    escape_double_quoted,
)
from generator.yamlout_reference import dump_yaml_reference
from generator.yamlout_writer import _RESOLVERS, _implicit_tag
from tests.conftest import ROOT

CASES = ROOT / "tests" / "cases"

AWKWARD = [
    "",
    " ",
    "plain text",
    "line\u2028separator",
    "paragraph\u2029separator",
    "next\x85line",
    "nul\x00byte",
    "lone\rcarriage return",
    "crlf\r\nline",
    "\ufeffbyte order mark",
    "tab\there",
    "\tleading tab",
    "trailing spaces   ",
    "   leading spaces",
    "trailing newline\n",
    "two trailing newlines\n\n",
    "\n",
    "\n\nleading newlines",
    " \n space then newline",
    "space before newline \nnext",
    "line one\nline two",
    "  indented first line\nsecond",
    "x" * 5000,
    " ".join(["word"] * 2000),
    "é ü 日本語 emoji \U0001f600",
    "non\xa0breaking space",
    "zero\u200bwidth",
    "lone surrogate \ud800",
    "private \ue000 use",
    "noncharacter \uffff",
    '"quoted"',
    "'single'",
    "back\\slash",
    "key: value",
    "# not a comment",
    "- not a list",
    "? not a key",
    "&anchor",
    "*alias",
    "!tag",
    "%directive",
    "@at",
    "`backtick",
    "{flow}",
    "[flow]",
    "a, b",
    "|",
    ">",
    "---",
    "...",
    "~",
    "null",
    "Null",
    "true",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "1",
    "-1",
    "+1",
    "1.5",
    "1e5",
    "1E-5",
    ".5",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "1:20",
    ".inf",
    "-.Inf",
    ".NaN",
    "2024-05-01",
    "2024-05-01T12:30:00Z",
    "=",
    "<<",
]

# Every code point class: controls, separators, surrogates, astral characters.
any_text = st.text(st.characters(codec=None, categories=None), max_size=60)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text | st.sampled_from(AWKWARD)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text | st.sampled_from(AWKWARD), inner, max_size=4),
    max_leaves=20,
)


def roundtrip(data: object) -> object:
    return yaml.safe_load(dump_yaml(data))


def test_awkward_strings_read_back_exactly_as_values_and_keys() -> None:
    for text in AWKWARD:
        assert roundtrip({"value": text}) == {"value": text}, repr(text)
        assert roundtrip({text: 1}) == {text: 1}, repr(text)
        assert roundtrip([text, {"nested": [text]}]) == [text, {"nested": [text]}], repr(text)
        assert roundtrip(text) == text, repr(text)


@settings(max_examples=400)
@given(documents)
def test_any_document_reads_back_exactly(data: object) -> None:
    assert roundtrip(data) == data


@settings(max_examples=200)
@given(documents)
def test_output_holds_only_printable_characters_and_line_feeds(data: object) -> None:
    text = dump_yaml(data)
    assert all(char == "\n" or char.isprintable() for char in text), repr(text)


def test_invisible_characters_are_escaped_in_double_quotes() -> None:
    out = dump_yaml({"a": "x\u2028y\x85z\x00\ufeff\t\r"})
    assert out == 'a: "x\\Ly\\Nz\\0\\uFEFF\\t\\r"\n'
    assert escape_double_quoted("\x01\U0001d11e\ud800") == '"\\x01\U0001d11e\\uD800"'


def test_block_style_in_the_given_key_order_with_indented_lists() -> None:
    data = {"zeta": 1, "alpha": [{"b": True, "a": None}, "two"], "mid": {"x": 1.5, "y": []}, "e": {}}
    assert dump_yaml(data) == ("zeta: 1\nalpha:\n  - b: true\n    a: null\n  - two\nmid:\n  x: 1.5\n  y: []\ne: {}\n")


def test_multiline_text_is_a_literal_block_and_numbers_look_like_strings_are_quoted() -> None:
    assert dump_yaml({"notes": "one\ntwo\n"}) == "notes: |\n  one\n  two\n"
    assert dump_yaml({"notes": "one\ntwo"}) == "notes: |-\n  one\n  two\n"
    assert dump_yaml(["1", "1e5", "0o17", "yes", "Voice"]) == '- "1"\n- "1e5"\n- "0o17"\n- "yes"\n- Voice\n'


def test_long_strings_stay_on_one_line() -> None:
    text = " ".join(["word"] * 100)
    assert dump_yaml({"k": text}) == f"k: {text}\n"


def test_shared_objects_are_repeated_not_anchored() -> None:
    shared = {"type": "string"}
    out = dump_yaml({"a": shared, "b": shared})
    assert "&" not in out and "*" not in out
    assert yaml.safe_load(out) == {"a": shared, "b": shared}


def test_output_does_not_depend_on_the_hash_seed() -> None:
    program = (
        "from generator.yamlout import dump_yaml;"
        "print(dump_yaml({'s': sorted({'b', 'a', 'c'}), 'k': {'x': 1, 'y': 'two\\nlines'}}), end='')"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", program], env={"PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True
        ).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1


# --- The fast writer against the reference (PyYAML's emitter): the same bytes, always. ---------

# Strings that steer PyYAML's choices: indicators, resolvers, breaks, spaces, the key length limit.
STEERING = [
    *AWKWARD,
    "a\n\n",
    "a\n\n\n",
    "\n\n",
    " \n",
    "x\n",
    "\nx",
    "a\n b",
    "a \nb",
    "a\n  \nb\n",
    "a\n\u2028b",
    "a\n\x85",
    "- x",
    "-x",
    "-",
    ":",
    ":x",
    "x:",
    "x:y",
    "x: y",
    "a #b",
    "a#b",
    "#",
    "?",
    "? x",
    "?x",
    "a,b",
    "[x",
    "x]",
    "---x",
    "...x",
    "--",
    "1.0e+17",
    "1_0",
    "0b1",
    "1:2:3.5",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "=x",
    "<<x",
    "!",
    "&",
    "*",
    "Yes",
    "OFF",
    "a" * 121,
    "a" * 122,
    "a" * 123,
    "a" * 124,
    "é" * 123,
    "x\n" * 70,
]
steering_text = st.sampled_from(STEERING)
# Text built from the characters that matter to the emitter, so that combinations come up often.
emitter_text = st.text(
    st.sampled_from(list("aZ09 -:#?,[]{}'\"\\!&*|>%@`.~=<+_\n\t\r\x00\x85\xa0\u2028\ufeff\U0001f600é")), max_size=12
)
long_text = st.builds(lambda t, n: t * n, st.sampled_from(["a", "a b", "é", "x\n", "-", "1"]), st.integers(100, 140))
texts = any_text | steering_text | emitter_text | long_text
numbers = st.integers() | st.floats() | st.sampled_from([1e17, -1e-5, 1e300 * 10, -0.0, 5e-324, 1.5e16])
leaves = st.none() | st.booleans() | numbers | texts
keys = texts | st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
trees = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple) | st.dictionaries(keys, inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=1500, deadline=None)
@given(trees)
def test_fast_writer_writes_exactly_what_the_reference_writes(data: object) -> None:
    assert dump_yaml(data) == dump_yaml_reference(data)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_every_steering_string_as_root_value_key_and_list_item(text: str) -> None:
    for data in (text, {"v": text}, {text: 1}, {text: {text: [text]}}, [text, [text]], {"a": {text: text}}, {text: []}):
        assert dump_yaml(data) == dump_yaml_reference(data), repr(data)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(list("0123456789-+._:eExXbBoOinfaINFtTyYnNlL~<=!&* \t")), max_size=12))
def test_the_resolver_table_is_pyyaml_s(text: str) -> None:
    expected = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
    assert _implicit_tag(text) == expected


def test_the_resolver_table_lists_pyyaml_s_tags_by_first_character() -> None:
    ours = {first: [tag for tag, _ in entries] for first, entries in _RESOLVERS.items()}
    theirs = {
        first: [tag for tag, _ in entries] for first, entries in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }
    assert ours == theirs


def test_steering_strings_in_every_position() -> None:
    for text in STEERING:
        for data in (
            text,
            {"v": text},
            {text: 1},
            [text, {"nested": [text]}],
            {"a": [{text: text, "b": text}]},
            [[text]],
        ):
            assert dump_yaml(data) == dump_yaml_reference(data), repr(data)


def test_values_the_fast_writer_does_not_know_go_to_the_reference() -> None:
    class Text(str):
        pass

    for data in ({"a": Text("x")}, {("t", 1): 1}, {"s": {1, 2}}, {"b": b"bytes"}):
        try:
            expected: object = dump_yaml_reference(data)
        except yaml.YAMLError as error:
            expected = type(error)
        try:
            actual: object = dump_yaml(data)
        except yaml.YAMLError as error:
            actual = type(error)
        assert actual == expected


def test_the_generated_documents_are_the_reference_s() -> None:
    from generator.build import build_project
    from generator.config import load_config
    from generator.pipeline import load_definitions
    from generator.targets.openapi import document

    cases = [case for case in sorted(CASES.iterdir()) if (case / "expected").is_dir()]
    assert cases
    for folder in [ROOT, *cases]:
        config = load_config(folder)
        project = build_project(load_definitions(folder / "definitions", lambda p: p.name), config.pins, config.api)
        api = project.api
        for data in [document(project.entities, "all", api), *(document([e], e.code, api) for e in project.entities)]:
            assert dump_yaml(data) == dump_yaml_reference(data), folder


# --- Chunks: a document of Entries writes what its merged dicts write, with a store or without. ---


class _Store:
    """A chunk store keyed like dfgen's: label, owner, indent."""

    def __init__(self) -> None:
        self.texts: dict[tuple[str, int, int], object] = {}

    def get(self, chunk: Chunk, indent: int):  # type: ignore[no-untyped-def]
        return self.texts.get((chunk.label, id(chunk.owner), indent))

    def put(self, chunk: Chunk, indent: int, serialised) -> None:  # type: ignore[no-untyped-def]
        self.texts[(chunk.label, id(chunk.owner), indent)] = serialised


def _merged(data: object) -> object:
    if isinstance(data, Entries):
        return {k: _merged(v) for k, v in data.merged().items()}
    if isinstance(data, dict):
        return {k: _merged(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_merged(v) for v in data)
    return data


class _Owner:
    def __init__(self, entries: dict) -> None:  # type: ignore[type-arg]
        self.entries = entries


@st.composite
def _entries(draw, inner):  # type: ignore[no-untyped-def]
    parts = []
    for part in draw(st.lists(st.dictionaries(keys, inner, max_size=3), max_size=4)):
        if draw(st.booleans()):
            parts.append(Chunk(draw(st.sampled_from(["a", "b"])), _Owner(part), lambda owner: owner.entries))
        else:
            parts.append(part)
    return Entries(*parts)


chunked = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3) | _entries(inner),
    max_leaves=25,
)


@settings(max_examples=800, deadline=None)
@given(chunked)
def test_entries_write_their_merged_dict_with_and_without_a_chunk_store(data: object) -> None:
    expected = dump_yaml_reference(_merged(data))
    assert dump_yaml(data) == expected
    store = _Store()
    with chunk_store(store):
        assert dump_yaml(data) == expected
        # The second time, every chunk written at the start of a line comes from the store.
        assert dump_yaml(data) == expected


def test_a_stored_chunk_is_reused_whatever_came_before_it() -> None:
    owner = _Owner({"k": "x\n\n", "j": [1, {}]})
    store = _Store()
    with chunk_store(store):
        first = dump_yaml({"a": Entries({"before": "plain"}, Chunk("c", owner, lambda o: o.entries))})
        assert len(store.texts) == 1
        # After a literal block kept with |+ the line is already broken: the same text follows.
        second = dump_yaml({"a": Entries({"before": "x\n\n"}, Chunk("c", owner, lambda o: o.entries))})
        third = dump_yaml([Entries(Chunk("c", owner, lambda o: o.entries))])
    assert first == dump_yaml_reference({"a": {"before": "plain", **owner.entries}})
    assert second == dump_yaml_reference({"a": {"before": "x\n\n", **owner.entries}})
    assert third == dump_yaml_reference([owner.entries])


def test_a_key_in_two_parts_is_merged_as_dict_update_merges_it() -> None:
    owner = _Owner({"b": 2, "a": 3})
    data = {"m": Entries({"a": 1}, Chunk("c", owner, lambda o: o.entries))}
    store = _Store()
    with chunk_store(store):
        assert dump_yaml(data) == "m:\n  a: 3\n  b: 2\n"
