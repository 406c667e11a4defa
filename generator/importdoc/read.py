"""`dfgen import-doc`: a documentation page (the vendor's, or one dfgen wrote) -> a definition."""

from __future__ import annotations

from pathlib import Path

from generator.definitions.canonical import dump_definition
from generator.definitions.format import EntityDef
from generator.definitions.validate import validate_definition
from generator.importdoc.ours import read_dfgen_page
from generator.importdoc.page import Page, page_kind, read_page
from generator.importdoc.vendor import read_vendor_page


def parse_page(text: str, shown: str) -> EntityDef:
    """The definition a page describes, validated; errors name the page's lines."""
    page = Page(text, shown)
    reader = read_dfgen_page if page_kind(page) == "dfgen" else read_vendor_page
    return validate_definition(reader(page), shown)


def import_page(path: Path, shown: str) -> str:
    """The canonical definition YAML of the page at `path`."""
    return dump_definition(parse_page(read_page(path, shown), shown))
