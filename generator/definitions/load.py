"""Read definition documents (YAML files or API JSON) into trees that remember where each value was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.diagnostics import InputError, Location, excerpt, quoted

# The C composer is an order of magnitude faster; the pure-Python one behaves the same.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 20 * 1024 * 1024
# Aliases can make a small file describe an enormous tree; expanding past this is refused.
MAX_NODES = 1_000_000
# Every output repeats the definition's text, so text is what output costs: the characters of
# every key and value, counted again wherever an alias repeats them, may not pass what a file
# written out in full may hold. A file without aliases never reaches it; nor does API JSON
# within its body limit.
MAX_TEXT = MAX_FILE_BYTES
# Definitions are a few levels deep; deeper nesting is a mistake or an attack.
MAX_DEPTH = 64


@dataclass(frozen=True)
class Scalar:
    """A leaf. From YAML `value` is the text as written and `plain` says it was unquoted."""

    value: Any
    location: Location
    plain: bool = False
    from_yaml: bool = False


@dataclass(frozen=True)
class Sequence:
    """A list of nodes."""

    items: list[Node]
    location: Location


@dataclass(frozen=True)
class Mapping:
    """Keys in document order, each with the location of the key itself."""

    entries: list[tuple[str, Location, Node]]
    location: Location
    index: dict[str, Node] = field(default_factory=dict, compare=False)


Node = Scalar | Sequence | Mapping


def definition_files(path: Path, show: Callable[[Path], str] = str) -> list[Path]:
    """The definition files under `path`: the file itself, or a folder's *.yaml and *.yml, sorted."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError.at(Location(str(path)), "no such file or folder")
    files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))
    for file in files:
        # Skipped in silence, a definition that cannot be read would have its generated files removed.
        if file.is_symlink() and not file.exists():
            # Shown by its folder: showing the link itself would resolve it to where it points.
            where = Location(f"{show(path)}/{file.name}")
            raise InputError.at(where, "a symbolic link to a file that does not exist")
    return [p for p in files if p.is_file()]


def read_text(path: Path, shown_as: str, expected: str = "a definition in YAML") -> str:
    """A file's text (a definition, or a page to import), refusing what is not UTF-8 text."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError.at(Location(shown_as), f"cannot read file: {error.strerror}") from None
    return decode_text(data, shown_as, expected)


def decode_text(data: bytes, shown_as: str, expected: str = "a definition in YAML") -> str:
    """A file's bytes as text, refusing what is not UTF-8 text."""
    location = Location(shown_as)
    if len(data) > MAX_FILE_BYTES:
        raise InputError.at(location, f"file is larger than {MAX_FILE_BYTES} bytes")
    if b"\0" in data:
        at = _byte_location(data, data.index(b"\0"), shown_as)
        raise InputError.at(at, f"binary file (it holds NUL bytes); expected {expected}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        at = _byte_location(data, error.start, shown_as)
        raise InputError.at(at, f"not UTF-8 text (byte {error.start} is 0x{data[error.start]:02x})") from None
    if not text.strip():
        raise InputError.at(Location(shown_as, 1, 1), f"empty file; expected {expected}")
    return text


def _byte_location(data: bytes, offset: int, source: str) -> Location:
    """The line and column (in characters) of a byte offset, for errors found before decoding."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return Location(source, data.count(b"\n", 0, offset) + 1, column)


def parse_yaml(text: str, source: str) -> Node:
    """Compose YAML into a located tree; scalars stay text, duplicate keys are refused."""
    try:
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        if mark is None:
            raise InputError.at(Location(source), f"YAML syntax error: {problem}") from None
        at = Location(source, mark.line + 1, mark.column + 1)
        context = error.context_mark
        if error.problem and error.context and context is not None and context.line != mark.line:
            # The problem shows where the parser gave up; the context, where the culprit began.
            problem += f" ({error.context} at line {context.line + 1}, column {context.column + 1})"
        raise InputError.at(at, f"YAML syntax error: {problem}") from None
    except yaml.reader.ReaderError as error:
        # A character YAML forbids (a raw control character): the reader knows only its offset.
        line = text.count("\n", 0, error.position) + 1
        column = error.position - text.rfind("\n", 0, error.position)
        at = Location(source, line, column)
        # libyaml reports the code point, the pure-Python reader the character.
        code = error.character if isinstance(error.character, int) else ord(error.character)
        raise InputError.at(at, f"YAML syntax error: {error.reason} (U+{code:04X})") from None
    except yaml.YAMLError as error:
        raise InputError.at(Location(source), f"YAML error: {error}") from None
    documents = [d for d in documents if d is not None]
    if not documents:
        raise InputError.at(Location(source, 1, 1), "empty document; expected a definition")
    if len(documents) > 1:
        second = documents[1].start_mark
        at = Location(source, second.line + 1, second.column + 1)
        raise InputError.at(at, "more than one YAML document; expected one definition per file")
    converter = _YamlConverter(source)
    converter.check_size(documents[0], {})
    return converter.convert(documents[0])


class _YamlConverter:
    """Turns composed YAML nodes into located nodes, counting every node it visits."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.visited = 0

    def location(self, node: yaml.Node) -> Location:
        return Location(self.source, node.start_mark.line + 1, node.start_mark.column + 1)

    def check_size(self, node: yaml.Node, sizes: dict[int, tuple[int, int]], depth: int = 0) -> tuple[int, int]:
        """The values and characters `node` expands to, refusing deep or huge trees before building any.

        An alias shares its anchor's node, so the composed graph stays as small as the file; sizes
        are memoised per node, which keeps this pass linear in the file even for a billion laughs.
        """
        if depth > MAX_DEPTH:
            raise InputError.at(self.location(node), f"nesting deeper than {MAX_DEPTH} levels; refused")
        if id(node) in sizes:
            return sizes[id(node)]
        if isinstance(node, yaml.ScalarNode):
            size = (1, len(node.value))
        else:
            children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
            counted = [self.check_size(child, sizes, depth + 1) for child in children]
            size = (1 + sum(values for values, _ in counted), sum(chars for _, chars in counted))
        if size[0] > MAX_NODES:
            raise InputError.at(
                self.location(node), f"document expands to more than {MAX_NODES} values (aliases?); refused"
            )
        if size[1] > MAX_TEXT:
            raise InputError.at(
                self.location(node), f"document expands to more than {MAX_TEXT} characters of text (aliases?); refused"
            )
        sizes[id(node)] = size
        return size

    def convert(self, node: yaml.Node, depth: int = 0) -> Node:
        self.visited += 1
        if depth > MAX_DEPTH:
            raise InputError.at(self.location(node), f"nesting deeper than {MAX_DEPTH} levels; refused")
        if self.visited > MAX_NODES:
            raise InputError.at(
                self.location(node),
                f"document expands to more than {MAX_NODES} values (aliases?); refused",
            )
        at = self.location(node)
        if isinstance(node, yaml.ScalarNode):
            return Scalar(node.value, at, plain=not node.style, from_yaml=True)
        if isinstance(node, yaml.SequenceNode):
            return Sequence([self.convert(item, depth + 1) for item in node.value], at)
        entries: list[tuple[str, Location, Node]] = []
        index: dict[str, Node] = {}
        first_seen: dict[str, Location] = {}
        for key_node, value_node in node.value:
            key_at = self.location(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError.at(key_at, "a key must be a plain name, not a list or mapping")
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError.at(key_at, "merge keys ('<<') are not supported; write the keys out")
            key = key_node.value
            if key in first_seen:
                raise InputError.at(key_at, f"duplicate key {quoted(key)} (first at line {first_seen[key].line})")
            first_seen[key] = key_at
            value = self.convert(value_node, depth + 1)
            entries.append((key, key_at, value))
            index[key] = value
        return Mapping(entries, at, index)


def from_json(value: Any, source: str, path: str = "$") -> Node:
    """Wrap parsed JSON (from the API) in located nodes; locations are JSON paths.

    A YAML file's bounds apply, checked before any node is built: depth, values and text.
    """
    _check_json_size(value, source, path)
    return _json_node(value, source, path)


def _check_json_size(value: Any, source: str, path: str) -> None:
    """Refuse JSON nested deeper than MAX_DEPTH, or holding more than MAX_NODES values or MAX_TEXT characters."""
    values = text = 0
    # One iterator per open container: the walk's memory grows with the depth, not the width.
    stack: list[Iterator[tuple[str, Any]]] = [iter([("", value)])]
    trail: list[str] = []  # the path to the innermost open container
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            if trail:
                trail.pop()
            continue
        name, item = step
        values += 1
        if isinstance(item, str):
            text += len(item)
        elif isinstance(item, dict):
            text += sum(len(str(key)) for key in item)
        if len(stack) > MAX_DEPTH + 1:
            problem = f"nesting deeper than {MAX_DEPTH} levels; refused"
        elif values > MAX_NODES:
            problem = f"definition holds more than {MAX_NODES} values; refused"
        elif text > MAX_TEXT:
            problem = f"definition holds more than {MAX_TEXT} characters of text; refused"
        elif isinstance(item, dict):
            trail.append(name)
            stack.append((f".{excerpt(str(key))}", child) for key, child in item.items())
            continue
        elif isinstance(item, list):
            trail.append(name)
            stack.append((f"[{index}]", child) for index, child in enumerate(item))
            continue
        else:
            continue
        raise InputError.at(Location(source, path=path + "".join(trail) + name), problem)


def _json_node(value: Any, source: str, path: str) -> Node:
    at = Location(source, path=path)
    if isinstance(value, dict):
        entries: list[tuple[str, Location, Node]] = []
        for key, item in value.items():
            # A key is quoted in every path below it: an excerpt keeps paths short whatever the key.
            key_path = f"{path}.{excerpt(str(key))}"
            entries.append((str(key), Location(source, path=key_path), _json_node(item, source, key_path)))
        return Mapping(entries, at, {k: v for k, _, v in entries})
    if isinstance(value, list):
        return Sequence([_json_node(v, source, f"{path}[{i}]") for i, v in enumerate(value)], at)
    return Scalar(value, at)


def load_file(path: Path, shown_as: str) -> Node:
    """One definition file as a located tree."""
    return parse_yaml(read_text(path, shown_as), shown_as)
