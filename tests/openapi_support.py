"""Helpers of the OpenAPI tests (no tests here): an awkward second entity, generation, validators."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import referencing
import regress
import yaml
from jsonschema.validators import Draft202012Validator, extend
from referencing.jsonschema import DRAFT202012

from generator.definitions.canonical import dump_yaml
from generator.model.build import build_project
from generator.model.entities import Project
from generator.pipeline import load_definitions
from tests.helpers import CDR_DEFINITION, generate, import_generated, write_tree

BUNDLE_URI = "urn:dfgen:bundle"

# Everything CDR lacks: multiselect options, negative and huge ids, float bounds, a custom gauge,
# a Greek enum class (not ASCII), a keyword field code, a reference with notes, invisible characters in
# labels and notes, and the entity code whose fragment would meet the bundle's file name.
AWKWARD_ENTITY: dict[str, Any] = {
    "code": "OPENAPI",
    "displayName": "Spécial\u2028entity",
    "level": 7,
    "description": "NEL\x85 and a BOM\ufeff, 'quotes' and \"double\"",
    "panels": [
        {
            "name": "Main",
            "sections": [
                {
                    "name": "All",
                    "fields": [
                        {
                            "code": "class",
                            "type": "text",
                            "label": 'Line\u2028separated "label"',
                            "required": True,
                            "notes": "tab\t CR\r NUL\x00 trailing  \nsecond line",
                        },
                        {
                            "code": "colours",
                            "type": "multiselect",
                            "required": True,
                            "options": [
                                {"id": -1, "label": "Red"},
                                {"id": 0, "label": "Gr\u00fcn\u2029"},
                                {"id": 9007199254740993, "label": "Big"},
                            ],
                        },
                        {"code": "ratio", "type": "number", "min": -0.5, "max": 2.5},
                        {"code": "score", "type": "gauge", "min": 1, "max": 10},
                        # Bounds at and past 2**53, where a float no longer holds every int.
                        {"code": "atMost", "type": "number", "max": 9007199254740992},
                        {"code": "atLeast", "type": "number", "min": -9007199254740991},
                        {"code": "vast", "type": "gauge", "min": 18014398509481984, "max": 10**20},
                        {
                            "code": "χρώμα",
                            "type": "enum",
                            "options": [{"id": 1, "label": "一"}, {"id": 2, "label": "1e5"}],
                        },
                        {"code": "owner", "type": "reference", "target": "CDR", "notes": "The owning CDR"},
                        {"code": "flag", "type": "boolean", "readOnly": True},
                        {"code": "when", "type": "datetime", "required": True, "readOnly": True},
                        {"code": "tags", "type": "multiselect"},
                    ],
                }
            ],
        }
    ],
}


# Tenant text that CommonMark, HTML and a viewer's link handling would each take for their own.
HOSTILE_NOTES = (
    "[click](javascript:alert(1)) <script>alert(2)</script> <img src=x onerror=alert(3)>\n"
    "# Heading **bold** `code` *star* _under_ ~~strike~~ https://evil.example/x www.evil.example"
    " a@b.example &amp; &lt;b&gt; | pipe\n    indented 1. one\n- item\n> quote"
)
HOSTILE_ENTITY: dict[str, Any] = {
    "code": "HOSTILE",
    "displayName": "<b>Order</b> [x](javascript:alert(4))",
    "level": 12,
    "description": HOSTILE_NOTES,
    "panels": [
        {
            "name": "<i>Main</i>",
            "sections": [
                {
                    "name": "# All",
                    "fields": [
                        {
                            "code": "title",
                            "type": "text",
                            "required": True,
                            "label": "<u>Title</u>",
                            "notes": HOSTILE_NOTES,
                        },
                        {
                            "code": "kind",
                            "type": "enum",
                            "required": True,
                            "label": "**Kind**",
                            "notes": "[y](javascript:alert(5))",
                            "options": [
                                {"id": 1, "label": "<script>x</script>"},
                                {"id": 2, "label": "[z](javascript:alert(6))"},
                                {"id": 3, "label": "# three"},
                            ],
                        },
                        {
                            "code": "marks",
                            "type": "multiselect",
                            "options": [{"id": 1, "label": "*a*"}, {"id": 2, "label": "`b`"}],
                        },
                        {"code": "size", "type": "number", "min": 0, "max": 10, "notes": "**big** <em>x</em>"},
                        {
                            "code": "owner",
                            "type": "reference",
                            "target": "ORDER",
                            "notes": "![img](javascript:alert(7))",
                        },
                    ],
                }
            ],
        }
    ],
}


def _small_entity(code: str, display_name: str, level: int, field: str) -> dict[str, Any]:
    """An entity of a few fields: a required text, an enum, a number."""
    return {
        "code": code,
        "displayName": display_name,
        "level": level,
        "panels": [
            {
                "name": "Main",
                "sections": [
                    {
                        "name": "All",
                        "fields": [
                            {"code": "name", "type": "text", "required": True},
                            {"code": field, "type": "text"},
                            {
                                "code": "status",
                                "type": "enum",
                                "options": [{"id": 1, "label": "Open"}, {"id": 2, "label": "Closed"}],
                            },
                            {"code": "amount", "type": "number", "min": 0},
                        ],
                    }
                ],
            }
        ],
    }


# Entities that meet in the tools: two display names alike (ORDER, ORDER_V2), and ABC before TYPING,
# whose records a client without discriminating would take for ABC's.
MANY_ENTITIES = [
    _small_entity("ORDER", "Order", 10, "orderNote"),
    _small_entity("ORDER_V2", "Order", 11, "orderNoteV2"),
    _small_entity("ABC", "Abc", 20, "letters"),
    _small_entity("TYPING", "Typing", 21, "keys"),
    HOSTILE_ENTITY,
]


def many_entity_definitions(folder: Path) -> Path:
    """A definitions folder of a many-entity, hostile tenant: CDR, the awkward entity and MANY_ENTITIES."""
    two_entity_definitions(folder)
    for entity in MANY_ENTITIES:
        (folder / f"{entity['code'].lower()}.yaml").write_text(dump_yaml(entity), encoding="utf-8")
    return folder


@dataclass(frozen=True)
class Generated:
    """What generate() wrote for a definitions folder, the intermediate model, and the package."""

    files: dict[str, str]
    project: Project
    package: ModuleType

    def document(self, path: str) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load(self.files[path])
        return loaded


def show(path: Path) -> str:
    return path.as_posix()


def two_entity_definitions(folder: Path) -> Path:
    """A definitions folder with the real CDR and the awkward entity."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CDR_DEFINITION, folder / "cdr.yaml")
    (folder / "openapi.yaml").write_text(dump_yaml(AWKWARD_ENTITY), encoding="utf-8")
    return folder


def generate_into(definitions: Path, out: Path) -> Generated:
    """Models and OpenAPI for the definitions, written under `out`, models imported afresh."""
    files = generate(definitions, show, {}, ("models", "openapi"))
    write_tree(out, files)
    project = build_project(load_definitions(definitions, show), {})
    return Generated(files, project, import_generated(out))


@functools.cache
def _regex(pattern: str) -> regress.Regex:
    return regress.Regex(pattern, "u")


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[jsonschema.ValidationError]:
    # JSON Schema's patterns are ECMA-262 regexes. Python's re, which jsonschema uses, lets `$`
    # match before a final newline, so "2024-05-01T12:30:00Z\n" would pass; regress is ECMA's.
    if validator.is_type(instance, "string") and _regex(pattern).find(instance) is None:
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = extend(Draft202012Validator, {"pattern": _ecma_pattern})


class BundleSchemas:
    """Validators for the components of a bundle, $refs resolved within it, formats checked."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        resource = referencing.Resource.from_contents(bundle, default_specification=DRAFT202012)
        self.registry: referencing.Registry[Any] = referencing.Registry().with_resource(BUNDLE_URI, resource)
        self.bundle = bundle

    @functools.cache  # noqa: B019 - one instance per test module
    def validator(self, pointer: str) -> Any:
        """A validator for the schema at a JSON pointer of the bundle, such as /components/schemas/CDR."""
        return EcmaValidator(
            {"$ref": f"{BUNDLE_URI}#{pointer}"},
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )

    def component(self, name: str) -> Any:
        return self.validator(f"/components/schemas/{name}")
