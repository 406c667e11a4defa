"""The client runtime (generator/runtime/_client.py) against a stand-in API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pydantic
import pytest

from generator.runtime import _client as rt
from tests.stand_in import TOKEN, Reply, StandIn, running


class Rec(pydantic.BaseModel):
    """A record class as the generated models have one: an id, fields, unknown keys ignored."""

    id: str
    name: str | None = None


class RecList(pydantic.BaseModel):
    items: list[Rec]
    next: str | None = None


LIST = "/v1/entities/CDR/SUB"
NEW = {"entity": "CDR", "level": 320, "comboKey": "SUB:s1|ENT:", "name": "first"}


@pytest.fixture
def api() -> Iterator[StandIn]:
    with running() as stand_in:
        yield stand_in


class Sleeps(list[float]):
    """Records the waits instead of waiting (sync and async)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    async def wait(self, seconds: float) -> None:
        self.append(seconds)


def transport(api: StandIn, sleeps: Sleeps | None = None, **options: Any) -> rt.Transport:
    options.setdefault("token", TOKEN)
    return rt.Transport(api.url, sleep=sleeps if sleeps is not None else Sleeps(), timeout=5, **options)


def async_transport(api: StandIn, sleeps: Sleeps, **options: Any) -> rt.AsyncTransport:
    return rt.AsyncTransport(api.url, token=TOKEN, sleep=sleeps.wait, timeout=5, **options)


def test_create_posts_the_payload_with_the_token_and_reads_the_record(api: StandIn) -> None:
    client = transport(api)
    record = client.create(Rec, "CDR", NEW)
    client.close()
    assert record == Rec(id="1", name="first")
    (seen,) = api.seen("POST", "/v1/objects")
    assert seen.body == NEW
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["content-type"] == "application/json"


def test_read_quotes_the_id_as_one_path_segment(api: StandIn) -> None:
    client = transport(api)
    created = client.create(Rec, "CDR", NEW)
    assert client.read(Rec, "CDR", created.id) == created
    with pytest.raises(rt.ApiError) as caught:
        client.read(Rec, "CDR", "../entities/x")
    assert caught.value.status == 404
    assert api.requests[-1].path == "/v1/objects/CDR/..%2Fentities%2Fx"
    with pytest.raises(ValueError, match="non-empty"):
        client.read(Rec, "CDR", "")


def test_pages_follow_next_to_every_record(api: StandIn) -> None:
    client = transport(api)
    for n in range(5):
        client.create(Rec, "CDR", {**NEW, "name": f"r{n}"})
    pages = list(client.pages(RecList, "CDR"))
    assert [len(page.items) for page in pages] == [2, 2, 1]
    assert [r.name for page in pages for r in page.items] == [f"r{n}" for n in range(5)]
    assert all(s.headers["authorization"] == f"Bearer {TOKEN}" for s in api.seen("GET"))


def test_async_create_read_and_pages(api: StandIn) -> None:
    async def run() -> tuple[Rec, Rec, list[RecList]]:
        client = async_transport(api, Sleeps())
        created = await client.create(Rec, "CDR", NEW)
        await client.create(Rec, "CDR", {**NEW, "name": "second"})
        await client.create(Rec, "CDR", {**NEW, "name": "third"})
        read = await client.read(Rec, "CDR", created.id)
        pages = [page async for page in client.pages(RecList, "CDR")]
        await client.aclose()
        return created, read, pages

    created, read, pages = asyncio.run(run())
    assert created == read == Rec(id="1", name="first")
    assert [[r.name for r in page.items] for page in pages] == [["first", "second"], ["third"]]


def test_429_waits_as_retry_after_says_then_succeeds(api: StandIn) -> None:
    api.script("GET", LIST, Reply(429, {"message": "slow down"}, {"Retry-After": "7"}))
    sleeps = Sleeps()
    assert list(transport(api, sleeps).pages(RecList, "CDR")) == [RecList(items=[])]
    assert sleeps == [7.0]
    assert len(api.seen("GET", LIST)) == 2


def test_retry_after_as_a_date_is_measured_against_the_response_date(api: StandIn) -> None:
    headers = {"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"}
    api.script("GET", LIST, Reply(503, {"message": "busy"}, headers))
    sleeps = Sleeps()
    list(transport(api, sleeps).pages(RecList, "CDR"))
    assert sleeps == [30.0]


def test_async_429_then_success(api: StandIn) -> None:
    api.script("GET", LIST, Reply(429, {"message": "slow down"}, {"Retry-After": "2"}))
    sleeps = Sleeps()

    async def run() -> list[RecList]:
        client = async_transport(api, sleeps)
        try:
            return [page async for page in client.pages(RecList, "CDR")]
        finally:
            await client.aclose()

    assert asyncio.run(run()) == [RecList(items=[])]
    assert sleeps == [2.0]


def test_a_retry_after_beyond_the_cap_is_not_waited_out(api: StandIn) -> None:
    api.script("GET", LIST, Reply(429, {"message": "quota"}, {"Retry-After": "3600"}))
    sleeps = Sleeps()
    with pytest.raises(rt.ApiError) as caught:
        list(transport(api, sleeps).pages(RecList, "CDR"))
    assert (caught.value.status, caught.value.retry_after, sleeps) == (429, 3600.0, [])
    assert "Retry-After 3600 s" in str(caught.value)


def test_backoff_is_bounded_and_grows(api: StandIn) -> None:
    api.script("GET", LIST, *[Reply(502, b"<html>bad gateway</html>")] * 6)
    sleeps = Sleeps()
    retries = rt.Retries(attempts=4, backoff=1.0, max_backoff=3.0)
    with pytest.raises(rt.ApiError) as caught:
        list(transport(api, sleeps, retries=retries).pages(RecList, "CDR"))
    assert caught.value.status == 502
    assert caught.value.error.message == "Bad Gateway (the body is not an error body)"
    assert len(api.seen("GET", LIST)) == 4
    assert len(sleeps) == 3
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0 and 1.5 <= sleeps[2] <= 3.0


def test_a_500_that_does_not_go_away_raises_with_status_and_body(api: StandIn) -> None:
    api.script("GET", "/v1/objects/CDR/9", *[Reply(500, {"message": "boom", "trace": "t-1"})] * 3)
    sleeps = Sleeps()
    with pytest.raises(rt.ApiError) as caught:
        transport(api, sleeps).read(Rec, "CDR", "9")
    error = caught.value
    assert (error.status, error.error.message, error.error.model_extra) == (500, "boom", {"trace": "t-1"})
    assert str(error) == f"GET {api.url}/v1/objects/CDR/9: HTTP 500: boom"
    assert len(api.seen("GET")) == 1 and sleeps == []


def test_401_names_the_variable_never_the_token(api: StandIn) -> None:
    client = transport(api, token="wrong-token-value", token_env="MY_TOKEN")
    with pytest.raises(rt.ApiError) as caught:
        client.read(Rec, "CDR", "1")
    assert caught.value.status == 401
    assert caught.value.error.message == "invalid or missing token (check token= or MY_TOKEN)"
    assert "wrong-token-value" not in str(caught.value) + repr(client) + repr(caught.value)


def test_a_create_is_not_sent_again_when_the_api_may_have_acted(api: StandIn) -> None:
    api.script("POST", "/v1/objects", Reply(502, {"message": "gateway"}), Reply(503, {"message": "busy"}))
    with pytest.raises(rt.ApiError) as caught:
        transport(api).create(Rec, "CDR", NEW)
    assert caught.value.status == 502 and len(api.seen("POST")) == 1
    # A 503 means it was not done: sent again.
    api.script("POST", "/v1/objects", Reply(503, {"message": "busy"}, {"Retry-After": "0"}))
    assert transport(api).create(Rec, "CDR", NEW).id == "1"
    assert len(api.seen("POST")) == 3


def test_a_body_cut_off_is_retried_then_fails(api: StandIn) -> None:
    api.script("GET", "/v1/objects/CDR/1", *[Reply(200, {"id": "1", "name": "x"}, short_by=10)] * 4)
    with pytest.raises(rt.ConnectionFailed, match=r"broke off.*\(attempt 4 of 4\)"):
        transport(api).read(Rec, "CDR", "1")
    assert len(api.seen("GET")) == 4


def test_a_truncated_json_body_names_the_entity_and_path(api: StandIn) -> None:
    api.script("GET", "/v1/objects/CDR/1", Reply(200, b'{"id": "1", "na'))
    with pytest.raises(rt.InvalidResponse) as caught:
        transport(api).read(Rec, "CDR", "1")
    error = caught.value
    assert (error.entity, error.path) == ("CDR", "/v1/objects/CDR/1")
    assert "not a valid CDR answer: $: Invalid JSON" in str(error)


def test_a_record_that_does_not_validate_names_the_field(api: StandIn) -> None:
    api.script("GET", LIST, Reply(200, {"items": [{"id": "1"}, {"name": "no id"}], "next": None}))
    with pytest.raises(rt.InvalidResponse) as caught:
        list(transport(api).pages(RecList, "CDR"))
    assert str(caught.value).endswith(f"GET {api.url}{LIST}: not a valid CDR answer: $.items[1].id: Field required")
    assert caught.value.errors[0]["loc"] == ("items", 1, "id")


def test_a_redirect_within_the_origin_is_followed(api: StandIn) -> None:
    api.script("GET", "/v1/objects/CDR/1", Reply(307, headers={"Location": "/v1/objects/CDR/2"}))
    api.script("GET", "/v1/objects/CDR/2", Reply(200, {"id": "2"}))
    assert transport(api).read(Rec, "CDR", "1") == Rec(id="2")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_redirect_to_another_host_does_not_take_the_token(api: StandIn, mode: str) -> None:
    with running() as other:
        api.script("GET", LIST, Reply(302, headers={"Location": f"{other.url}{LIST}"}))
        with pytest.raises(rt.OriginError, match="redirected to another origin"):
            if mode == "sync":
                list(transport(api).pages(RecList, "CDR"))
            else:
                asyncio.run(_drain(async_transport(api, Sleeps())))
        assert other.requests == []


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_next_page_on_another_origin_is_refused(api: StandIn, mode: str) -> None:
    with running() as other:
        api.script("GET", LIST, Reply(200, {"items": [{"id": "1"}], "next": f"{other.url}{LIST}?page=1"}))
        with pytest.raises(rt.OriginError, match="the next page points to another origin"):
            if mode == "sync":
                list(transport(api).pages(RecList, "CDR"))
            else:
                asyncio.run(_drain(async_transport(api, Sleeps())))
        assert other.requests == []


async def _drain(client: rt.AsyncTransport) -> list[RecList]:
    try:
        return [page async for page in client.pages(RecList, "CDR")]
    finally:
        await client.aclose()


def test_a_next_page_that_repeats_stops_the_listing(api: StandIn) -> None:
    api.script("GET", LIST, Reply(200, {"items": [], "next": f"{LIST}?page=1"}))
    api.script("GET", f"{LIST}?page=1", Reply(200, {"items": [], "next": f"{api.url}{LIST}?page=1"}))
    with pytest.raises(rt.InvalidResponse, match="a page already listed"):
        list(transport(api).pages(RecList, "CDR"))


def test_a_refused_connection_is_retried_then_named(api: StandIn) -> None:
    port = api.httpd.server_address[1]
    api.httpd.shutdown()
    api.httpd.server_close()
    sleeps = Sleeps()
    client = rt.Transport(f"http://127.0.0.1:{port}", token=TOKEN, sleep=sleeps, timeout=2)
    with pytest.raises(rt.ConnectionFailed, match=r"cannot reach the API.*\(attempt 4 of 4\)") as caught:
        client.read(Rec, "CDR", "1")
    assert len(sleeps) == 3
    assert caught.value.__context__ is None and caught.value.__cause__ is None


def test_the_token_is_never_shown_even_when_the_server_echoes_it(
    api: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    escaped = "".join(f"\\u{ord(c):04x}" for c in TOKEN)
    echo = f'{{"message": "bad token {escaped}", "{escaped}": "{TOKEN}"}}'.encode()
    api.script("GET", LIST, Reply(503, {"message": TOKEN}, {"X-Echo": TOKEN, "Retry-After": "0"}), Reply(403, echo))
    caplog.set_level(logging.DEBUG)
    client = transport(api)
    with pytest.raises(rt.ApiError) as caught:
        list(client.pages(RecList, "CDR"))
    error = caught.value
    assert error.error.message == "bad token [token]" and error.error.model_extra == {"[token]": "[token]"}
    shown = [str(error), repr(error), repr(client), repr(client._core), repr(client._core.token), caplog.text]
    assert caplog.records and not any(TOKEN in text for text in shown)


def test_the_token_comes_from_the_configured_variable(api: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANT_PAT", TOKEN)
    monkeypatch.delenv("DEMANDFLOW_TOKEN", raising=False)
    client = rt.Transport(api.url, token_env="TENANT_PAT")
    assert client.read(Rec, "CDR", client.create(Rec, "CDR", NEW).id).name == "first"
    with pytest.raises(rt.ConfigurationError, match="no token: pass token= or set DEMANDFLOW_TOKEN"):
        rt.Transport(api.url)


@pytest.mark.parametrize(
    ("base_url", "token", "message"),
    [
        (None, TOKEN, "no base URL"),
        ("ftp://x", TOKEN, "not an http"),
        ("http://tenant.example", TOKEN, "plain http to tenant.example"),
        ("https://u:p@tenant.example", TOKEN, "credentials"),
        ("https://tenant.example", "two words", "spaces, control or non-ASCII"),
    ],
)
def test_bad_settings_are_refused_before_any_request(base_url: str | None, token: str, message: str) -> None:
    with pytest.raises(rt.ConfigurationError, match=message) as caught:
        rt.Transport(base_url, token=token)
    assert token not in str(caught.value)


def test_a_create_needs_a_subscription(api: StandIn) -> None:
    client = transport(api, subscription="s1")
    assert client.subscription_for(None) == "s1" and client.subscription_for("s2") == "s2"
    with pytest.raises(rt.ConfigurationError, match="subscription="):
        transport(api).subscription_for(None)


def test_an_httpx_client_passed_in_is_used_and_left_open(api: StandIn) -> None:
    used: list[str] = []
    http = httpx.Client(event_hooks={"request": [lambda request: used.append(request.url.path)]}, follow_redirects=True)
    client = transport(api, http_client=http)
    client.create(Rec, "CDR", NEW)
    client.close()
    assert used == ["/v1/objects"] and not http.is_closed
    assert "authorization" not in http.headers
    http.close()


def test_paths_are_configurable(api: StandIn) -> None:
    api.script("GET", "/api/cdr/7", Reply(200, {"id": "7"}))
    client = transport(api, paths=rt.Paths(read="/api/cdr/{id}"))
    assert client.read(Rec, "CDR", "7") == Rec(id="7")


def test_a_client_class_fixes_its_base_url_and_token_variable(api: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    class Tenant(rt.Client):
        BASE_URL = api.url
        TOKEN_ENV = "TENANT_PAT"

    monkeypatch.setenv("TENANT_PAT", TOKEN)
    with Tenant(subscription="s1") as client:
        assert client._transport.create(Rec, "CDR", NEW).id == "1"
        assert repr(client) == f"Tenant(base_url={api.url!r}, token=<hidden>)"
    assert client._transport._http.is_closed
    with pytest.raises(rt.ConfigurationError, match="set OTHER_PAT"):
        Tenant(token_env="OTHER_PAT")
    with pytest.raises(rt.ConfigurationError, match="no base URL"):
        rt.AsyncClient(token=TOKEN)
