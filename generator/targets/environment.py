"""The Jinja environment and the escaping filters every target uses."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import jinja2

from generator.definitions.canonical import dump_yaml
from generator.targets.documents import dump_document
from generator.targets.markdown import md
from generator.targets.python import pyrepr

# The package folder: the wheel ships the templates inside it, a checkout keeps them beside it.
_PACKAGE = Path(__file__).resolve().parent.parent


def builtin_templates() -> Path:
    """The shipped templates: inside the wheel, or beside the package in a source checkout."""
    installed = _PACKAGE / "templates"
    return installed if installed.is_dir() else _PACKAGE.parent / "templates"


@lru_cache(maxsize=8)
def environment(template_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """Templates from the override folders first, then the built-in ones, with the escaping filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*template_dirs, builtin_templates()]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["py"] = pyrepr
    # Documents are data serialised whole, never text stitched together in a template.
    env.filters["yaml"] = dump_yaml
    env.filters["json"] = dump_document
    env.filters["md"] = md
    return env
