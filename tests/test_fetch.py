"""dfgen fetch against a real HTTP server on 127.0.0.1: what is written, what is refused, what is said."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.config import load_config
from generator.definitions.canonical import canonical_dict, dump_definition
from generator.definitions.load import load_file
from generator.definitions.validate import validate_definition
from generator.diagnostics import InputError
from generator.tenant.api import Limits
from generator.tenant.fetch import FetchRequest, run
from tests.fetch_server import TOKEN, Reply, Server, running
from tests.helpers import CDR_DEFINITION, ROOT, generate

DEFINITION_PATH = "/v1/objects/DEFINITION/{code}"
LIST_PATH = "/v1/entities/DEFINITION/SUB"
FAST = Limits(attempts=2, backoff_base=0.01, backoff_cap=0.01, read_timeout=0.5, connect_timeout=0.5, deadline=20)
ENVELOPE = {"entity": "DEFINITION", "id": "6650f0c2e4b0a1", "createdAt": "2024-05-01T10:00:00Z"}


def cdr_json() -> dict[str, Any]:
    """The committed CDR definition as the API would send it: envelope keys around, defaults spelled out."""
    entity = validate_definition(load_file(CDR_DEFINITION, "definitions/cdr.yaml"), "definitions/cdr.yaml")
    data = canonical_dict(entity)
    for panel in data["panels"]:
        for section in panel["sections"]:
            section["fields"] = [
                {"required": False, "readOnly": False, "label": None, "notes": None, **field}
                for field in section["fields"]
            ]
    return {**ENVELOPE, **data, "updatedAt": "2024-06-01T10:00:00Z", "version": 12}


def small_json(code: str, label: str = "Title") -> dict[str, Any]:
    fields = [{"code": "title", "type": "text", "label": label, "required": True}]
    return {
        **ENVELOPE,
        "code": code,
        "displayName": code.title(),
        "level": 100,
        "panels": [{"name": "Main", "sections": [{"name": "Basics", "fields": fields}]}],
    }


def path_of(code: str) -> str:
    return DEFINITION_PATH.replace("{code}", code)


@pytest.fixture()
def server() -> Iterator[Server]:
    with running() as server:
        yield server


class Outcome:
    """What one fetch run did: exit code or error, and every line it printed."""

    def __init__(self) -> None:
        self.code: int | None = None
        self.error: InputError | None = None
        self.out: list[str] = []
        self.err: list[str] = []

    @property
    def message(self) -> str:
        return str(self.error)


def fetch(
    server: Server,
    folder: Path,
    *codes: str,
    environ: dict[str, str] | None = None,
    limits: Limits = FAST,
    max_pages: int = 100,
    **options: Any,
) -> Outcome:
    """Run the fetch command's logic with small limits; the project root is the folder's parent."""
    request = FetchRequest(
        codes=codes,
        all=options.pop("all", False),
        base_url=options.pop("base_url", server.url),
        definitions=folder,
        token_env="DEMANDFLOW_TOKEN",
        definition_path=options.pop("definition_path", DEFINITION_PATH),
        list_path=LIST_PATH,
        **options,
    )
    outcome = Outcome()
    try:
        outcome.code = run(
            request,
            {"DEMANDFLOW_TOKEN": TOKEN} if environ is None else environ,
            lambda p: p.relative_to(folder.parent).as_posix(),
            outcome.out.append,
            outcome.err.append,
            limits,
            max_pages,
            sleep=lambda s: None,
        )
    except InputError as error:
        outcome.error = error
    return outcome


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_fetched_cdr_regenerates_byte_identical_output(server: Server, tmp_path: Path) -> None:
    server.route(path_of("CDR"), Reply(body=cdr_json()))
    folder = tmp_path / "definitions"
    outcome = fetch(server, folder, "CDR")
    assert outcome.code == 0, outcome.message
    assert outcome.out == [
        "added: definitions/cdr.yaml",
        "dfgen: definitions: 1 fetched, 1 added, 0 changed, 0 unchanged",
    ]
    assert list(snapshot(folder)) == ["cdr.yaml"]
    targets = load_config(ROOT).targets
    fetched = generate(folder, lambda p: p.resolve().relative_to(tmp_path.resolve()).as_posix(), {}, targets)
    committed = generate(ROOT / "definitions", lambda p: p.resolve().relative_to(ROOT).as_posix(), {}, targets)
    assert fetched == committed
    assert "models/cdr.py" in fetched


def test_fetching_again_is_a_no_op_and_check_agrees(server: Server, tmp_path: Path) -> None:
    server.route(path_of("CDR"), Reply(body=cdr_json()))
    folder = tmp_path / "definitions"
    fetch(server, folder, "CDR")
    before = snapshot(folder)
    again = fetch(server, folder, "CDR")
    assert again.out[-1] == "dfgen: definitions: 1 fetched, 0 added, 0 changed, 1 unchanged"
    checked = fetch(server, folder, "CDR", check=True)
    assert (checked.code, checked.out, checked.err) == (
        0,
        [],
        ["dfgen: definitions matches the tenant (1 fetched)"],
    )
    assert snapshot(folder) == before


def test_the_written_file_is_the_canonical_text_without_envelope_keys(server: Server, tmp_path: Path) -> None:
    server.route(path_of("TICKET"), Reply(body=small_json("TICKET", 'Say "hi" \\ ü\u2028\x85 ok')))
    fetch(server, tmp_path / "definitions", "TICKET")
    text = (tmp_path / "definitions" / "ticket.yaml").read_text(encoding="utf-8")
    assert text == (
        "code: TICKET\ndisplayName: Ticket\nlevel: 100\npanels:\n  - name: Main\n    sections:\n"
        "      - name: Basics\n        fields:\n          - code: title\n            type: text\n"
        '            label: "Say \\"hi\\" \\\\ ü\\L\\N ok"\n            required: true\n'
    )
    entity = validate_definition(load_file(tmp_path / "definitions" / "ticket.yaml", "t"), "t")
    assert entity.fields[0].label == 'Say "hi" \\ ü\u2028\x85 ok'


def test_several_codes_show_progress_and_are_written_together(server: Server, tmp_path: Path) -> None:
    server.route(path_of("CDR"), Reply(body=cdr_json()))
    server.route(path_of("TICKET"), Reply(body=small_json("TICKET")))
    outcome = fetch(server, tmp_path / "definitions", "CDR", "TICKET", "CDR")
    assert outcome.err == ["fetching CDR (1/2)", "fetching TICKET (2/2)"]
    assert list(snapshot(tmp_path / "definitions")) == ["cdr.yaml", "ticket.yaml"]
    quiet = fetch(server, tmp_path / "definitions", "CDR", "TICKET", quiet=True)
    assert (quiet.code, quiet.out, quiet.err) == (0, [], [])


def test_one_failure_writes_nothing_at_all(server: Server, tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "cdr.yaml").write_text("old: text\n", encoding="utf-8")
    server.route(path_of("CDR"), Reply(body=cdr_json()))
    server.route(path_of("TICKET"), Reply(body=small_json("TICKET")))
    server.route(path_of("BROKEN"), Reply(503))
    outcome = fetch(server, folder, "CDR", "TICKET", "BROKEN")
    assert outcome.message.endswith(
        "/v1/objects/DEFINITION/BROKEN: HTTP 503 Service Unavailable; gave up after 2 attempts"
    )
    assert snapshot(folder) == {"cdr.yaml": b"old: text\n"}


def test_an_invalid_definition_is_reported_by_url_and_json_path_and_nothing_is_written(
    server: Server, tmp_path: Path
) -> None:
    bad = small_json("TICKET")
    bad["panels"][0]["sections"][0]["fields"].append({"code": "x", "type": "text", "colour": "red", "min": 1})
    bad["panels"][0]["extra"] = True
    server.route(path_of("CDR"), Reply(body=cdr_json()))
    server.route(path_of("TICKET"), Reply(body=bad))
    outcome = fetch(server, tmp_path / "definitions", "CDR", "TICKET")
    url = server.url + path_of("TICKET")
    assert [str(d) for d in outcome.error.diagnostics] == [
        f"{url}: $.panels[0].extra: unknown panel key 'extra'",
        f"{url}: $.panels[0].sections[0].fields[1].colour: field 'x': unknown field key 'colour'",
        f"{url}: $.panels[0].sections[0].fields[1].min: field 'x': key 'min' does not apply to a text field (only number and gauge)",
    ]
    assert not (tmp_path / "definitions").exists()


def test_the_definition_must_be_the_one_asked_for(server: Server, tmp_path: Path) -> None:
    server.route(path_of("CDR"), Reply(body=small_json("TICKET")))
    outcome = fetch(server, tmp_path / "definitions", "CDR")
    assert outcome.message == f"{server.url}{path_of('CDR')}: $.code: asked for CDR, got the definition of TICKET"


def test_an_unknown_code_says_what_to_check(server: Server, tmp_path: Path) -> None:
    outcome = fetch(server, tmp_path / "definitions", "NOPE")
    assert outcome.message == (
        f"{server.url}{path_of('NOPE')}: HTTP 404 Not Found: unknown entity code 'NOPE', or a wrong definition-path"
        " ('/v1/objects/DEFINITION/{code}' in [tool.dfgen])"
    )


def test_the_definition_path_is_configurable(server: Server, tmp_path: Path) -> None:
    server.route("/api/defs/TICKET.json", Reply(body=small_json("TICKET")))
    outcome = fetch(server, tmp_path / "definitions", "TICKET", definition_path="/api/defs/{code}.json")
    assert outcome.code == 0 and (tmp_path / "definitions" / "ticket.yaml").is_file()


@pytest.mark.parametrize(
    ("codes", "options", "expected"),
    [
        (("cdr",), {}, "cdr: not an entity code (expected [A-Z][A-Z0-9_]*, such as CDR); did you mean 'CDR'?"),
        (("../X",), {}, "../X: not an entity code (expected [A-Z][A-Z0-9_]*, such as CDR)"),
        (
            (),
            {},
            "fetch: name the entity codes to fetch, as in `dfgen fetch CDR`, or fetch every entity with"
            " `dfgen fetch --all`",
        ),
        (("CDR",), {"all": True}, "fetch: name entity codes or pass --all, not both"),
        (
            ("CDR",),
            {"definition_path": "/defs/CDR"},
            "definition-path: expected a path with {code}, such as /v1/objects/DEFINITION/{code}",
        ),
        (("CDR",), {"base_url": None}, "base-url: '' is not an http(s) URL such as https://api.example.com"),
        (
            ("CDR",),
            {"environ": {}},
            "DEMANDFLOW_TOKEN: environment variable not set; set it to a personal access token of the tenant",
        ),
    ],
)
def test_bad_requests_fail_before_any_request(
    server: Server, tmp_path: Path, codes: tuple[str, ...], options: dict[str, Any], expected: str
) -> None:
    outcome = fetch(server, tmp_path / "definitions", *codes, **options)
    assert outcome.message == expected
    assert server.requests == []


def listing(*items: Any, next_url: str | None = None) -> Reply:
    return Reply(body={"items": list(items), "next": next_url})


def test_all_follows_the_pages(server: Server, tmp_path: Path) -> None:
    server.route(LIST_PATH, listing(cdr_json(), next_url=f"{server.url}{LIST_PATH}?page=2"))
    server.route(f"{LIST_PATH}?page=2", listing(small_json("TICKET"), next_url="?page=3"))
    server.route(f"{LIST_PATH}?page=3", listing())
    outcome = fetch(server, tmp_path / "definitions", all=True)
    assert outcome.code == 0, outcome.message
    assert outcome.err == [f"fetching the definition list (page {n})" for n in (1, 2, 3)]
    assert list(snapshot(tmp_path / "definitions")) == ["cdr.yaml", "ticket.yaml"]
    assert all(seen.headers["authorization"] == f"Bearer {TOKEN}" for seen in server.requests)


def test_all_refuses_pages_that_loop(server: Server, tmp_path: Path) -> None:
    server.route(LIST_PATH, listing(cdr_json(), next_url=f"{server.url}{LIST_PATH}?page=2"))
    server.route(f"{LIST_PATH}?page=2", listing(small_json("TICKET"), next_url=f"{server.url}{LIST_PATH}"))
    outcome = fetch(server, tmp_path / "definitions", all=True)
    assert (
        outcome.message
        == f"{server.url}{LIST_PATH}: the listing's next page was already fetched (the pages loop); stopped"
    )
    assert not (tmp_path / "definitions").exists()


def test_all_stops_at_the_page_limit(server: Server, tmp_path: Path) -> None:
    for page in range(1, 10):
        server.route(f"{LIST_PATH}?page={page}", listing(next_url=f"?page={page + 1}"))
    server.route(LIST_PATH, listing(next_url="?page=1"))
    outcome = fetch(server, tmp_path / "definitions", all=True, max_pages=4)
    assert outcome.message == f"{server.url}{LIST_PATH}?page=4: the listing has more than 4 pages; stopped"
    assert len(server.requests) == 4


def test_all_never_follows_a_next_page_to_another_origin(server: Server, tmp_path: Path) -> None:
    with running() as elsewhere:
        server.route(LIST_PATH, listing(cdr_json(), next_url=f"{elsewhere.url}/page2"))
        outcome = fetch(server, tmp_path / "definitions", all=True)
        assert elsewhere.requests == []
    assert outcome.message == f"{elsewhere.url}/page2: refusing to send the token to another origin than {server.url}"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], "$: expected an object with 'items' and 'next'"),
        ({"items": {}, "next": None}, "$.items: expected a list of definitions"),
        ({"items": [], "next": 3}, "$.next: expected the URL of the next page, or null"),
    ],
)
def test_all_refuses_a_listing_of_the_wrong_shape(server: Server, tmp_path: Path, body: Any, expected: str) -> None:
    server.route(LIST_PATH, Reply(body=body))
    assert fetch(server, tmp_path / "definitions", all=True).message == f"{server.url}{LIST_PATH}: {expected}"


def test_all_reports_bad_items_by_json_path_and_codes_listed_twice(server: Server, tmp_path: Path) -> None:
    server.route(LIST_PATH, listing(small_json("TICKET"), {**small_json("X"), "level": "high"}, small_json("TICKET")))
    url = server.url + LIST_PATH
    assert [str(d) for d in fetch(server, tmp_path / "definitions", all=True).error.diagnostics] == [
        f"{url}: $.items[1].level: level: expected an integer, got a string",
        f"{url}: $.items[2].code: TICKET is listed twice (first at {url}: $.items[0])",
    ]


def test_check_names_what_the_tenant_changed_and_writes_nothing(server: Server, tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    server.route(path_of("CDR"), Reply(body=cdr_json()))
    server.route(path_of("TICKET"), Reply(body=small_json("TICKET")))
    server.route(LIST_PATH, listing(cdr_json(), small_json("TICKET"), small_json("NEW")))
    fetch(server, folder, "CDR", "TICKET")
    (folder / "gone.yaml").write_text("code: GONE\n", encoding="utf-8")
    server.route(path_of("TICKET"), Reply(body=small_json("TICKET", "Renamed")))
    before = snapshot(folder)
    checked = fetch(server, folder, "CDR", "TICKET", check=True)
    assert (checked.code, checked.out) == (1, ["changed on the tenant: TICKET (definitions/ticket.yaml)"])
    assert checked.err[-1] == "dfgen: definitions differs from the tenant; run `dfgen fetch CDR TICKET` to update it"
    everything = fetch(server, folder, all=True, check=True)
    assert (everything.code, everything.out) == (
        1,
        ["new on the tenant: NEW (definitions/new.yaml)", "not on the tenant: definitions/gone.yaml"],
    )
    assert snapshot(folder) == before


def test_all_leaves_definitions_that_are_gone_from_the_tenant(server: Server, tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "gone.yaml").write_text("code: GONE\n", encoding="utf-8")
    server.route(LIST_PATH, listing(small_json("TICKET")))
    outcome = fetch(server, folder, all=True)
    assert outcome.err[-1] == "note: definitions/gone.yaml is not on the tenant; left as it is"
    assert sorted(snapshot(folder)) == ["gone.yaml", "ticket.yaml"]


def test_a_target_that_is_not_a_file_stops_every_write(server: Server, tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    (folder / "ticket.yaml").mkdir(parents=True)
    server.route(path_of("CDR"), Reply(body=cdr_json()))
    server.route(path_of("TICKET"), Reply(body=small_json("TICKET")))
    outcome = fetch(server, folder, "CDR", "TICKET")
    assert outcome.message == "definitions/ticket.yaml: cannot write the definition: this is not a file"
    assert snapshot(folder) == {}


# -- the token never shows ------------------------------------------------------------------


def _echoing(server: Server) -> None:
    """A server that repeats the token wherever it can: bodies, keys, codes, redirects."""
    leaky = small_json("TICKET")
    leaky["panels"][0]["sections"][0]["fields"].append({"code": TOKEN, "type": "text", TOKEN: 1})
    server.route(path_of("LEAKY"), Reply(body=leaky))
    server.route(path_of("LABEL"), Reply(body=small_json("LABEL", f"Title {TOKEN}")))
    server.route(path_of("BODY"), Reply(200, body=TOKEN, content_type="text/plain"))
    server.route(path_of("DENIED"), Reply(401, body={"error": f"bad token {TOKEN}"}))
    server.route(path_of("AWAY"), Reply(302, headers={"Location": f"http://evil.test/?t={TOKEN}"}))
    server.route(path_of("BUSY"), Reply(503, body=TOKEN))
    server.route(path_of("CUT"), Reply(body=small_json("CUT"), short_by=9))
    server.route(LIST_PATH, listing(small_json("TICKET"), next_url=f"http://evil.test/{TOKEN}"))


@pytest.mark.parametrize("codes", [("LEAKY",), ("LABEL",), ("BODY",), ("DENIED",), ("AWAY",), ("BUSY",), ("CUT",), ()])
def test_the_token_never_appears_in_output_logs_errors_or_files(
    server: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture, codes: tuple[str, ...]
) -> None:
    _echoing(server)
    caplog.set_level(logging.DEBUG)
    outcome = fetch(server, tmp_path / "definitions", *codes, all=not codes)
    assert outcome.error is not None
    printed = "\n".join([outcome.message, *outcome.out, *outcome.err, caplog.text])
    assert printed.strip() and TOKEN not in printed
    assert all(TOKEN.encode() not in data for data in snapshot(tmp_path).values())
    assert server.requests and all(seen.headers["authorization"] == f"Bearer {TOKEN}" for seen in server.requests)


# -- the command line ---------------------------------------------------------------------


@pytest.fixture()
def project(tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[tool.dfgen]\nbase-url = "{server.url}"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(*args: str, env: dict[str, str | None] | None = None) -> Any:
    env = {"DEMANDFLOW_TOKEN": TOKEN, "ACME_TOKEN": None} if env is None else env
    return CliRunner().invoke(main, ["fetch", *args], env=env)


def test_the_command_writes_into_the_configured_folder(project: Path, server: Server) -> None:
    server.route(path_of("CDR"), Reply(body=cdr_json()))
    server.route(path_of("TICKET"), Reply(body=small_json("TICKET")))
    result = cli("CDR", "TICKET")
    assert result.exit_code == 0, result.output
    assert result.stderr == "fetching CDR (1/2)\nfetching TICKET (2/2)\n"
    assert result.stdout.splitlines()[-1] == "dfgen: definitions: 2 fetched, 2 added, 0 changed, 0 unchanged"
    expected = dump_definition(validate_definition(load_file(CDR_DEFINITION, "d"), "d"))
    assert (project / "definitions" / "cdr.yaml").read_text(encoding="utf-8") == expected
    checked = cli("--check", "--quiet", "CDR", "TICKET")
    assert (checked.exit_code, checked.output) == (0, "")


def test_the_command_exits_1_when_check_finds_a_difference(project: Path, server: Server) -> None:
    server.route(path_of("TICKET"), Reply(body=small_json("TICKET")))
    result = cli("--check", "TICKET", "--definitions", "elsewhere")
    assert result.exit_code == 1
    assert result.stdout == "new on the tenant: TICKET (elsewhere/ticket.yaml)\n"
    assert not (project / "elsewhere").exists()


def test_the_command_exits_2_on_a_failed_fetch_without_a_traceback(project: Path, server: Server) -> None:
    server.route(path_of("CDR"), Reply(401, body={"error": TOKEN}))
    result = cli("CDR")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {server.url}{path_of('CDR')}: HTTP 401 Unauthorized: the API refused the token; check DEMANDFLOW_TOKEN\n"
    )
    assert TOKEN not in result.output


def test_the_command_reads_the_token_only_from_the_configured_variable(project: Path, server: Server) -> None:
    (project / "pyproject.toml").write_text(
        f'[tool.dfgen]\nbase-url = "{server.url}/"\ntoken-env = "ACME_TOKEN"\n', encoding="utf-8"
    )
    missing = cli("CDR")
    assert (missing.exit_code, missing.stderr) == (
        2,
        "error: ACME_TOKEN: environment variable not set; set it to a personal access token of the tenant\n",
    )
    assert server.requests == []
    server.route(path_of("CDR"), Reply(body=cdr_json()))
    assert cli("CDR", env={"ACME_TOKEN": "other-token"}).exit_code == 0
    assert server.requests[0].headers["authorization"] == "Bearer other-token"
    assert "--token" not in CliRunner().invoke(main, ["fetch", "--help"]).output


def test_the_command_line_base_url_overrides_the_configuration(project: Path, server: Server) -> None:
    (project / "pyproject.toml").write_text('[tool.dfgen]\nbase-url = "http://example.com"\n', encoding="utf-8")
    server.route(path_of("CDR"), Reply(body=cdr_json()))
    assert cli("CDR", "--base-url", server.url).exit_code == 0
    refused = cli("CDR")
    assert (refused.exit_code, refused.stderr) == (
        2,
        "error: base-url: refusing to send the token over plain http to example.com; use https\n",
    )
