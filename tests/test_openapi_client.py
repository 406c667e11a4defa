"""openapi-python-client on the bundle of a many-entity tenant, against a loopback stand-in of the API.

The client is generated with warnings as errors (a model dropped for a clashing name is a warning),
imported, and used: each entity's create, read one and list parse as that entity's own class.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import httpx
import pytest

from tests.helpers import serving
from tests.openapi_support import generate_into, many_entity_definitions
from tests.test_openapi_tools import BIN, import_file, run, tool

TOKEN = "stand-in-token"


class StandIn(BaseHTTPRequestHandler):
    """The three calls of the API on records kept in memory; errors as {"message": ...}."""

    records: ClassVar[dict[str, dict[str, Any]]] = {}

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reports what matters."""

    def reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {TOKEN}":
            return True
        self.reply(401, {"message": "no token"})
        return False

    def do_POST(self) -> None:
        if not self.authorised():
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/v1/objects" or not isinstance(body, dict) or "entity" not in body:
            self.reply(400, {"message": "not a create request", "path": self.path})
            return
        record = {**body, "id": f"{body['entity']}-{len(self.records) + 1}"}
        self.records[record["id"]] = record
        self.reply(200, record)

    def do_GET(self) -> None:
        if not self.authorised():
            return
        parts = self.path.strip("/").split("/")
        if parts[:2] == ["v1", "entities"] and len(parts) == 4 and parts[3] == "SUB":
            items = [r for r in self.records.values() if r["entity"] == parts[2]]
            self.reply(200, {"items": items, "next": None})
        elif parts[:2] == ["v1", "objects"] and len(parts) == 4 and parts[3] in self.records:
            self.reply(200, self.records[parts[3]])
        else:
            self.reply(404, {"message": "no such object", "code": 40401})


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), StandIn)) as url:
        yield url


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Any]:
    """The client openapi-python-client generates from the bundle, imported, and dfgen's models."""
    root = tmp_path_factory.mktemp("client")
    generated = generate_into(many_entity_definitions(root / "definitions"), root / "out")
    (root / "config.yaml").write_text("post_hooks: []\n", encoding="utf-8")
    result = run(
        tool(BIN / "openapi-python-client"),
        *("generate", "--path", root / "out" / "openapi" / "openapi.yaml", "--meta", "none"),
        *("--output-path", root / "dfclient", "--config", root / "config.yaml", "--fail-on-warning"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return import_file(root / "dfclient"), generated.package


def call(package: ModuleType, module: str) -> Any:
    return importlib.import_module(f"{package.__name__}.api.{module}")


@pytest.mark.parametrize("code", ["TYPING", "ORDER_V2", "HOSTILE"])
def test_each_entity_is_created_read_and_listed_as_its_own_class(
    client_package: tuple[ModuleType, Any], api: str, code: str
) -> None:
    client, ours = client_package
    models = importlib.import_module(f"{client.__name__}.models")
    name = code.replace("_", "")
    record_class, request_class, list_class = (getattr(models, name + s) for s in ("", "CreateRequest", "List"))
    entity_models = getattr(ours, code.lower())
    create = getattr(entity_models, f"{code}Create")
    if code == "HOSTILE":
        body = create(title="<script>x</script>", kind="2", marks=["1"], size=3, owner="o-1")
        enum_field, enum_id = "kind", "2"
    else:
        body = create(name=f"{code} one", status="2", amount=4.5)
        enum_field, enum_id = "status", "2"
    payload = body.to_payload("sub-1")
    with client.AuthenticatedClient(base_url=api, token=TOKEN, timeout=httpx.Timeout(5.0)) as session:
        module = code.lower()
        created = call(client, "objects.create_object").sync(client=session, body=request_class.from_dict(payload))
        # Not ABC's class (the first of the entities) with the fields in additional_properties.
        assert type(created) is record_class
        assert created.additional_properties == {}
        assert created.entity == code and created.id == f"{code}-{created.id.split('-')[-1]}"
        assert getattr(created, enum_field) == getattr(models, f"{name}{enum_field.title()}")(enum_id)
        assert created.to_dict() == {**payload, "id": created.id}
        again = call(client, f"{module}.get_{module}").sync(id=created.id, client=session)
        assert type(again) is record_class and again.to_dict() == created.to_dict()
        page = call(client, f"{module}.list_{module}").sync(client=session)
        assert type(page) is list_class and page.next_ is None
        assert page.items and all(type(item) is record_class for item in page.items)
        assert created.id in [item.id for item in page.items]
        # What the client parsed, dfgen's record class reads as the same record.
        for item in page.items:
            ours_read = getattr(entity_models, code).model_validate(item.to_dict())
            dumped = ours_read.model_dump(mode="json", exclude_none=True)
            assert len(dumped) >= 3 and dumped == {k: v for k, v in item.to_dict().items() if k in dumped}
        missing = call(client, f"{module}.get_{module}").sync(id="nope", client=session)
        assert type(missing) is models.Error and missing.message == "no such object"
        assert missing.additional_properties == {"code": 40401}
    with client.Client(base_url=api, timeout=httpx.Timeout(5.0)) as anonymous:
        refused = call(client, f"{module}.list_{module}").sync(client=anonymous)
        assert type(refused) is models.Error and refused.message == "no token"


def test_the_generated_client_has_one_class_per_entity_model(client_package: tuple[ModuleType, Any]) -> None:
    client, _ = client_package
    exported = set(importlib.import_module(f"{client.__name__}.models").__all__)
    for code in ("ABC", "CDR", "HOSTILE", "OPENAPI", "ORDER", "ORDER_V2", "TYPING"):
        name = code.replace("_", "")
        assert {name, f"{name}CreateRequest", f"{name}List"} <= exported
    # One enum class per enum field: no Type0/Type1 pairs of unrelated enums.
    assert not [n for n in exported if n.endswith(("Type0", "Type1"))]
    assert {"CDRCallType", "CDRDirection", "HOSTILEKind", "HOSTILEMarks", "TYPINGStatus"} <= exported
    assert Path(client.__file__).parent.joinpath("api", "objects", "create_object.py").is_file()
