"""The definition of dfgen's YAML: PyYAML's emitter with our style rules.

generator.yamlout_writer writes the same bytes much faster; this writer is what the tests hold
it to, and what writes a document holding a value the fast writer does not know.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from generator.yamlout import (
    _NO_FOLDING,
    _YAML12_NOT_STRING,
    Entries,
    _visible,
    escape_double_quoted,
)


@lru_cache(maxsize=1)
def _reference_dumper() -> type:
    """SafeDumper with indented lists, no anchors, and one double-quoted style of our own."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

        def choose_scalar_style(self) -> str:
            style: str = super().choose_scalar_style()
            # One quoting style throughout: single quotes become double quotes.
            return '"' if style == "'" else style

        def write_double_quoted(self, text: str, split: bool = True) -> None:
            # Never split across lines, and escape what PyYAML would leave raw (U+2028, NBSP, ...).
            self.write_indicator(escape_double_quoted(text), True)

    def represent_str(dumper: Dumper, data: str) -> yaml.ScalarNode:
        style: str | None = None
        if not _visible(data) or _YAML12_NOT_STRING.fullmatch(data):
            style = '"'
        elif "\n" in data:
            # A literal block when PyYAML can keep the text exactly in one, else double quotes.
            style = "|"
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    def represent_entries(dumper: Dumper, data: Entries) -> yaml.MappingNode:
        return dumper.represent_dict(data.merged())

    Dumper.add_representer(str, represent_str)
    Dumper.add_representer(tuple, yaml.SafeDumper.represent_list)
    Dumper.add_representer(Entries, represent_entries)
    return Dumper


def dump_yaml_reference(data: Any) -> str:
    """What dump_yaml writes, by PyYAML: the definition of the format, and the fallback."""
    import yaml

    text: str = yaml.dump(
        data,
        Dumper=_reference_dumper(),
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=_NO_FOLDING,
        line_break="\n",
    )
    return text
