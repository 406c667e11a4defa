"""generator/definitions/load.py: located trees from YAML and JSON, and what is refused before validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.definitions.load import (
    MAX_FILE_BYTES,
    Mapping,
    Node,
    Scalar,
    Sequence,
    decode_text,
    definition_files,
    from_json,
    load_file,
    parse_yaml,
    read_text,
)
from generator.diagnostics import InputError, Location


def refused(call: object, *args: object) -> str:
    with pytest.raises(InputError) as raised:
        call(*args)  # type: ignore[operator]
    (diagnostic,) = raised.value.diagnostics
    return str(diagnostic)


def at(source: str, line: int, column: int) -> Location:
    return Location(source, line, column)


def test_every_key_and_value_knows_its_line_and_column() -> None:
    text = "code: CDR\npanels:\n  - name: 'General'\n    sections: []\nuseCases: |\n  text\n"
    root = parse_yaml(text, "cdr.yaml")
    assert isinstance(root, Mapping) and root.location == at("cdr.yaml", 1, 1)
    assert [(key, where) for key, where, _ in root.entries] == [
        ("code", at("cdr.yaml", 1, 1)),
        ("panels", at("cdr.yaml", 2, 1)),
        ("useCases", at("cdr.yaml", 5, 1)),
    ]
    assert root.index["code"] == Scalar("CDR", at("cdr.yaml", 1, 7), plain=True, from_yaml=True)
    panels = root.index["panels"]
    assert isinstance(panels, Sequence) and panels.location == at("cdr.yaml", 3, 3)
    (panel,) = panels.items
    assert isinstance(panel, Mapping) and panel.location == at("cdr.yaml", 3, 5)
    # Quoted and block scalars are not plain: validation reads `'1'` as text, `1` as a number.
    assert panel.index["name"] == Scalar("General", at("cdr.yaml", 3, 11), plain=False, from_yaml=True)
    assert root.index["useCases"] == Scalar("text\n", at("cdr.yaml", 5, 11), plain=False, from_yaml=True)


def test_scalars_stay_the_text_as_written() -> None:
    root = parse_yaml("a: 1.50\nb: yes\nc: ~\nd: '1'\ne: 0x1F\n", "x.yaml")
    assert isinstance(root, Mapping)
    values = {key: (node.value, node.plain) for key, _, node in root.entries if isinstance(node, Scalar)}
    assert values == {"a": ("1.50", True), "b": ("yes", True), "c": ("~", True), "d": ("1", False), "e": ("0x1F", True)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", "x.yaml:2:1: duplicate key 'a' (first at line 1)"),
        ("base: &b {x: 1}\nc:\n  <<: *b\n", "x.yaml:3:3: merge keys ('<<') are not supported; write the keys out"),
        ("a: 1\n---\nb: 2\n", "x.yaml:3:1: more than one YAML document; expected one definition per file"),
        ("# only a comment\n", "x.yaml:1:1: empty document; expected a definition"),
        ("? [a]\n: 1\n", "x.yaml:1:3: a key must be a plain name, not a list or mapping"),
        (
            "a: [1, 2\nb: 3\n",
            "x.yaml:2:2: YAML syntax error: did not find expected ',' or ']' "
            "(while parsing a flow sequence at line 1, column 4)",
        ),
        ("a: 1\nb: 'x\x07'\n", "x.yaml:2:6: YAML syntax error: control characters are not allowed (U+0007)"),
        ('a: "\\q"\n', "x.yaml:1:5: YAML syntax error: found unknown escape character"),
    ],
)
def test_yaml_that_cannot_be_a_definition_is_refused_at_its_place(text: str, message: str) -> None:
    assert refused(parse_yaml, text, "x.yaml") == message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a: 1\nb: \xff\n", "x.yaml:2:4: not UTF-8 text (byte 8 is 0xff)"),
        # Columns count characters, not bytes: \xc3\xa9 is one column.
        ("éé".encode() + b"\x00", "x.yaml:1:3: binary file (it holds NUL bytes); expected a definition in YAML"),
        (b"a: 1\nbc: d\x00\n", "x.yaml:2:6: binary file (it holds NUL bytes); expected a definition in YAML"),
        (b" \n\t\n", "x.yaml:1:1: empty file; expected a definition in YAML"),
        (b"", "x.yaml:1:1: empty file; expected a definition in YAML"),
    ],
)
def test_bytes_that_are_not_text_are_refused_at_their_place(data: bytes, message: str) -> None:
    assert refused(decode_text, data, "x.yaml") == message


def test_a_byte_order_mark_is_not_part_of_the_text_and_size_is_bounded() -> None:
    assert decode_text(b"\xef\xbb\xbfcode: CDR\n", "x.yaml") == "code: CDR\n"
    too_big = b"#" * (MAX_FILE_BYTES + 1)
    assert refused(decode_text, too_big, "x.yaml") == f"x.yaml: file is larger than {MAX_FILE_BYTES} bytes"
    assert refused(decode_text, b"\x00", "page.txt", "a documentation page").endswith("expected a documentation page")


def test_definition_files_are_the_yaml_files_of_a_folder_sorted_or_the_file_itself(tmp_path: Path) -> None:
    for name in ("b.yml", "a.yaml", ".hidden.yaml", "notes.txt", "c.YAML.bak"):
        (tmp_path / name).write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "folder.yaml").mkdir()
    assert definition_files(tmp_path) == [tmp_path / "a.yaml", tmp_path / "b.yml"]
    assert definition_files(tmp_path / "notes.txt") == [tmp_path / "notes.txt"]
    missing = tmp_path / "missing"
    assert refused(definition_files, missing) == f"{missing}: no such file or folder"


def test_files_are_read_under_the_name_messages_show(tmp_path: Path) -> None:
    (tmp_path / "cdr.yaml").write_text("code: CDR\n", encoding="utf-8")
    node = load_file(tmp_path / "cdr.yaml", "definitions/cdr.yaml")
    assert isinstance(node, Mapping) and node.index["code"].location == at("definitions/cdr.yaml", 1, 7)
    assert refused(read_text, tmp_path, "definitions") == "definitions: cannot read file: Is a directory"


def test_json_values_are_located_by_their_json_path() -> None:
    root = from_json({"code": "CDR", "panels": [{"name": "G", "sections": None}], "level": 320}, "api/CDR")
    assert isinstance(root, Mapping) and root.location == Location("api/CDR", path="$")
    assert [str(where) for _, where, _ in root.entries] == ["api/CDR: $.code", "api/CDR: $.panels", "api/CDR: $.level"]
    panels = root.index["panels"]
    assert isinstance(panels, Sequence)
    panel = panels.items[0]
    assert isinstance(panel, Mapping)
    # JSON keeps its types: validation tells 320 from "320".
    assert panel.index["sections"] == Scalar(None, Location("api/CDR", path="$.panels[0].sections"))
    assert root.index["level"] == Scalar(320, Location("api/CDR", path="$.level"))


def _paths(node: Node) -> list[str]:
    if isinstance(node, Mapping):
        return [node.location.path, *(p for _, _, child in node.entries for p in _paths(child))]
    if isinstance(node, Sequence):
        return [node.location.path, *(p for child in node.items for p in _paths(child))]
    return [node.location.path]


def test_every_json_node_has_its_own_path() -> None:
    json_root = from_json({"a": [{"b": 1}, ["x", "y"]], "c.d": {}}, "x.json")
    assert _paths(json_root) == ["$", "$.a", "$.a[0]", "$.a[0].b", "$.a[1]", "$.a[1][0]", "$.a[1][1]", "$.c.d"]
