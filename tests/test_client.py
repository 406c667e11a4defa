"""The client target: the package generated for a small tenant, used against the stand-in API."""

from __future__ import annotations

import ast
import asyncio
import functools
import importlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from generator.config import Api, Pins
from generator.diagnostics import InputError
from generator.targets.python import format_with_black, python_header
from tests.helpers import CDR_DEFINITION, ROOT, assert_golden, dfgen, generate, import_generated, write_tree
from tests.stand_in import TOKEN, Reply, StandIn, running

GOLDEN = ROOT / "tests" / "golden" / "client"
RUNTIME = ROOT / "generator" / "runtime"
# Two entities beside CDR: one with an enum and a reference, one named like Client.close.
TICKET = """\
code: TICKET
displayName: Ticket
level: 100
description: A support ticket.
panels:
  - name: General
    sections:
      - name: Main
        fields:
          - {code: title, type: text, required: true}
          - {code: priority, type: enum, options: [{id: 1, label: Low}, {id: 2, label: High}]}
          - {code: cdr, type: reference, target: CDR}
"""
CLOSE = """\
code: CLOSE
displayName: Close
level: 7
description: Named like the client's own close().
panels:
  - name: General
    sections:
      - name: Main
        fields:
          - {code: note, type: text}
"""
LIST = "/v1/entities/TICKET/SUB"


def readme_example() -> str:
    """The README's five lines, importing the package as `models` (the tests' output folder)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The client (opt-in)", 1)[1].split("\n## ", 1)[0]
    (example,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert example in (ROOT / "docs" / "client.md").read_text(encoding="utf-8")
    return example.replace("generated.models", "models")


def show(path: Path) -> str:
    return path.name


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tenant")
    write_tree(
        folder, {"cdr.yaml": CDR_DEFINITION.read_text(encoding="utf-8"), "ticket.yaml": TICKET, "close.yaml": CLOSE}
    )
    return folder


@pytest.fixture(scope="module")
def files(tenant: Path) -> dict[str, str]:
    return generate(
        tenant,
        show,
        {},
        ("models", "client"),
        api=Api(base_url="http://127.0.0.1:9", token_env="TENANT_PAT", client=True),
    )


@pytest.fixture(scope="module")
def out(files: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("out")
    write_tree(folder, files)
    return folder


@pytest.fixture(scope="module")
def models(out: Path) -> ModuleType:
    return import_generated(out)


@pytest.fixture(scope="module")
def client_module(models: ModuleType) -> ModuleType:
    return importlib.import_module(f"{models.__name__}.client")


@pytest.fixture
def api() -> Iterator[StandIn]:
    with running(page_size=2) as stand_in:
        yield stand_in


def test_the_client_is_off_unless_named(tenant: Path) -> None:
    paths = generate(tenant, show, {}, ("models", "openapi", "docs"))
    assert paths and not [path for path in paths if "client" in path]
    assert "httpx" not in paths["models/__init__.py"]


def test_the_generated_client_is_its_golden_and_the_runtime_as_it_is(tenant: Path, files: dict[str, str]) -> None:
    assert sorted(path for path in files if "client" in path or "_retry" in path) == [
        "models/_client.py",
        "models/_client_common.py",
        "models/_client_core.py",
        "models/_retry.py",
        "models/client/__init__.py",
        "models/client/cdr.py",
        "models/client/close.py",
        "models/client/ticket.py",
    ]
    for name in ("__init__.py", "ticket.py", "close.py"):
        assert_golden(GOLDEN / name, files[f"models/client/{name}"])
    for name in ("_client", "_client_common", "_client_core", "_retry"):
        source = (RUNTIME / f"{name}.py").read_text(encoding="utf-8")
        assert files[f"models/{name}.py"] == python_header(show(tenant)) + "\n" + source


def test_generation_is_deterministic_and_black_clean(tenant: Path, files: dict[str, str]) -> None:
    again = generate(
        tenant,
        show,
        {},
        ("models", "client"),
        api=Api(base_url="http://127.0.0.1:9", token_env="TENANT_PAT", client=True),
    )
    assert again == files
    for path, text in files.items():
        if "client" in path:
            assert format_with_black(text) == text, path


def test_the_configuration_reaches_the_client(client_module: ModuleType) -> None:
    assert (client_module.Client.TOKEN_ENV, client_module.AsyncClient.BASE_URL) == ("TENANT_PAT", "http://127.0.0.1:9")
    # An accessor named like one of the client's methods gets a trailing underscore.
    assert isinstance(vars(client_module.Client)["close_"], functools.cached_property)
    assert vars(client_module.AsyncClient)["close_"].attrname == "close_" and callable(client_module.Client.close)


def test_create_get_and_list_every_page(api: StandIn, models: ModuleType, client_module: ModuleType) -> None:
    with client_module.Client(api.url, TOKEN, subscription="s1") as client:
        created = [client.ticket.create(models.TICKETCreate(title=f"t{n}", priority="2")) for n in range(3)]
        assert isinstance(created[0], models.TICKET) and created[0].priority is models.Priority.HIGH
        assert client.ticket.get(created[1].id) == created[1]
        assert [t.title for t in client.ticket.list()] == ["t0", "t1", "t2"]
        pages = list(client.ticket.pages())
        assert [type(page) for page in pages] == [models.TICKETList] * 2
        other = client.close_.create(models.CLOSECreate(note="n"), subscription="s2")
        assert client.close_.get(other.id).note == "n"
    posted = api.seen("POST")
    assert posted[0].body == {
        "entity": "TICKET",
        "level": 100,
        "comboKey": "SUB:s1|ENT:",
        "title": "t0",
        "priority": "2",
    }
    assert posted[-1].body["comboKey"] == "SUB:s2|ENT:"
    assert "token=<hidden>" in repr(client) and TOKEN not in repr(client)


def test_async_create_get_and_list(api: StandIn, models: ModuleType, client_module: ModuleType) -> None:
    async def run() -> tuple[Any, Any, list[str], int]:
        async with client_module.AsyncClient(api.url, TOKEN, subscription="s1") as client:
            created = [await client.ticket.create(models.TICKETCreate(title=f"a{n}")) for n in range(3)]
            read = await client.ticket.get(created[2].id)
            titles = [ticket.title async for ticket in client.ticket.list()]
            pages = [page async for page in client.ticket.pages()]
            return created[2], read, titles, len(pages)

    created, read, titles, pages = asyncio.run(run())
    assert created == read and titles == ["a0", "a1", "a2"] and pages == 2


def test_api_errors_carry_the_status_and_the_error_body(
    api: StandIn, models: ModuleType, client_module: ModuleType
) -> None:
    client = client_module.Client(api.url, "not-the-token", subscription="s1")
    with pytest.raises(client_module.ApiError) as caught:
        client.ticket.create(models.TICKETCreate(title="x"))
    assert caught.value.status == 401 and isinstance(caught.value.error, models.Error)
    assert "TENANT_PAT" in str(caught.value) and "not-the-token" not in str(caught.value)
    api.script("GET", "/v1/objects/TICKET/1", *[Reply(500, {"message": "down", "code": 17})] * 2)
    with pytest.raises(client_module.ApiError) as caught:
        client_module.Client(api.url, TOKEN).ticket.get("1")
    assert (caught.value.status, caught.value.error.message, caught.value.error.model_extra) == (
        500,
        "down",
        {"code": 17},
    )


def test_a_429_then_success(api: StandIn, client_module: ModuleType) -> None:
    api.script("GET", LIST, Reply(429, {"message": "slow down"}, {"Retry-After": "0"}))
    assert list(client_module.Client(api.url, TOKEN).ticket.list()) == []
    assert len(api.seen("GET", LIST)) == 2


def test_a_record_that_does_not_validate_names_entity_and_path(api: StandIn, client_module: ModuleType) -> None:
    api.script("GET", "/v1/objects/TICKET/3", Reply(200, {"id": 3, "title": "id is a number"}))
    with pytest.raises(client_module.InvalidResponse) as caught:
        client_module.Client(api.url, TOKEN).ticket.get("3")
    assert (caught.value.entity, caught.value.path) == ("TICKET", "/v1/objects/TICKET/3")
    assert "$.id: Input should be a valid string" in str(caught.value)
    api.script("GET", "/v1/objects/TICKET/4", Reply(200, {"id": "4"}, short_by=5))
    with pytest.raises(client_module.ConnectionFailed, match="broke off"):
        client_module.Client(api.url, TOKEN, retries=client_module.Retries(attempts=1)).ticket.get("4")


def test_a_redirect_to_another_host_is_not_followed(api: StandIn, client_module: ModuleType) -> None:
    with running() as other:
        api.script("GET", LIST, Reply(301, headers={"Location": f"{other.url}{LIST}"}))
        with pytest.raises(client_module.OriginError):
            list(client_module.Client(api.url, TOKEN).ticket.list())

        async def run() -> None:
            async with client_module.AsyncClient(api.url, TOKEN) as client:
                [ticket async for ticket in client.ticket.list()]

        api.script("GET", LIST, Reply(301, headers={"Location": f"{other.url}{LIST}"}))
        with pytest.raises(client_module.OriginError):
            asyncio.run(run())
        assert other.requests == []


def test_a_user_script_of_five_lines_creates_and_lists(api: StandIn, out: Path) -> None:
    script = out / "user.py"
    script.write_text(readme_example().replace("Client(subscription", f"Client({api.url!r}, subscription"))
    assert len(script.read_text(encoding="utf-8").splitlines()) == 5
    env = {**os.environ, "TENANT_PAT": TOKEN}
    result = subprocess.run(
        [sys.executable, "-W", "error", str(script)], cwd=out, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[('1', 'call 1')]\n"
    (created,) = api.seen("POST")
    assert created.body["comboKey"] == "SUB:abc|ENT:" and created.body["callType"] == "1"


def test_mypy_strict_accepts_a_user_script_and_catches_a_wrong_model(out: Path) -> None:
    pytest.importorskip("mypy")
    (out / "good.py").write_text(readme_example())
    (out / "wrong.py").write_text(
        "from models import CDRCreate, TICKET\nfrom models.client import AsyncClient, Client\n"
        "def wrong(client: Client, data: CDRCreate) -> TICKET:\n"
        "    return client.ticket.create(data)\n"
        "async def fine(client: AsyncClient) -> list[str]:\n"
        "    return [t.id async for t in client.ticket.list()] + [(await client.cdr.get('1')).id]\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "good.py", "wrong.py"],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, result.stdout
    assert errors[0].startswith('wrong.py:4: error: Argument 1 to "create" of "TICKETRecords" has incompatible type')


@pytest.mark.parametrize(
    "tool",
    [
        ["ruff", "check", "--isolated", "--target-version", "py310", "--select", "E4,E7,E9,F,W,I,B,UP,RUF"],
        ["mypy", "--strict", "--no-incremental"],
    ],
)
def test_the_generated_client_passes_the_linters(tool: list[str], out: Path) -> None:
    pytest.importorskip(tool[0])
    result = subprocess.run(
        [sys.executable, "-m", *tool, "models"], cwd=out, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_entities_named_like_keywords_and_modules_get_working_accessors(tmp_path: Path) -> None:
    """typing, importlib, class, from, none...: the client's own names are never shadowed."""
    definitions = ROOT / "tests" / "cases" / "keyword-entities" / "definitions"
    write_tree(tmp_path, generate(definitions, show, {}, ("models", "client")))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "models"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    models = import_generated(tmp_path)
    client = importlib.import_module(f"{models.__name__}.client").Client("https://x.example", TOKEN)
    for path in sorted((tmp_path / "models").glob("[a-z]*.py")):
        module = importlib.import_module(f"{models.__name__}.{path.stem}")
        record = next(v for v in vars(module).values() if getattr(v, "__name__", "") + "Create" in vars(module))
        accessor = getattr(client, path.stem)
        assert type(accessor).__name__ == f"{record.__name__}Records"
        assert accessor.create.__annotations__["return"] is record
    client.close()


def test_an_entity_whose_module_is_the_client_package_stops_generation(tmp_path: Path) -> None:
    write_tree(tmp_path, {"client.yaml": CLOSE.replace("code: CLOSE", "code: CLIENT")})
    with pytest.raises(InputError) as caught:
        generate(tmp_path, show, {}, ("models", "client"))
    assert str(caught.value).endswith(
        "module client of CLIENT is the client package models/client/;"
        " pin a module name in pyproject.toml: [tool.dfgen.pins.CLIENT] module = 'client_'"
    )
    assert generate(tmp_path, show, {}, ("models",))
    pinned = generate(tmp_path, show, {"CLIENT": Pins(module="client_")}, ("models", "client"))
    assert "models/client/client_.py" in pinned


def test_the_command_line_generates_the_client_only_with_the_models(tenant: Path, tmp_path: Path) -> None:
    shutil.copytree(tenant, tmp_path / "defs")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.dfgen]\ndefinitions = "defs"\ntargets = ["client"]\n', encoding="utf-8")
    result = dfgen(tmp_path, "generate")
    assert (result.returncode, result.stderr) == (
        2,
        'error: pyproject.toml: [tool.dfgen] targets: "client" needs "models" too\n',
    )
    assert not (tmp_path / "generated").exists()
    pyproject.write_text(
        '[tool.dfgen]\ndefinitions = "defs"\ntargets = ["models", "client"]\n'
        'token-env = "TENANT_PAT"\nbase-url = "https://tenant.example/api"\n',
        encoding="utf-8",
    )
    assert dfgen(tmp_path, "generate").returncode == 0
    assert dfgen(tmp_path, "check").returncode == 0
    assert (tmp_path / "generated" / "models" / "client" / "ticket.py").is_file()
    package_doc = ast.get_docstring(ast.parse((tmp_path / "generated" / "models" / "__init__.py").read_text()))
    assert package_doc is not None and "needs httpx" in package_doc
    client = (tmp_path / "generated" / "models" / "client" / "__init__.py").read_text()
    assert 'BASE_URL = "https://tenant.example/api"\n    TOKEN_ENV = "TENANT_PAT"\n' in client
    pyproject.write_text('[tool.dfgen]\ndefinitions = "defs"\n', encoding="utf-8")
    listing = dfgen(tmp_path, "targets").stdout
    assert listing.startswith("client [off] A typed client over httpx"), listing


def test_the_client_builds_only_the_entities_a_program_uses(out: Path) -> None:
    code = (
        "import sys\nfrom models.client import Client\n"
        "loaded = lambda: sorted(name for name in sys.modules if name.startswith('models.'))\n"
        "print(loaded())\nClient('https://x.example', 't', subscription='s').ticket\nprint(loaded())\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=out, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    runtime = [
        "models._base",
        "models._client",
        "models._client_common",
        "models._client_core",
        "models._retry",
        "models.client",
    ]
    assert result.stdout.splitlines() == [
        str(runtime),
        str(sorted([*runtime, "models.client.ticket", "models.ticket"])),
    ]
