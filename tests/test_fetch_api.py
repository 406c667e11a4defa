"""The API client against a real HTTP server on 127.0.0.1: retries, timeouts, limits, redirects, errors."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from generator.diagnostics import InputError, Location
from generator.runtime._retry import retry_after
from generator.tenant.api import ApiClient, Limits, check_base_url, check_token
from tests.fetch_server import (
    TOKEN,
    Reply,
    Server,
    closed_port,
    running,
    unanswered_port,
)

OK = {"code": "CDR"}


class FakeTime:
    """A clock that only moves when the client sleeps, so waits cost nothing and are recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture()
def server() -> Iterator[Server]:
    with running() as server:
        yield server


@pytest.fixture()
def fake_time() -> FakeTime:
    return FakeTime()


def client(base_url: str, fake_time: FakeTime | None = None, jitter: float = 1.0, **limits: Any) -> ApiClient:
    options: dict[str, Any] = {"jitter": lambda: jitter}
    if fake_time is not None:
        options.update(sleep=fake_time.sleep, clock=fake_time.clock)
    return ApiClient(base_url, TOKEN, "DEMANDFLOW_TOKEN", Limits(**limits), **options)


def failure(api: ApiClient, url: str, not_found: str = "unknown entity code") -> str:
    with api, pytest.raises(InputError) as caught:
        api.get_json(url, not_found)
    message = str(caught.value)
    assert TOKEN not in message
    return message


def test_a_definition_is_fetched_with_the_token_and_json_accept(server: Server) -> None:
    server.route("/d/CDR", Reply(body={"code": "CDR", "label": 'Ünïcode \u2028 "q" \\'}))
    with client(server.url) as api:
        value = api.get_json(server.url + "/d/CDR", "")
    assert value == {"code": "CDR", "label": 'Ünïcode \u2028 "q" \\'}
    [seen] = server.requests
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["accept"] == "application/json"


@pytest.mark.parametrize("status", [502, 503, 504, 429])
def test_transient_statuses_are_retried_with_capped_exponential_backoff(
    server: Server, fake_time: FakeTime, status: int
) -> None:
    server.route("/d", *[Reply(status, {"error": "busy"})] * 4, Reply(body=OK))
    with client(server.url, fake_time, attempts=5, backoff_base=0.5, backoff_cap=1.5) as api:
        assert api.get_json(server.url + "/d", "") == OK
    assert server.hits("/d") == 5
    # jitter 1.0 gives the ceiling: 0.5, 1, 2 -> capped at 1.5.
    assert fake_time.sleeps == [0.5, 1.0, 1.5, 1.5]


def test_jitter_spreads_each_delay_between_half_and_all_of_its_ceiling(server: Server, fake_time: FakeTime) -> None:
    server.route("/d", Reply(503), Reply(503), Reply(body=OK))
    with client(server.url, fake_time, jitter=0.0, backoff_base=2.0) as api:
        api.get_json(server.url + "/d", "")
    assert fake_time.sleeps == [1.0, 2.0]


def test_retry_after_seconds_and_dates_are_honoured_and_capped(server: Server, fake_time: FakeTime) -> None:
    in_an_hour = email.utils.formatdate(time.time() + 3600, usegmt=True)
    soon = email.utils.formatdate(time.time() + 8, usegmt=True)
    server.route(
        "/d",
        Reply(429, headers={"Retry-After": "7"}),
        Reply(429, headers={"Retry-After": "86400"}),
        Reply(503, headers={"Retry-After": in_an_hour}),
        Reply(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        Reply(body=OK),
    )
    with client(server.url, fake_time, retry_after_cap=20.0, backoff_base=0.5, deadline=1000.0) as api:
        assert api.get_json(server.url + "/d", "") == OK
    # Seconds as given, then capped; a date an hour after the server's Date header, capped; a
    # date in the past: at once.
    assert fake_time.sleeps == [7.0, 20.0, 20.0, 0.0]
    server.route(
        "/e", Reply(429, headers={"Retry-After": soon}), Reply(429, headers={"Retry-After": "soon"}), Reply(body=OK)
    )
    with client(server.url, fake_time, backoff_base=0.5) as api:
        assert api.get_json(server.url + "/e", "") == OK
    # Eight seconds from when the test began, by the server's clock (whole seconds); then
    # nonsense: our own backoff for the second attempt.
    waited, backoff = fake_time.sleeps[4:]
    assert 0 < waited <= 8 and backoff == 1.0


@pytest.mark.parametrize(
    ("value", "date", "seconds"),
    [
        ("Wed, 21 Oct 2015 07:28:09 GMT", "Wed, 21 Oct 2015 07:28:00 GMT", 9.0),
        # The obsolete RFC 850 and asctime forms, which carry no zone: GMT.
        ("Wednesday, 21-Oct-15 07:28:30 GMT", "Wed, 21 Oct 2015 07:28:00 GMT", 30.0),
        ("Wed Oct 21 07:29:00 2015", "Wed, 21 Oct 2015 07:28:00 GMT", 60.0),
        ("Wed, 21 Oct 2015 07:28:09 GMT", None, None),
        ("Wed, 21 Oct 2015 07:28:09 GMT", "yesterday", None),
        ("Wed, 21 Oct 99999 07:28:09 GMT", "Wed, 21 Oct 2015 07:28:00 GMT", None),
        ("-1", None, None),
        ("nan", None, None),
        ("", None, None),
    ],
)
def test_retry_after_forms(value: str, date: str | None, seconds: float | None) -> None:
    assert retry_after(value, date) == seconds


def test_retries_stop_after_the_attempts_with_the_last_problem(server: Server, fake_time: FakeTime) -> None:
    server.route("/d", Reply(503))
    message = failure(client(server.url, fake_time, attempts=3), server.url + "/d")
    assert message == f"{server.url}/d: HTTP 503 Service Unavailable; gave up after 3 attempts"
    assert server.hits("/d") == 3


def test_retries_stop_before_a_wait_that_would_pass_the_deadline(server: Server, fake_time: FakeTime) -> None:
    server.route("/d", Reply(429, headers={"Retry-After": "30"}))
    message = failure(client(server.url, fake_time, attempts=10, deadline=100.0), server.url + "/d")
    assert "HTTP 429 Too Many Requests; gave up: a retry would pass the deadline of 100 s" in message
    assert server.hits("/d") == 4
    assert fake_time.sleeps == [30.0, 30.0, 30.0]


def test_the_deadline_covers_every_request_of_the_client(server: Server, fake_time: FakeTime) -> None:
    server.route("/a", Reply(body=OK))
    server.route("/b", Reply(body=OK))
    with client(server.url, fake_time, deadline=60.0) as api:
        api.get_json(server.url + "/a", "")
        fake_time.now += 61
        with pytest.raises(InputError, match="the deadline of 60 s has passed"):
            api.get_json(server.url + "/b", "")
    assert server.hits("/b") == 0


def test_refused_connections_are_retried_then_reported(fake_time: FakeTime) -> None:
    url = closed_port()
    message = failure(client(url, fake_time, attempts=3), url + "/d")
    assert message.startswith(f"{url}/d: cannot connect to {url}: ")
    assert message.endswith("; gave up after 3 attempts")
    assert len(fake_time.sleeps) == 2


def test_a_connect_timeout_is_retried_then_reported(fake_time: FakeTime) -> None:
    with unanswered_port() as url:
        message = failure(client(url, fake_time, attempts=2, connect_timeout=0.2), url + "/d")
    assert message == f"{url}/d: no connection within 0.2 s (connect timeout); gave up after 2 attempts"


def test_a_read_timeout_is_retried_then_reported(server: Server, fake_time: FakeTime) -> None:
    server.route("/d", Reply(stall=True))
    message = failure(client(server.url, fake_time, attempts=2, read_timeout=0.2), server.url + "/d")
    assert message == f"{server.url}/d: no answer within 0.2 s (read timeout); gave up after 2 attempts"
    assert server.hits("/d") == 2


def test_a_body_that_keeps_trickling_is_cut_off_at_the_deadline(server: Server) -> None:
    # Every byte arrives well within the read timeout, so only the overall deadline can stop it.
    server.route("/d", Reply(body=b'{"code": "' + b"x" * 2000 + b'"}', drip=0.01))
    message = failure(client(server.url, deadline=0.3, read_timeout=5.0), server.url + "/d")
    assert message == f"{server.url}/d: gave up: the deadline of 0.3 s passed while reading"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, "HTTP 401 Unauthorized: the API refused the token; check DEMANDFLOW_TOKEN"),
        (403, "HTTP 403 Forbidden: the token's user may not read definitions; use a token with that right"),
        (404, "HTTP 404 Not Found: unknown entity code 'CDR', or a wrong definition-path"),
        (500, "HTTP 500: unexpected answer from the API"),
    ],
)
def test_client_errors_fail_at_once_and_say_what_to_do(
    server: Server, fake_time: FakeTime, status: int, expected: str
) -> None:
    server.route("/d", Reply(status, {"error": f"bad token {TOKEN}"}))
    message = failure(
        client(server.url, fake_time), server.url + "/d", "unknown entity code 'CDR', or a wrong definition-path"
    )
    assert message == f"{server.url}/d: {expected}"
    assert server.hits("/d") == 1 and fake_time.sleeps == []


def test_the_401_message_names_the_configured_variable(server: Server) -> None:
    server.route("/d", Reply(401))
    api = ApiClient(server.url, TOKEN, "ACME_DF_TOKEN")
    assert failure(api, server.url + "/d").endswith("check ACME_DF_TOKEN")


def json_error(body: bytes) -> str:
    """How the client reports a body that json refuses: json's message, line and column."""
    try:
        json.loads(body)
    except json.JSONDecodeError as error:
        return f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
    raise AssertionError("valid JSON")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        # json's own words and place for a trailing comma (Python 3.13 reworded both).
        (Reply(body=b'{"code": "CDR", }'), json_error(b'{"code": "CDR", }')),
        (Reply(body=b'{"code": "CDR", "panels": [{"na'), "the JSON ends early (truncated body?) at line 1 column 29"),
        (Reply(body=b""), "the body is empty; expected JSON"),
        (Reply(body=b'{"code": "\xff"}'), "the body is not UTF-8 (byte 10)"),
        (Reply(body=b'{"code": "A", "code": "B"}'), "invalid JSON: duplicate key 'code' in an object"),
        (Reply(body=b'{"min": NaN}'), "invalid JSON: NaN is not JSON"),
        (Reply(body=b'{"p": [{"label": "\\ud800"}]}'), "$.p[0].label: the string holds a lone surrogate (U+D800)"),
        (Reply(body=b"[" * 100000), "invalid JSON: nested too deeply"),
        (
            Reply(body="<html>login</html>", content_type="text/html; charset=utf-8"),
            "expected JSON, got content type 'text/html; charset=utf-8'",
        ),
        (Reply(body=OK, content_type=None), "expected JSON, got content type none"),
    ],
)
def test_bodies_that_are_not_usable_json_fail_clearly(server: Server, reply: Reply, expected: str) -> None:
    server.route("/d", reply)
    message = failure(client(server.url), server.url + "/d")
    assert message.startswith(f"{server.url}/d: {expected}")
    assert server.hits("/d") == 1


def test_problem_json_and_a_charset_are_json(server: Server) -> None:
    server.route("/d", Reply(body=OK, content_type="application/vnd.demandflow+json; charset=UTF-8"))
    with client(server.url) as api:
        assert api.get_json(server.url + "/d", "") == OK


def test_a_body_cut_short_of_its_content_length_is_retried_then_reported(server: Server, fake_time: FakeTime) -> None:
    server.route("/d", Reply(body=OK, short_by=50))
    message = failure(client(server.url, fake_time, attempts=2), server.url + "/d")
    assert message.startswith(f"{server.url}/d: the connection broke off: ")
    assert message.endswith("; gave up after 2 attempts")


def test_a_declared_body_over_the_limit_is_refused_unread(server: Server) -> None:
    server.route("/d", Reply(body=b"[" + b"1," * 600 + b"1]"))
    message = failure(client(server.url, max_body_bytes=1000), server.url + "/d")
    assert message == f"{server.url}/d: the body is larger than 1000 bytes (1203); refused"


def test_an_undeclared_body_over_the_limit_stops_the_stream(server: Server) -> None:
    # No Content-Length: the body runs until the connection closes, so only counting can stop it.
    server.route("/d", Reply(body=b"[" + b"1," * 300000 + b"1]", sized=False))
    message = failure(client(server.url, max_body_bytes=1000), server.url + "/d")
    assert message == f"{server.url}/d: the body is larger than 1000 bytes; stopped reading"


def test_same_origin_redirects_are_followed_with_the_token(server: Server) -> None:
    server.route("/old", Reply(301, headers={"Location": "/mid"}))
    server.route("/mid", Reply(307, headers={"Location": server.url + "/new"}))
    server.route("/new", Reply(body=OK))
    with client(server.url) as api:
        assert api.get_json(server.url + "/old", "") == OK
    assert [seen.path for seen in server.requests] == ["/old", "/mid", "/new"]
    assert all(seen.headers["authorization"] == f"Bearer {TOKEN}" for seen in server.requests)


def test_a_redirect_to_another_origin_is_refused_and_the_token_stays_home(server: Server) -> None:
    with running() as elsewhere:
        elsewhere.route("/steal", Reply(body=OK))
        server.route("/d", Reply(302, headers={"Location": f"{elsewhere.url}/steal?t={TOKEN}"}))
        message = failure(client(server.url), server.url + "/d")
        assert elsewhere.requests == []
    port = elsewhere.url.rsplit(":", 1)[1]
    assert message == (
        f"{server.url}/d: redirected to another origin (http://127.0.0.1:{port}); refusing to send the token"
        " there (set the base URL to the API's own address)"
    )


def test_redirect_loops_stop(server: Server) -> None:
    server.route("/a", Reply(302, headers={"Location": "/b"}))
    server.route("/b", Reply(302, headers={"Location": "/a"}))
    message = failure(client(server.url, max_redirects=3), server.url + "/a")
    assert message.endswith("more than 3 redirects; stopped")
    assert len(server.requests) == 4


def test_a_url_on_another_origin_is_never_requested(server: Server) -> None:
    with running() as elsewhere:
        message = failure(client(server.url), elsewhere.url + "/d")
        assert elsewhere.requests == []
    assert message.endswith(f"refusing to send the token to another origin than {server.url}")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.example.com/", "https://api.example.com"),
        ("http://localhost:8080/tenant", "http://localhost:8080/tenant"),
        ("http://api.example.com", "refusing to send the token over plain http to api.example.com; use https"),
        ("https://me:pw@api.example.com", "the URL must not hold credentials; the token comes from the environment"),
        ("ftp://api.example.com", "'ftp://api.example.com' is not an http(s) URL such as https://api.example.com"),
        ("https://api.example.com:x/", "'https://api.example.com:x/' is not a URL"),
        ("", "'' is not an http(s) URL such as https://api.example.com"),
    ],
)
def test_base_urls_that_would_expose_the_token_are_refused(url: str, expected: str) -> None:
    try:
        result = check_base_url(url, Location("base-url"))
    except InputError as error:
        result = str(error).removeprefix("base-url: ")
    assert result == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            None,
            "DEMANDFLOW_TOKEN: environment variable not set; set it to a personal access token of the tenant",
        ),
        (
            "  \n",
            "DEMANDFLOW_TOKEN: environment variable not set; set it to a personal access token of the tenant",
        ),
        (f"{TOKEN}\n", TOKEN),
        ("abc\ndef", "DEMANDFLOW_TOKEN: the token holds spaces, control or non-ASCII characters; copy it again"),
        ("tökén", "DEMANDFLOW_TOKEN: the token holds spaces, control or non-ASCII characters; copy it again"),
    ],
)
def test_the_token_is_checked_without_being_shown(value: str | None, expected: str) -> None:
    try:
        result = check_token(value, "DEMANDFLOW_TOKEN")
    except InputError as error:
        result = str(error)
        assert not value or not value.strip() or value.strip() not in result
    assert result == expected
