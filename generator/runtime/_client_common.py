"""The generated client's settings, errors and checks: base URL, token, Retry-After."""

import dataclasses
import json
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from ._base import Error

# Plain http would show the token to anyone on the path; only this machine is exempt.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_BODY_BYTES = 32 * 1024 * 1024
# httpcore's debug log quotes response headers, where a server could echo the token.
HTTP_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2")


class DemandFlowError(Exception):
    """Anything the client raises; no message holds the token."""


class ConfigurationError(DemandFlowError, ValueError):
    """A missing or unusable base URL, token or subscription id."""


@dataclasses.dataclass(frozen=True)
class Retries:
    """Attempts in all, and the waits between them in seconds."""

    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0
    # A longer Retry-After is not waited out: the ApiError carries it instead.
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or min(self.backoff, self.max_backoff) < 0:
            raise ConfigurationError("Retries: at least 1 attempt, waits of 0 or more")


@dataclasses.dataclass(frozen=True)
class Paths:
    """The API's paths ({code}: the entity code, {id}: the record's id)."""

    create: str = "/v1/objects"
    read: str = "/v1/objects/{code}/{id}"
    list: str = "/v1/entities/{code}/SUB"


class Token:
    """The token, kept out of every repr and str; only header() shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "<token hidden>"

    __str__ = __repr__

    def header(self) -> str:
        """The Authorization header's value."""
        return f"Bearer {self._value}"

    def redact(self, text: str) -> str:
        """Text with the token blanked out (a server may echo it)."""
        return text.replace(self._value, "[token]")

    def scrub(self, value: Any) -> Any:
        """Parsed JSON with the token blanked out of every key and string."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, dict):
            return {self.redact(k): self.scrub(v) for k, v in value.items()}
        return value


class Redacting(logging.Filter):
    """Blanks the token out of the HTTP libraries' log records."""

    def __init__(self, token: Token) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.token.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: where a URL sends the token."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return "", "", None
    return parts.scheme, (parts.hostname or "").lower(), port


def check_base_url(url: str | None) -> str:
    """The base URL without a trailing slash, or ConfigurationError saying why not."""
    if not url:
        raise ConfigurationError("no base URL: pass base_url=, such as https://x/api")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ConfigurationError(f"base URL {url!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base URL {url!r} is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError("the base URL must not hold credentials")
    if parts.query or parts.fragment:
        raise ConfigurationError("the base URL must not have a query or fragment")
    if parts.scheme == "http" and parts.hostname.lower() not in LOOPBACK_HOSTS:
        raise ConfigurationError(
            f"refusing to send the token over plain http to {parts.hostname}; use https"
        )
    return url.rstrip("/")


def check_token(token: str | None, token_env: str) -> Token:
    """The token given, else the environment's; messages name only the variable."""
    if token is None:
        token = os.environ.get(token_env)
    if token is None or not token.strip():
        raise ConfigurationError(f"no token: pass token= or set {token_env}")
    token = token.strip()
    # Anything else could not travel in a header, and httpx's complaint would quote it.
    if not all("!" <= char <= "~" for char in token):
        raise ConfigurationError(
            f"the token (token= or {token_env}) holds spaces, control or "
            "non-ASCII characters"
        )
    return Token(token)


class ApiError(DemandFlowError):
    """The API answered with an error: `status`, the `Error` body, `retry_after`."""

    def __init__(
        self, method: str, url: str, status: int, error: Error, retry: float | None
    ) -> None:
        self.method, self.url, self.status = method, url, status
        self.error, self.retry_after = error, retry
        super().__init__(f"{method} {url}: HTTP {status}: {error.message}")


class ConnectionFailed(DemandFlowError):
    """No complete answer after every attempt (refused, timed out, cut off)."""


class InvalidResponse(DemandFlowError):
    """A body the entity's class does not read: `entity`, `path`, the errors."""

    def __init__(
        self,
        entity: str,
        method: str,
        url: str,
        problems: str,
        errors: Sequence[Any] = (),
    ) -> None:
        self.entity, self.method, self.url = entity, method, url
        self.path = urlsplit(url).path
        # pydantic's errors without the input values, which could hold anything.
        self.errors = list(errors)
        super().__init__(f"{method} {url}: not a valid {entity} answer: {problems}")


class OriginError(DemandFlowError):
    """A redirect or a next page pointing away from the base URL's origin."""


@dataclasses.dataclass(frozen=True)
class Failure:
    problem: str
    retryable: bool


def unanswered(method: str, error: httpx.HTTPError) -> Failure:
    """Why no answer came, and whether sending again is safe."""
    if isinstance(error, httpx.ConnectTimeout):
        problem = "no connection within the connect timeout"
    elif isinstance(error, httpx.TimeoutException):
        problem = "no answer within the timeout"
    elif isinstance(error, httpx.RemoteProtocolError):
        problem = f"the connection broke off: {error}"
    else:
        problem = f"cannot reach the API: {error or type(error).__name__}"
    # A create that may have reached the API is not sent twice.
    unsent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
    sendable = httpx.TransportError if method == "GET" else unsent
    return Failure(problem, isinstance(error, sendable))


def json_path(location: tuple[int | str, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in location)


class Exchange:
    """One request and its attempts and redirects."""

    def __init__(self, method: str, url: str, body: Mapping[str, Any] | None) -> None:
        self.method, self.url = method, url
        self.content = None
        if body is not None:
            text = json.dumps(body, ensure_ascii=False, allow_nan=False)
            self.content = text.encode("utf-8")
        self.attempt = self.redirects = 0

    def redirect(self, url: str) -> None:
        # A redirect is not a failed attempt.
        self.url = url
        self.redirects += 1
        self.attempt -= 1


def check_size(size: int, where: str) -> None:
    """ConnectionFailed once a body passes MAX_BODY_BYTES: a server cannot fill memory."""
    if size > MAX_BODY_BYTES:
        raise ConnectionFailed(
            f"{where}: the body is larger than {MAX_BODY_BYTES} bytes"
        )
