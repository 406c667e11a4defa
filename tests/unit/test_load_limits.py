"""What hostile definition input may cost: aliases, long text in messages, deep or huge JSON, one validator."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.definitions.canonical import dump_definition
from generator.definitions.format import FieldType
from generator.definitions.load import MAX_DEPTH, MAX_NODES, MAX_TEXT, from_json, parse_yaml
from generator.definitions.validate import validate_definition
from generator.diagnostics import MAX_QUOTED, Diagnostic, InputError, Location
from generator.tenant.fetch import to_entity
from tests.fetch_server import TOKEN, Reply, running

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


# -- 4. fetch and generate: one validator, the same rules ----------------------------------

REFUSED_BY_BOTH = {
    "a level of 4,000 digits": definition([{"code": "a", "type": "text"}], level=10**3999),
    "a bound of 3,001 digits": definition([{"code": "a", "type": "number", "min": 10**3000}]),
    "an option id of 101 digits": definition(
        [{"code": "a", "type": "enum", "options": [{"id": 10**100, "label": "A"}]}]
    ),
    "the docs' index": definition([{"code": "a", "type": "text"}], code="INDEX"),
    **{
        f"the device {name}": definition([{"code": "a", "type": "text"}], code=name)
        for name in ("CON", "PRN", "AUX", "NUL", "COM0", "COM1", "COM9", "LPT1", "LPT9")
    },
    "a code of 65 characters": definition([{"code": "a", "type": "text"}], code="A" * 65),
    "a target of 65 characters": definition([{"code": "a", "type": "reference", "target": "A" * 65}]),
}


def problems(error: InputError) -> list[tuple[str | None, str]]:
    """What each diagnostic says, without where: a JSON path from fetch, a line from a file."""
    return [(d.field, d.message) for d in error.diagnostics]


@pytest.mark.parametrize("data", REFUSED_BY_BOTH.values(), ids=REFUSED_BY_BOTH.keys())
def test_fetch_and_generate_refuse_the_same_definitions_with_the_same_words(data: dict[str, Any]) -> None:
    with pytest.raises(InputError) as fetched:
        to_entity(json.loads(json.dumps(data)), "http://127.0.0.1/x")
    with pytest.raises(InputError) as read:
        validate_definition(parse_yaml(yaml.safe_dump(data, width=2**30), "x.yaml"), "x.yaml")
    assert problems(fetched.value) == problems(read.value)
    assert all(len(str(d)) < 300 for d in fetched.value.diagnostics)


ACCEPTED_BY_BOTH = {
    "a level of 100 digits": definition([{"code": "a", "type": "text"}], level=10**100 - 1),
    "a bound of -100 digits": definition([{"code": "a", "type": "number", "min": -(10**100 - 1), "max": 0.5}]),
    "codes like devices": definition([{"code": "a", "type": "reference", "target": "CON"}], code="CONSOLE"),
    "a code of 64 characters": definition([{"code": "a", "type": "text"}], code="A" * 64),
    "an index of something": definition([{"code": "a", "type": "text"}], code="INDEX_CARD"),
}


@pytest.mark.parametrize("data", ACCEPTED_BY_BOTH.values(), ids=ACCEPTED_BY_BOTH.keys())
def test_what_fetch_accepts_and_writes_generate_reads_back_as_the_same_definition(data: dict[str, Any]) -> None:
    fetched = to_entity(json.loads(json.dumps(data)), "http://127.0.0.1/x")
    written = dump_definition(fetched)
    read = validate_definition(parse_yaml(written, "x.yaml"), "x.yaml")
    assert dump_definition(read) == written
    assert (read.code, read.level) == (fetched.code, fetched.level)
    assert [(f.min, f.max, f.target) for f in read.fields] == [(f.min, f.max, f.target) for f in fetched.fields]


FETCH_REFUSES = {
    "nested 496 levels": (
        {"description": nested(496)},
        f"$.description{'.a' * MAX_DEPTH}: nesting deeper than {MAX_DEPTH} levels; refused",
    ),
    "a level of 4,000 digits": ({"level": 10**3999}, "$.level: level: expected at most 100 digits, got 4000 digits"),
    "a bound of 3,001 digits": (
        {
            "panels": [
                {"name": "M", "sections": [{"name": "S", "fields": [{"code": "a", "type": "number", "min": 10**3000}]}]}
            ]
        },
        "$.panels[0].sections[0].fields[0].min: field 'a': min: expected at most 100 digits, got 3001 digits",
    ),
}


@pytest.mark.parametrize(("top", "expected"), FETCH_REFUSES.values(), ids=FETCH_REFUSES.keys())
def test_the_fetch_command_exits_2_naming_the_place_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, top: dict[str, Any], expected: str
) -> None:
    with running() as server:
        (tmp_path / "pyproject.toml").write_text(f'[tool.dfgen]\nbase-url = "{server.url}"\n', encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        path = "/v1/objects/DEFINITION/CDR"
        server.route(path, Reply(body=definition([{"code": "a", "type": "text"}], **{"code": "CDR", **top})))
        result = CliRunner().invoke(main, ["fetch", "CDR"], env={"DEMANDFLOW_TOKEN": TOKEN})
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert result.stderr == f"error: {server.url}{path}: {expected}\n"
    assert not (tmp_path / "definitions").exists()


@pytest.mark.parametrize("code", ["INDEX", "CON", "LPT1"])
def test_the_fetch_command_refuses_a_code_whose_files_generate_could_not_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    with running() as server:
        (tmp_path / "pyproject.toml").write_text(f'[tool.dfgen]\nbase-url = "{server.url}"\n', encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        path = f"/v1/objects/DEFINITION/{code}"
        server.route(path, Reply(body=definition([{"code": "a", "type": "text"}], code=code)))
        result = CliRunner().invoke(main, ["fetch", code], env={"DEMANDFLOW_TOKEN": TOKEN})
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert result.stderr.startswith(f"error: {server.url}{path}: $.code: code: {code!r} would name the file ")
    assert not (tmp_path / "definitions").exists()
