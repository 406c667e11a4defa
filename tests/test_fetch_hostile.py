"""dfgen fetch against a hostile or broken server on 127.0.0.1: bombs, trickles, floods, echoed tokens, stalls."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import tracemalloc
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from generator.cli import main
from generator.config import Config, parse_config
from generator.tenant.api import Limits
from tests.fetch_server import TOKEN, Reply, Server, running, unanswered_port
from tests.helpers import ROOT
from tests.test_fetch import FAST, LIST_PATH, fetch, listing, path_of, small_json, snapshot
from tests.test_fetch_api import OK, client, failure

MiB = 1024 * 1024


@pytest.fixture()
def server() -> Iterator[Server]:
    with running() as server:
        yield server


# -- content encodings: decoded bytes are counted as they are decoded --------------------------------


def compressor(name: str) -> Any:
    """A zlib compressor for one Content-Encoding name; "raw-deflate" is deflate without its zlib wrapper."""
    wbits = {"gzip": 31, "x-gzip": 31, "deflate": 15, "raw-deflate": -15}[name]
    return zlib.compressobj(9, zlib.DEFLATED, wbits)


def encoded(chunks: Iterable[bytes], names: list[str]) -> bytes:
    """The chunks compressed by each encoding in turn (the first streamed, so a bomb is never built whole)."""
    first = compressor(names[0])
    data = b"".join(first.compress(chunk) for chunk in chunks) + first.flush()
    for name in names[1:]:
        layer = compressor(name)
        data = layer.compress(data) + layer.flush()
    return data


def header(names: list[str]) -> str:
    return ", ".join("deflate" if name == "raw-deflate" else name for name in names)


@pytest.mark.parametrize("names", [["gzip", "gzip"], ["deflate", "gzip", "gzip"]])
def test_a_nested_compression_bomb_stops_at_the_limit_without_being_inflated(server: Server, names: list[str]) -> None:
    # 64 MiB of zeros in a few hundred bytes: the inner layer inflates all of it from one small chunk.
    body = encoded((bytes(MiB) for _ in range(64)), names)
    assert len(body) < 4096
    server.route("/d", Reply(body=body, headers={"Content-Encoding": header(names)}))
    tracemalloc.start()
    try:
        message = failure(client(server.url, max_body_bytes=MiB), server.url + "/d")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == f"{server.url}/d: the body is larger than {MiB} bytes; stopped reading"
    # The limit and a bounded step per layer, not the 64 MiB the bomb holds.
    assert peak < 4 * MiB


@pytest.mark.parametrize(
    "names",
    [[], ["identity"], ["gzip"], ["x-gzip"], ["deflate"], ["raw-deflate"], ["gzip", "deflate"], ["deflate", "x-gzip"]],
)
def test_compressed_definitions_are_decoded(server: Server, names: list[str]) -> None:
    data = json.dumps(small_json("TICKET", "ü" * 50_000)).encode("utf-8")
    real = [name for name in names if name != "identity"]
    body = encoded([data], real) if real else data
    server.route("/d", Reply(body=body, headers={"Content-Encoding": header(names)} if names else {}))
    with client(server.url) as api:
        assert api.get_json(server.url + "/d", "") == small_json("TICKET", "ü" * 50_000)
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("body", "encoding", "expected"),
    [
        (json.dumps(OK).encode(), "br", "unsupported content encoding 'br' (asked for gzip, deflate)"),
        (json.dumps(OK).encode(), "gzip", "the body's gzip encoding is corrupt"),
        (gzip.compress(json.dumps(OK).encode())[:-12], "gzip", "the body's gzip encoding ends early"),
        (encoded([b"{}"], ["gzip"] * 9), ", ".join(["gzip"] * 9), "more than 8 content encodings (9); refused"),
    ],
)
def test_encodings_that_cannot_be_decoded_fail_at_once(
    server: Server, body: bytes, encoding: str, expected: str
) -> None:
    server.route("/d", Reply(body=body, headers={"Content-Encoding": encoding}))
    assert failure(client(server.url), server.url + "/d") == f"{server.url}/d: {expected}"
    assert server.hits("/d") == 1


# -- the deadline covers connecting, headers and body ---------------------------------------------


def test_headers_trickled_a_byte_at_a_time_are_cut_off_at_the_deadline(server: Server) -> None:
    # Each byte comes well within the read timeout; the whole head would take five seconds.
    server.route("/d", Reply(body=OK, headers={"X-Pad": "x" * 220}, drip_head=0.02))
    message = failure(client(server.url, deadline=1.0, read_timeout=5.0), server.url + "/d")
    sent = server.head_sent
    assert message == f"{server.url}/d: gave up: the deadline of 1 s passed while waiting for the answer"
    assert sent < server.head_size


def test_a_server_that_never_answers_is_given_up_at_the_deadline(server: Server) -> None:
    server.route("/d", Reply(stall=True))
    message = failure(client(server.url, deadline=1.0, read_timeout=5.0), server.url + "/d")
    assert message == f"{server.url}/d: gave up: the deadline of 1 s passed while waiting for the answer"
    assert server.hits("/d") == 1


def test_connecting_is_given_up_at_the_deadline() -> None:
    with unanswered_port() as url:
        message = failure(client(url, deadline=1.0, connect_timeout=5.0), url + "/d")
    assert message == f"{url}/d: gave up: the deadline of 1 s passed while waiting for the answer"


# -- caps on the bytes of every page together, and on the values of one JSON body -----------------


def test_the_pages_of_a_listing_share_one_cap_on_bytes(server: Server, tmp_path: Path) -> None:
    pages = [
        Reply(body={**listing(small_json(f"E{n}")).body, "next": f"?page={n + 1}", "note": "x" * 3000})
        for n in range(1, 7)
    ]
    server.route(LIST_PATH, pages[0])
    for n, page in enumerate(pages[1:], 2):
        server.route(f"{LIST_PATH}?page={n}", page)
    # Every page is under the limit for one body; the fourth brings the sum over the cap.
    sizes = [len(page.payload()) for page in pages]
    cap = sum(sizes[:3]) + sizes[3] // 2
    outcome = fetch(server, tmp_path / "definitions", all=True, limits=replace(FAST, max_total_bytes=cap))
    assert outcome.message == (
        f"{server.url}{LIST_PATH}?page=4: the bodies of this fetch add up to more than {cap} bytes; stopped reading"
    )
    assert max(sizes) < FAST.max_body_bytes and len(server.requests) == 4
    assert not (tmp_path / "definitions").exists()


def test_a_json_body_of_too_many_values_is_refused_before_parsing(server: Server, tmp_path: Path) -> None:
    # 2.2 MB, well under the size limit, but 1.1 million values; with the default limits.
    server.route(LIST_PATH, Reply(body=b'{"items": [], "next": null, "pad": [' + b"0," * 1_100_000 + b"0]}"))
    outcome = fetch(server, tmp_path / "definitions", all=True)
    assert outcome.message == f"{server.url}{LIST_PATH}: the JSON holds more than 1000000 values; refused"
    assert FAST.max_json_values == Limits().max_json_values


@pytest.mark.parametrize(("pad", "refused"), [(95, False), (96, True)])
def test_the_value_cap_counts_every_value_and_key(server: Server, pad: int, refused: bool) -> None:
    # The object, two keys, "CDR", the list and its zeros: 5 + pad values, and strings hiding `[{,:`.
    body = {"code": "CDR", "p[a{d,:": [0] * pad}
    server.route("/d", Reply(body=body))
    api = client(server.url, max_json_values=100)
    if refused:
        assert failure(api, server.url + "/d") == f"{server.url}/d: the JSON holds more than 100 values; refused"
    else:
        with api:
            assert api.get_json(server.url + "/d", "") == body


# -- a definition that holds the token is refused --------------------------------------------------


def with_label(label: str) -> dict[str, Any]:
    return small_json("TICKET", label)


@pytest.mark.parametrize(
    ("definition", "path"),
    [
        (with_label(f"Title {TOKEN} (echoed)"), "$.panels[0].sections[0].fields[0].label"),
        ({**small_json("TICKET"), "id": TOKEN}, "$.id"),
        ({**small_json("TICKET"), f"x-{TOKEN}": 1}, "$"),
    ],
)
def test_a_definition_that_holds_the_token_is_refused_and_nothing_is_written(
    server: Server, tmp_path: Path, definition: dict[str, Any], path: str
) -> None:
    server.route(path_of("CDR"), Reply(body=small_json("CDR")))
    server.route(path_of("TICKET"), Reply(body=definition))
    outcome = fetch(server, tmp_path / "definitions", "CDR", "TICKET")
    assert outcome.message == (
        f"{server.url}{path_of('TICKET')}: {path}: holds the token; the server echoed it, so nothing is written"
    )
    assert not (tmp_path / "definitions").exists()


def test_a_listed_definition_that_holds_the_token_is_refused(server: Server, tmp_path: Path) -> None:
    leaky = small_json("LEAKY")
    leaky["panels"][0]["sections"][0]["fields"][0]["notes"] = f"see https://x.test/?t={TOKEN}"
    server.route(LIST_PATH, listing(small_json("TICKET"), leaky))
    outcome = fetch(server, tmp_path / "definitions", all=True)
    assert outcome.message == (
        f"{server.url}{LIST_PATH}: $.items[1].panels[0].sections[0].fields[0].notes: holds the token;"
        " the server echoed it, so nothing is written"
    )
    assert not (tmp_path / "definitions").exists()


# -- the command line: timeouts and deadline in [tool.dfgen], hints that work as printed ------------


@pytest.fixture()
def project(tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> Path:
    configure(tmp_path, f'base-url = "{server.url}"')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def configure(project: Path, *lines: str) -> None:
    (project / "pyproject.toml").write_text("\n".join(["[tool.dfgen]", *lines, ""]), encoding="utf-8")


def cli(*args: str) -> Result:
    result = CliRunner().invoke(main, ["fetch", *args], env={"DEMANDFLOW_TOKEN": TOKEN})
    assert TOKEN not in result.output
    return result


def test_the_deadline_and_timeouts_come_from_the_configuration(project: Path, server: Server) -> None:
    configure(project, f'base-url = "{server.url}"', "connect-timeout = 2", "read-timeout = 30", "deadline = 0.5")
    server.route(path_of("CDR"), Reply(stall=True))
    result = cli("CDR")
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {server.url}{path_of('CDR')}: gave up: the deadline of 0.5 s passed while waiting for the answer\n",
    )


@pytest.mark.parametrize("key", ["connect-timeout", "read-timeout", "deadline"])
@pytest.mark.parametrize("value", ["0", "-1", "'30'", "true", "inf", "nan", "[]"])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused(
    project: Path, server: Server, key: str, value: str
) -> None:
    configure(project, f'base-url = "{server.url}"', f"{key} = {value}")
    result = cli("CDR")
    default = {"connect-timeout": 10, "read-timeout": 30, "deadline": 60}[key]
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: pyproject.toml: [tool.dfgen] {key}: expected a number of seconds above 0, such as {default}\n",
    )
    assert server.requests == []


def test_by_default_a_silent_server_is_given_up_within_a_minute() -> None:
    config = parse_config({}, ROOT, "pyproject.toml")
    assert (config.connect_timeout, config.read_timeout, config.deadline) == (10, 30, 60)
    limits = Limits()
    assert (limits.connect_timeout, limits.read_timeout, limits.deadline) == (10, 30, 60)
    # The README shows the defaults that the code has.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for key, value in (("connect-timeout", 10), ("read-timeout", 30), ("deadline", 60)):
        assert re.search(rf"^{key} = {value} +#", readme, flags=re.M), key
    assert Config.deadline == 60


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command line as a user would paste it, with this environment's dfgen first on the PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "DEMANDFLOW_TOKEN": TOKEN}
    return subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def hint(text: str) -> str:
    found = re.search(r"run `([^`]+)` to update it", text)
    assert found, text
    return found.group(1)


def test_the_hint_of_fetch_all_check_updates_the_folder_as_printed(project: Path, server: Server) -> None:
    server.route(LIST_PATH, listing(small_json("TICKET"), small_json("CDR")))
    checked = cli("--all", "--check", "--definitions", "tenant defs")
    assert checked.exit_code == 1
    command = hint(checked.stderr)
    ran = shell(command, project)
    assert ran.returncode == 0, ran.stderr
    assert command == "dfgen fetch --all --definitions 'tenant defs'"
    assert sorted(snapshot(project / "tenant defs")) == ["cdr.yaml", "ticket.yaml"]
    assert cli("--all", "--check", "--definitions", "tenant defs").exit_code == 0


def test_the_hint_of_a_check_of_codes_repeats_the_codes_and_the_base_url(project: Path, server: Server) -> None:
    configure(project, 'base-url = "https://not-this.example"')
    server.route(path_of("CDR"), Reply(body=small_json("CDR")))
    server.route(path_of("TICKET"), Reply(body=small_json("TICKET")))
    checked = cli("--check", "TICKET", "CDR", "--base-url", server.url)
    assert checked.exit_code == 1
    command = hint(checked.stderr)
    ran = shell(command, project)
    assert ran.returncode == 0, ran.stderr
    assert command == f"dfgen fetch TICKET CDR --base-url {server.url}"
    assert sorted(snapshot(project / "definitions")) == ["cdr.yaml", "ticket.yaml"]


def test_the_hints_for_a_fetch_of_nothing_work_as_printed(project: Path, server: Server) -> None:
    server.route(LIST_PATH, listing(small_json("CDR")))
    server.route(path_of("CDR"), Reply(body=small_json("CDR")))
    result = cli()
    assert result.exit_code == 2
    commands = re.findall(r"`([^`]+)`", result.stderr)
    assert commands == ["dfgen fetch CDR", "dfgen fetch --all"]
    for command in commands:
        ran = shell(command, project)
        assert ran.returncode == 0, ran.stderr
    assert sorted(snapshot(project / "definitions")) == ["cdr.yaml"]


def test_a_body_refused_halfway_gives_one_line_and_exit_2_from_a_real_process(project: Path, server: Server) -> None:
    # The body stops being read partway, so its stream stays open until the client closes it.
    server.route(path_of("CDR"), Reply(body=b"not gzip" * 1000, headers={"Content-Encoding": "gzip"}))
    ran = shell("dfgen fetch CDR", project)
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.stderr == f"error: {server.url}{path_of('CDR')}: the body's gzip encoding is corrupt\n"
