"""What hostile definition input may cost: aliases, long text in messages, deep or huge JSON, one validator."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.definition import FieldType
from generator.diagnostics import MAX_QUOTED, Diagnostic, InputError, Location
from generator.load import MAX_DEPTH, MAX_NODES, MAX_TEXT, from_json, parse_yaml
from generator.validate import validate_definition

EXIT_BAD_INPUT = 2
# A run refused early needs a few dozen MiB; one that expands the aliases needs gigabytes.
MEMORY_LIMIT = 1024 * 1024 * 1024
# Far above what a refused run takes; only stops a run that went wrong from holding up the suite.
STOP_AFTER = 300


def definition(fields: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    """A definition as data, with one panel and section around the fields."""
    sections = [{"name": "Main", "fields": fields}]
    return {"code": "BIG", "displayName": "Big", "level": 1, "panels": [{"name": "Main", "sections": sections}], **top}


def generate(folder: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """`dfgen generate` in a fresh process with bounded memory, so that a regression fails instead of swapping."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    command = [sys.executable, "-m", "generator", "generate", "--definitions", "definitions", "--out", str(out)]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        command,
        cwd=folder,
        env=env,
        capture_output=True,
        encoding="utf-8",
        preexec_fn=limit,
        timeout=STOP_AFTER,
        check=False,
    )


# -- 1. aliases: bounded by the text they expand to ----------------------------------------


def test_aliases_of_one_long_string_are_refused_by_the_text_they_expand_to(tmp_path: Path) -> None:
    """180 KB that would expand to 110 MB of notes (1.3 GB of output); refused before anything is built."""
    note = "".join(chr(97 + i % 26) for i in range(110_000))
    lines = ["code: BIG", "displayName: Big", "level: 1", "panels:", "  - name: Main", "    sections:"]
    lines += ["      - name: Main", "        fields:"]
    for i in range(1000):
        lines += [
            f"          - code: f{i}",
            "            type: text",
            f"            notes: {f'&note {note}' if i == 0 else '*note'}",
        ]
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "big.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = generate(tmp_path, tmp_path / "out")
    assert (result.returncode, result.stdout) == (EXIT_BAD_INPUT, "")
    assert result.stderr == (
        f"error: definitions/big.yaml:9:11: document expands to more than {MAX_TEXT} characters of text (aliases?); refused\n"
    )
    assert not (tmp_path / "out").exists()


def test_the_text_limit_counts_each_place_an_alias_puts_its_text() -> None:
    """Eight aliases of a string an eighth of the limit long are exactly the limit; one character more is refused."""
    part = MAX_TEXT // 8

    def document(length: int) -> str:
        return "- &s " + "x" * length + "\n" + "- *s\n" * 7

    assert len(parse_yaml(document(part), "f.yaml").items) == 8  # type: ignore[union-attr]
    with pytest.raises(InputError) as caught:
        parse_yaml(document(part + 1), "f.yaml")
    assert (
        str(caught.value)
        == f"f.yaml:1:1: document expands to more than {MAX_TEXT} characters of text (aliases?); refused"
    )


def test_aliases_to_a_mapping_of_long_text_are_counted_too() -> None:
    """Refusing aliases to scalars alone would not do: an alias of a list of options repeats its labels."""
    label = "x" * (MAX_TEXT // 10)
    text = f"options: &o [{{id: 1, label: {label}}}]\n" + "".join(f"f{i}: *o\n" for i in range(10))
    with pytest.raises(InputError, match="characters of text"):
        parse_yaml(text, "f.yaml")


# -- 2. messages quote bounded excerpts, and cost what the input costs -----------------------


def test_a_long_field_code_is_not_repeated_in_full_in_each_of_its_messages() -> None:
    """A code of 100,000 characters and 1,000 bad options: a million-fold message before, a few KB a line now."""
    code = "c" * 100_000
    options = [{"id": i, "label": ""} for i in range(1000)]
    document = yaml.safe_dump(definition([{"code": code, "type": "enum", "options": options}]), width=2**30)
    with pytest.raises(InputError) as caught:
        validate_definition(parse_yaml(document, "f.yaml"), "f.yaml")
    lines = str(caught.value).splitlines()
    assert len(lines) == 1000
    excerpt = "c" * (MAX_QUOTED - 3) + "..."
    assert all(line.endswith(f": field {excerpt!r}: option label: must not be empty") for line in lines)
    assert max(len(line) for line in lines) < 2 * MAX_QUOTED + 60


def test_a_diagnostic_keeps_an_excerpt_of_a_long_field_for_every_later_step() -> None:
    diagnostic = Diagnostic(Location("f"), "bad", "x" * 10_000)
    assert diagnostic.field == "x" * (MAX_QUOTED - 3) + "..."
    assert Diagnostic(diagnostic.location, "bad", "x" * MAX_QUOTED).field == "x" * MAX_QUOTED


def test_a_long_duplicate_key_is_quoted_as_an_excerpt() -> None:
    key = "k" * 100_000
    with pytest.raises(InputError) as caught:
        # An implicit key has 1024 characters at most; `? ` writes an explicit one.
        parse_yaml(f"? {key}\n: 1\n? {key}\n: 2\n", "f.yaml")
    assert str(caught.value) == f"f.yaml:3:3: duplicate key '{'k' * (MAX_QUOTED - 5)}...' (first at line 1)"


def test_a_long_unknown_key_or_type_is_quoted_as_an_excerpt_without_a_suggestion() -> None:
    """difflib on a word of megabytes costs seconds and hundreds of MiB, to suggest nothing."""
    word = "typ" + "e" * 2_000_000
    fields = f"[{{code: a, type: {word}}}, {{code: b, type: text, ? {word} : 1}}]"
    document = (
        f"code: BIG\ndisplayName: Big\nlevel: 1\npanels: [{{name: M, sections: [{{name: S, fields: {fields}}}]}}]\n"
    )
    with pytest.raises(InputError) as caught:
        validate_definition(parse_yaml(document, "f.yaml"), "f.yaml")
    line = document.splitlines()[3]
    first, second = line.index(word) + 1, line.rindex(word) + 1
    quoted = f"'{word[: MAX_QUOTED - 5]}...'"
    assert str(caught.value).splitlines() == [
        f"f.yaml:4:{first}: field 'a': unknown type {quoted} (expected one of {', '.join(t.value for t in FieldType)})",
        f"f.yaml:4:{second}: field 'b': unknown field key {quoted}",
    ]


# -- 3. JSON: nesting, values and text bounded before any node is built ---------------------


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"a": value}
    return value


def test_json_nested_496_levels_is_refused_with_its_path_not_a_recursion_error() -> None:
    with pytest.raises(InputError) as caught:
        from_json(definition([{"code": "a", "type": "text"}], description=nested(496)), "u")
    assert str(caught.value) == f"u: $.description{'.a' * MAX_DEPTH}: nesting deeper than {MAX_DEPTH} levels; refused"


def test_json_with_too_many_values_or_too_much_text_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        from_json({"panels": [0] * MAX_NODES}, "u")
    assert str(caught.value) == f"u: $.panels[{MAX_NODES - 2}]: definition holds more than {MAX_NODES} values; refused"
    with pytest.raises(InputError) as caught:
        from_json({"notes": ["x" * (MAX_TEXT // 2)] * 3}, "u")
    assert str(caught.value) == f"u: $.notes[1]: definition holds more than {MAX_TEXT} characters of text; refused"


def test_a_long_json_key_is_an_excerpt_in_every_path_below_it() -> None:
    key = "k" * 1_000_000
    node = from_json({key: [[[1]]]}, "u")
    leaf = node.entries[0][2].items[0].items[0].items[0]  # type: ignore[union-attr]
    assert leaf.location.path == f"$.{key[:57]}...[0][0][0]"
