"""The OpenAPI target: an OpenAPI 3.1 fragment per entity, and the bundle of all of them.

Documents are built as Python data and serialised by generator.targets.documents; templates only place the
header above them. `openapi/<entity module>.yaml` holds one entity's schemas and calls,
`openapi/openapi.yaml` every entity's. An entity whose module is `openapi` would overwrite the
bundle, so its fragment is `openapi/openapi.entity.yaml` (a dot never occurs in a module name).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from generator.config import Api
from generator.definitions.format import FieldType
from generator.diagnostics import InputError, Location
from generator.model.entities import Entity, Project
from generator.targets.markdown import md
from generator.targets.openapi_schema import (
    Schema,
    entity_schemas,
    entity_summary,
    enum_component,
    list_component,
    ref,
)
from generator.targets.python import python_header

OPENAPI_VERSION = "3.1.0"
BUNDLE = "openapi/openapi.yaml"
SECURITY_SCHEME = "bearerAuth"

ERROR_SCHEMA: Schema = {
    "title": "Error",
    "description": "An error as the API reports it: a message, and any other keys the API adds.",
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string"}},
}
# Where no base URL is configured: a server variable that a viewer lets the reader fill in.
PLACEHOLDER_SERVER = "https://demandflow.invalid"


def _list(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def _optional(type_: str) -> Schema:
    # The API may send null for a key it leaves unset; the definition loader reads that as absent.
    return {"type": [type_, "null"]}


_TEXT: Schema = {"type": "string"}
_DEFINITION_FIELD: Schema = {
    "type": "object",
    "required": ["code", "type"],
    "properties": {
        "code": _TEXT,
        "type": {"type": "string", "enum": [t.value for t in FieldType]},
        "label": _optional("string"),
        "required": _optional("boolean"),
        "readOnly": _optional("boolean"),
        "notes": _optional("string"),
        "options": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "required": ["id", "label"],
                "properties": {"id": {"type": "integer"}, "label": _TEXT},
            },
        },
        "multiline": _optional("boolean"),
        "target": _optional("string"),
        "min": _optional("number"),
        "max": _optional("number"),
    },
}
_SECTION: Schema = {
    "type": "object",
    "required": ["name", "fields"],
    "properties": {"name": _TEXT, "fields": _list(_DEFINITION_FIELD)},
}
DEFINITION_SCHEMA: Schema = {
    "title": "Definition",
    "description": "One entity's schema: the DEFINITION object. Envelope keys (entity, id, timestamps) may stand beside these.",
    "type": "object",
    "required": ["code", "displayName", "level", "panels"],
    "properties": {
        "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
        "displayName": _TEXT,
        "plural": _optional("string"),
        "level": {"type": "integer"},
        "description": _optional("string"),
        "useCases": _optional("string"),
        "panels": _list(
            {
                "type": "object",
                "required": ["name", "sections"],
                "properties": {"name": _TEXT, "sections": _list(_SECTION)},
            }
        ),
    },
}

ERRORS = {
    "400": ("BadRequest", "The body is not valid for the entity."),
    "401": ("Unauthorized", md("No valid personal access token: send Authorization: Bearer <token>.")),
    "403": ("Forbidden", "The token may not do this."),
    "404": ("NotFound", "No such entity or object."),
    "429": ("TooManyRequests", "Too many requests: wait, then try again."),
}
READ_ERRORS = ("401", "403", "404", "429")
OBJECTS_TAG = "Objects"
UPDATES = (
    "Records are created with POST /v1/objects, read one by one and listed by entity. The API's "
    "update call is not known, so no path documents it; the generated Python models carry an "
    "Update class per entity (every editable field, optional) for the body of one."
)


def _json(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


def _responses(description: str, schema: Schema, errors: Sequence[str]) -> Schema:
    responses: Schema = {"200": {"description": description, "content": _json(schema)}}
    for status in errors:
        responses[status] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    return responses


def _union(entities: Sequence[Entity], component: dict[str, str], keyword: str) -> Schema:
    """One schema per entity, told apart by the `entity` key; the schema itself for a single entity."""
    if len(entities) == 1:
        return ref(component[entities[0].code])
    return {
        keyword: [ref(name) for name in component.values()],
        "discriminator": {
            "propertyName": "entity",
            "mapping": {code: ref(name)["$ref"] for code, name in component.items()},
        },
    }


def create_operation(entities: Sequence[Entity]) -> Schema:
    """POST /v1/objects: one request schema per entity, and the response its record, told apart by `entity`."""
    requests = {entity.code: f"{entity.code}CreateRequest" for entity in entities}
    records = {entity.code: entity.record_class for entity in entities}
    return {
        "tags": [OBJECTS_TAG],
        "operationId": "createObject",
        "summary": "Create a record",
        "description": (
            "The body is the entity's create fields beside the envelope: `entity` (the entity code), "
            "`level` (the entity level) and `comboKey` (" + md("SUB:<subscription id>|ENT:") + "). "
            "The response is the created record, of the entity that `entity` names."
        ),
        # A request names its entity (`entity` is required there): exactly one schema holds. A record
        # may omit `entity`, so the response is anyOf: the discriminator picks when it is there.
        "requestBody": {"required": True, "content": _json(_union(entities, requests, "oneOf"))},
        "responses": _responses("The created record.", _union(entities, records, "anyOf"), ["400", *READ_ERRORS]),
    }


def entity_paths(entity: Entity, api: Api) -> dict[str, Schema]:
    """The calls for one entity: list its records, read one, read its definition (at the configured path)."""
    code = entity.code
    # Summaries are plain text in every viewer; descriptions are CommonMark.
    shown = md(code)
    return {
        f"/v1/entities/{code}/SUB": {
            "get": {
                "tags": [code],
                "operationId": f"list{code}",
                "summary": f"List {code} records",
                "description": (
                    f"One page of {shown} records. Follow `next`, the URL of the next page, until it is null."
                ),
                "responses": _responses(f"A page of {shown} records.", ref(list_component(entity)), READ_ERRORS),
            }
        },
        f"/v1/objects/{code}/{{id}}": {
            "get": {
                "tags": [code],
                "operationId": f"get{code}",
                "summary": f"Read one {code} record",
                "description": f"The {shown} record with this id.",
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "description": "The object's id.",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": _responses(f"The {shown} record.", ref(entity.record_class), READ_ERRORS),
            }
        },
        api.definition_of(code): {
            "get": {
                "tags": [code],
                "operationId": f"get{code}Definition",
                "summary": f"Read the DEFINITION of {code}",
                "description": f"The schema of {shown} as the tenant defines it: its panels, sections and fields.",
                "responses": _responses(f"The DEFINITION object of {shown}.", ref("Definition"), READ_ERRORS),
            }
        },
    }


def servers(api: Api) -> list[Schema]:
    """The configured base URL; without one, a variable for the reader to fill in."""
    if api.base_url:
        return [{"url": api.base_url.rstrip("/") or api.base_url, "description": "The tenant's API."}]
    return [
        {
            "url": "{baseUrl}",
            "description": "The tenant's API: set base-url in [tool.dfgen] to write it here.",
            "variables": {"baseUrl": {"default": PLACEHOLDER_SERVER, "description": "The tenant's API base URL."}},
        }
    ]


def _pin_hint(entity: Entity, component: str) -> str:
    """How to give the enum behind a component another name, as TOML to paste."""
    for enum in entity.enums:
        if enum_component(entity, enum) == component:
            key = json.dumps(enum.field_code, ensure_ascii=False)
            return f'pin another class name in pyproject.toml: [tool.dfgen.pins.{entity.code}.enums] {key} = "{enum.name}2"'
    return f"pin another enum class name in pyproject.toml: [tool.dfgen.pins.{entity.code}.enums]"


def _components(entities: Sequence[Entity]) -> dict[str, Schema]:
    """Every entity's component schemas, or InputError where two entities' names meet."""
    schemas: dict[str, Schema] = {"Error": ERROR_SCHEMA, "Definition": DEFINITION_SCHEMA}
    owner: dict[str, Entity] = {}
    for entity in entities:
        for name, schema in entity_schemas(entity):
            if name in schemas:
                other = owner.get(name)
                whose = f"of entity {other.code}" if other is not None else "of dfgen's own"
                raise InputError.at(
                    Location(entity.source),
                    f"the OpenAPI component {name} of entity {entity.code} is also a component {whose}: {_pin_hint(entity, name)}",
                )
            schemas[name] = schema
            owner[name] = entity
    return schemas


def document(entities: Sequence[Entity], title: str, api: Api) -> dict[str, Any]:
    """One OpenAPI 3.1 document for these entities, at the paths `api` gives."""
    paths: dict[str, Any] = {"/v1/objects": {"post": create_operation(entities)}}
    for entity in entities:
        paths.update(entity_paths(entity, api=api))
    tags = [{"name": OBJECTS_TAG, "description": "Creating records of any entity."}]
    tags += [{"name": entity.code, "description": entity_summary(entity)} for entity in entities]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": "v1",
            "description": f"Generated by dfgen from DemandFlow entity definitions. {UPDATES}",
        },
        "servers": servers(api),
        "security": [{SECURITY_SCHEME: []}],
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": _components(entities),
            "responses": {
                name: {"description": description, "content": _json(ref("Error"))}
                for name, description in ERRORS.values()
            },
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": md("A personal access token: Authorization: Bearer <personal access token>."),
                }
            },
        },
    }


def entity_path(entity: Entity, path: str) -> str:
    """Where an entity's fragment goes; never the bundle's path (an entity called OPENAPI)."""
    return "openapi/openapi.entity.yaml" if path == BUNDLE else path


def entity_context(project: Project, entity: Entity) -> dict[str, Any]:
    """The context of openapi/document.yaml.jinja for one entity's fragment."""
    fragment = document([entity], f"DemandFlow API: {entity.code}", project.api)
    return {"header": python_header(entity.source), "document": fragment}


def project_context(project: Project, source: str) -> dict[str, Any]:
    """The context of openapi/document.yaml.jinja for the bundle of every entity."""
    return {"header": python_header(source), "document": document(project.entities, "DemandFlow API", project.api)}
