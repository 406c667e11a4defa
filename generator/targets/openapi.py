"""The OpenAPI target: an OpenAPI 3.1 fragment per entity, and the bundle of all of them.

Documents are built as Python data and serialised by generator.targets.documents; templates only place the
header above them. `openapi/<entity module>.yaml` holds one entity's schemas and calls,
`openapi/openapi.yaml` every entity's. An entity whose module is `openapi` would overwrite the
bundle, so its fragment is `openapi/openapi.entity.yaml` (a dot never occurs in a module name).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.config import Api
from generator.definitions.format import FieldType
from generator.model.entities import Entity, Project
from generator.targets.openapi_schema import Schema, entity_schemas, ref
from generator.targets.python import python_header

OPENAPI_VERSION = "3.1.0"
BUNDLE = "openapi/openapi.yaml"
SECURITY_SCHEME = "bearerAuth"

ERROR_SCHEMA: Schema = {
    "description": "An error as the API reports it; only a message is assumed.",
    "type": "object",
    "properties": {"message": {"type": "string"}},
}


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
    "401": ("Unauthorized", "No valid personal access token: send Authorization: Bearer <token>."),
    "403": ("Forbidden", "The token may not do this."),
    "404": ("NotFound", "No such entity or object."),
    "429": ("TooManyRequests", "Too many requests: wait, then try again."),
}


def _json(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


def _responses(description: str, schema: Schema, errors: Sequence[str]) -> Schema:
    responses: Schema = {"200": {"description": description, "content": _json(schema)}}
    for status in errors:
        responses[status] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    return responses


def create_operation(entities: Sequence[Entity]) -> Schema:
    """POST /v1/objects: one request schema per entity, told apart by `entity`."""
    requests = {entity.code: f"{entity.code}CreateRequest" for entity in entities}
    records = [ref(entity.record_class) for entity in entities]
    return {
        "tags": ["Objects"],
        "operationId": "createObject",
        "summary": "Create a record",
        "description": "The body is the entity's create fields beside the envelope: entity, level and comboKey.",
        "requestBody": {
            "required": True,
            "content": _json(
                {
                    "oneOf": [ref(name) for name in requests.values()],
                    "discriminator": {
                        "propertyName": "entity",
                        "mapping": {code: ref(name)["$ref"] for code, name in requests.items()},
                    },
                }
            ),
        },
        "responses": _responses(
            "The created record.",
            records[0] if len(records) == 1 else {"anyOf": records},
            ["400", "401", "403", "404", "429"],
        ),
    }


def entity_paths(entity: Entity, api: Api) -> dict[str, Schema]:
    """The calls for one entity: list its records, read its definition (at the configured path)."""
    definition_path = api.definition_of(entity.code)
    return {
        f"/v1/entities/{entity.code}/SUB": {
            "get": {
                "tags": [entity.code],
                "operationId": f"list{entity.code}",
                "summary": f"List {entity.code} records",
                "responses": _responses(
                    f"A page of {entity.code} records.", ref(f"{entity.code}List"), ["401", "403", "404", "429"]
                ),
            }
        },
        definition_path: {
            "get": {
                "tags": [entity.code],
                "operationId": f"get{entity.code}Definition",
                "summary": f"Read the DEFINITION of {entity.code}",
                "responses": _responses(
                    f"The DEFINITION object of {entity.code}.", ref("Definition"), ["401", "403", "404", "429"]
                ),
            }
        },
    }


def document(entities: Sequence[Entity], title: str, api: Api) -> dict[str, Any]:
    """One OpenAPI 3.1 document for these entities, at the paths `api` gives."""
    paths: dict[str, Any] = {"/v1/objects": {"post": create_operation(entities)}}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA, "Definition": DEFINITION_SCHEMA}
    for entity in entities:
        paths.update(entity_paths(entity, api=api))
        schemas.update(entity_schemas(entity))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": "v1",
            "description": "Generated by dfgen from DemandFlow entity definitions.",
        },
        "security": [{SECURITY_SCHEME: []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                name: {"description": description, "content": _json(ref("Error"))}
                for name, description in ERRORS.values()
            },
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal access token: Authorization: Bearer <personal access token>.",
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
