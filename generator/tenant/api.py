"""GET JSON from the DemandFlow API with timeouts, bounded retries, size limits and no token leaks."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, NoReturn, final
from urllib.parse import urljoin, urlsplit

from generator import __version__
from generator.config import Config
from generator.diagnostics import InputError, Location
from generator.runtime._retry import retry_after
from generator.tenant.body import ACCEPT_ENCODING, BodyError, Decoder, TooLarge, parse_json

if TYPE_CHECKING:
    import httpx

RETRY_STATUSES = frozenset({429, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# httpcore's debug log quotes response headers, where a server could echo the token.
HTTP_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy")


@dataclass(frozen=True)
class Limits:
    """Every bound the client keeps; tests pass small ones instead of waiting."""

    connect_timeout: float = Config.connect_timeout
    read_timeout: float = Config.read_timeout
    # The whole command: connecting, headers and body of every request, every retry and every wait.
    deadline: float = Config.deadline
    attempts: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0
    # Decoded bytes: of one body, and of every body of the command together (a listing's pages).
    max_body_bytes: int = 16 * 1024 * 1024
    # About 2800 definitions the size of CDR (ten times a tenant of 300 entities): ~250 MB once read.
    max_total_bytes: int = 32 * 1024 * 1024
    # Values and keys of one JSON body: parsing builds up to ~120 bytes for each (an empty object or list).
    max_json_values: int = 1_000_000
    max_redirects: int = 3


class _Retry(Exception):
    """A failure worth another attempt; `wait` is the server's Retry-After, if it gave one."""

    def __init__(self, problem: str, wait: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.wait = wait


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: where a URL sends the token."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return "", "", None
    return parts.scheme, (parts.hostname or "").lower(), port


def check_base_url(url: str, where: Location) -> str:
    """The base URL without a trailing slash, or InputError when sending the token there is unsafe."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise InputError.at(where, f"{url!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError.at(where, f"{url!r} is not an http(s) URL such as https://api.example.com")
    if parts.username is not None or parts.password is not None:
        raise InputError.at(where, "the URL must not hold credentials; the token comes from the environment")
    if parts.query or parts.fragment:
        raise InputError.at(where, "the URL must not have a query or fragment")
    # Plain http would show the token to anyone on the path; only this machine is exempt.
    if parts.scheme == "http" and parts.hostname.lower() not in LOOPBACK_HOSTS:
        raise InputError.at(where, f"refusing to send the token over plain http to {parts.hostname}; use https")
    return url.rstrip("/")


def check_token(token: str | None, name: str) -> str:
    """The token from the environment, or InputError naming the variable (never showing the value)."""
    where = Location(name)
    if token is None or not token.strip():
        raise InputError.at(where, "environment variable not set; set it to a personal access token of the tenant")
    token = token.strip()
    # Anything else could not travel in a header, and an HTTP library's complaint would quote it.
    if not all("!" <= char <= "~" for char in token):
        raise InputError.at(where, "the token holds spaces, control or non-ASCII characters; copy it again")
    return token


class _Redacting(logging.Filter):
    """Blanks the token out of HTTP library log records."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "[token]"), ()
        return True


@final
class ApiClient:
    """One tenant's API: GET requests that carry the token only to the base URL's origin."""

    def __init__(
        self,
        base_url: str,
        token: str,
        token_env: str,
        limits: Limits = Limits(),
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.base_url = base_url
        self.origin = origin(base_url)
        self.token_env = token_env
        self.limits = limits
        self._token = token
        self._sleep, self._clock, self._jitter = sleep, clock, jitter
        self._received = 0
        self._phase = ""
        self._log_filter = _Redacting(token)
        for name in HTTP_LOGGERS:
            logging.getLogger(name).addFilter(self._log_filter)
        # Async only so that the deadline can cancel a request wherever it is: a read timeout restarts
        # with every byte, so a server trickling its headers would never trip it.
        self._loop = asyncio.new_event_loop()
        # Imported here: only fetch talks to the network, and every other command starts without httpx.
        import httpx

        # Redirects are handled by hand so that the token never follows one to another origin.
        self._http = httpx.AsyncClient(
            follow_redirects=False,
            headers={
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
                "User-Agent": f"dfgen/{__version__}",
            },
        )
        # Started last: loading the CA certificates is this machine's time, not the server's.
        self._deadline = clock() + limits.deadline

    def close(self) -> None:
        """Close the connection pool."""
        self._loop.run_until_complete(self._http.aclose())
        # A body left unread (too large, say) leaves its async generator open; closed here, not at exit.
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()
        for name in HTTP_LOGGERS:
            logging.getLogger(name).removeFilter(self._log_filter)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fail(self, url: str, message: str) -> NoReturn:
        """Raise InputError naming the URL; the token is blanked out of anything a server echoed."""
        raise InputError.at(Location(self.redact(url)), self.redact(message))

    def redact(self, text: str) -> str:
        """Text with the token blanked out."""
        return text.replace(self._token, "[token]") if self._token else text

    def get_json(self, url: str, not_found: str) -> Any:
        """The parsed JSON body of GET url; `not_found` says what a 404 means to the user."""
        if origin(url) != self.origin:
            self.fail(url, f"refusing to send the token to another origin than {self.base_url}")
        redirects = 0
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._attempt(url)
            except _Retry as retry:
                self._wait_before_retry(url, retry, attempt)
                continue
            status, headers, body = response
            if status in REDIRECT_STATUSES:
                redirects += 1
                url = self._redirect_target(url, headers.get("location"), redirects)
                continue
            if status != 200:
                self.fail(url, self._status_message(status, not_found))
            # A server that echoes the token into a definition would have it written to a file.
            fail = partial(self.fail, url)
            return parse_json(body, fail, max_values=self.limits.max_json_values, secret=self._token)

    def _remaining(self) -> float:
        return self._deadline - self._clock()

    def _attempt(self, url: str) -> tuple[int, httpx.Headers, bytes]:
        remaining = self._remaining()
        if remaining <= 0:
            self.fail(url, f"gave up: the deadline of {self.limits.deadline:g} s has passed")
        try:
            return self._loop.run_until_complete(asyncio.wait_for(self._exchange(url), remaining))
        except asyncio.TimeoutError:
            self.fail(url, f"gave up: the deadline of {self.limits.deadline:g} s passed {self._phase}")

    async def _exchange(self, url: str) -> tuple[int, httpx.Headers, bytes]:
        import httpx

        timeout = httpx.Timeout(self.limits.read_timeout, connect=self.limits.connect_timeout)
        headers = {"Authorization": f"Bearer {self._token}"}
        self._phase = "while waiting for the answer"
        try:
            async with self._http.stream("GET", url, headers=headers, timeout=timeout) as response:
                self._phase = "while reading"
                status = response.status_code
                if status in RETRY_STATUSES:
                    wait = retry_after(response.headers.get("retry-after"), response.headers.get("date"))
                    raise _Retry(f"HTTP {status} {response.reason_phrase}".rstrip(), wait)
                if status != 200:
                    return status, response.headers, b""
                return status, response.headers, await self._read_body(url, response)
        except httpx.ConnectTimeout:
            raise _Retry(f"no connection within {timeout.connect:g} s (connect timeout)") from None
        except httpx.TimeoutException:
            raise _Retry(f"no answer within {timeout.read:g} s (read timeout)") from None
        except httpx.RemoteProtocolError as error:
            raise _Retry(f"the connection broke off: {self.redact(str(error))}") from None
        except httpx.TransportError as error:
            raise _Retry(
                f"cannot connect to {self.base_url}: {self.redact(str(error)) or type(error).__name__}"
            ) from None
        except httpx.InvalidURL as error:
            self.fail(url, f"not a URL that can be fetched: {error}")

    async def _read_body(self, url: str, response: httpx.Response) -> bytes:
        content_type = response.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            shown = repr(content_type) if content_type else "none"
            self.fail(url, f"expected JSON, got content type {shown} (is the base URL the API's address?)")
        limit = self.limits.max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            self.fail(url, f"the body is larger than {limit} bytes ({declared}); refused")
        chunks = []
        try:
            # Decoded here, a bounded step at a time, and counted as decoded: httpx would inflate a
            # whole chunk of a nested gzip bomb at once.
            decoder = Decoder(self.redact(response.headers.get("content-encoding", "")), limit)
            async for raw in response.aiter_raw():
                for piece in decoder.feed(raw):
                    self._received += len(piece)
                    if self._received > self.limits.max_total_bytes:
                        self.fail(
                            url,
                            f"the bodies of this fetch add up to more than {self.limits.max_total_bytes} bytes;"
                            " stopped reading",
                        )
                    chunks.append(piece)
                if self._remaining() <= 0:
                    self.fail(url, f"gave up: the deadline of {self.limits.deadline:g} s passed while reading")
            decoder.finish()
        except TooLarge:
            self.fail(url, f"the body is larger than {limit} bytes; stopped reading")
        except BodyError as error:
            self.fail(url, str(error))
        return b"".join(chunks)

    def _wait_before_retry(self, url: str, retry: _Retry, attempt: int) -> None:
        if attempt >= self.limits.attempts:
            self.fail(url, f"{retry.problem}; gave up after {attempt} attempts")
        if retry.wait is not None:
            delay = min(retry.wait, self.limits.retry_after_cap)
        else:
            # Capped exponential backoff with jitter, so many clients do not retry in step.
            ceiling = min(self.limits.backoff_cap, self.limits.backoff_base * 2 ** (attempt - 1))
            delay = ceiling / 2 + self._jitter() * ceiling / 2
        if delay >= self._remaining():
            self.fail(url, f"{retry.problem}; gave up: a retry would pass the deadline of {self.limits.deadline:g} s")
        self._sleep(delay)

    def _redirect_target(self, url: str, location: str | None, redirects: int) -> str:
        if not location:
            self.fail(url, "a redirect without a Location header")
        if redirects > self.limits.max_redirects:
            self.fail(url, f"more than {self.limits.max_redirects} redirects; stopped")
        target = urljoin(url, location)
        if origin(target) != self.origin:
            scheme, host, port = origin(target)
            self.fail(
                url,
                f"redirected to another origin ({scheme}://{host}:{port}); refusing to send the token there"
                " (set the base URL to the API's own address)",
            )
        return target

    def _status_message(self, status: int, not_found: str) -> str:
        if status == 401:
            return f"HTTP 401 Unauthorized: the API refused the token; check {self.token_env}"
        if status == 403:
            return "HTTP 403 Forbidden: the token's user may not read definitions; use a token with that right"
        if status == 404:
            return f"HTTP 404 Not Found: {not_found}"
        return f"HTTP {status}: unexpected answer from the API"
