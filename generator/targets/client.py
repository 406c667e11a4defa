"""The client target: the transport runtime, a Client per package and accessors per entity."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from generator.diagnostics import InputError, Location
from generator.model.entities import Entity, Project
from generator.targets.models import list_class
from generator.targets.python import python_header

# The transport every generated client runs on: modules of dfgen's own source tree.
RUNTIME = Path(__file__).resolve().parent.parent / "runtime"
# The package the client is written to, beside the entity modules.
PACKAGE = "client"
# The Client's own methods: an entity's accessor named like one gets a trailing underscore.
RESERVED = frozenset({"close", "aclose"})


@dataclass(frozen=True)
class AccessorView:
    """One entity's accessor: `client.<attribute>` is a `<sync_class>` from `client/<module>.py`."""

    attribute: str
    module: str
    sync_class: str
    async_class: str


def accessor(entity: Entity) -> AccessorView:
    """The names of an entity's accessor, derived from its module and record class."""
    attribute = f"{entity.module}_" if entity.module in RESERVED else entity.module
    record = entity.record_class
    return AccessorView(attribute, entity.module, f"{record}Records", f"Async{record}Records")


def check_modules(project: Project) -> None:
    """InputError for an entity whose module would be the client package itself."""
    for entity in project.entities:
        if entity.module == PACKAGE:
            pin = f"pyproject.toml: [tool.dfgen.pins.{entity.code}] module = '{PACKAGE}_'"
            raise InputError.at(
                Location(entity.source),
                f"module {PACKAGE} of {entity.code} is the client package models/{PACKAGE}/; pin a module name in {pin}",
            )


def entity_context(project: Project, entity: Entity) -> dict[str, Any]:
    """The context of client/entity.py.jinja: header, the accessor and the entity's classes."""
    return {
        "header": python_header(entity.source),
        "accessor": accessor(entity),
        "record_class": entity.record_class,
        "create_class": entity.create_class,
        "list_class": list_class(entity),
    }


def project_context(project: Project, source: str) -> dict[str, Any]:
    """The context of the runtime copies and client/__init__.py.jinja."""
    check_modules(project)
    return {
        "header": python_header(source),
        "runtime": runtime_sources(),
        "accessors": [accessor(entity) for entity in project.entities],
        "token_env": project.api.token_env,
        "base_url": project.api.base_url,
    }


@lru_cache(maxsize=1)
def runtime_sources() -> dict[str, str]:
    """generator/runtime/_client*.py, which every generated package with a client gets as they are."""
    names = ("_client", "_client_common", "_client_core", "_retry")
    return {name: (RUNTIME / f"{name}.py").read_text(encoding="utf-8") for name in names}
