"""The transport of the generated DemandFlow client: requests, retries, errors, paging."""

import asyncio
import dataclasses
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, urljoin

import httpx
import pydantic

from ._client_common import (
    HTTP_LOGGERS,
    ApiError,
    ConfigurationError,
    ConnectionFailed,
    Error,
    Exchange,
    Failure,
    InvalidResponse,
    OriginError,
    Paths,
    Redacting,
    Retries,
    check_base_url,
    check_size,
    check_token,
    json_path,
    origin,
    retry_after,
    unanswered,
)

DEFAULT_TOKEN_ENV = "DEMANDFLOW_TOKEN"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A create is sent again only when the API cannot have acted on it: a 502 or a 504
# may come from a gateway after the API created the record.
CREATE_RETRY_STATUSES = frozenset({429, 503})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 3
# Defaults built once (a call in a signature would be too).
_RETRIES, _PATHS = Retries(), Paths()

log = logging.getLogger("demandflow.client")

_M = TypeVar("_M", bound=pydantic.BaseModel)


@dataclasses.dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes


class _Core:
    """The settings and every decision; Transport and AsyncTransport do the I/O."""

    def __init__(
        self,
        base_url: str | None,
        token: str | None,
        token_env: str,
        subscription: str | None,
        retries: Retries,
        paths: Paths,
        timeout: float | httpx.Timeout | None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.origin = origin(self.base_url)
        self.token_env = token_env
        self.token = check_token(token, token_env)
        self.subscription = subscription
        self.retries = retries
        self.paths = paths
        self.timeout = timeout
        self._filter = Redacting(self.token)
        for name in HTTP_LOGGERS:
            logging.getLogger(name).addFilter(self._filter)

    def forget_logs(self) -> None:
        for name in HTTP_LOGGERS:
            logging.getLogger(name).removeFilter(self._filter)

    def url(self, path: str, **values: str) -> str:
        for name, value in values.items():
            # An id is one path segment: "../x" or "a/b" cannot reach another path.
            path = path.replace("{" + name + "}", quote(value, safe=""))
        return self.base_url + path

    def subscription_for(self, subscription: str | None) -> str:
        chosen = subscription if subscription is not None else self.subscription
        if not chosen:
            raise ConfigurationError(
                "a create needs a subscription id: pass subscription= to the client "
                "or to create()"
            )
        return chosen

    def request(self, method: str, url: str, body: bytes | None) -> dict[str, Any]:
        """The arguments of httpx's stream() for one attempt."""
        headers = {"Accept": "application/json", "Authorization": self.token.header()}
        if body is not None:
            headers["Content-Type"] = "application/json"
        arguments: dict[str, Any] = {"method": method, "url": url, "headers": headers}
        # Redirects are ours to follow: the token must never go to another origin.
        arguments.update(content=body, follow_redirects=False)
        if self.timeout is not None:
            arguments["timeout"] = self.timeout
        return arguments

    def shown(self, url: str) -> str:
        return self.token.redact(url)

    def after(self, exchange: Exchange, outcome: _Answer | Failure) -> float | None:
        """None when the answer is final, else the seconds to wait before sending again."""
        method, url = exchange.method, self.shown(exchange.url)
        last = exchange.attempt >= self.retries.attempts
        if isinstance(outcome, Failure):
            problem = self.token.redact(outcome.problem)
            if last or not outcome.retryable:
                tried = f"attempt {exchange.attempt} of {self.retries.attempts}"
                if not outcome.retryable:
                    tried += ", not sent again: the API may have acted on it"
                raise ConnectionFailed(f"{method} {url}: {problem} ({tried})")
            return self._wait(exchange, problem, None)
        status, headers = outcome.status, outcome.headers
        if 200 <= status < 300:
            return None
        if status in REDIRECT_STATUSES and method == "GET":
            exchange.redirect(self._redirect(exchange, headers.get("location")))
            return 0.0
        statuses = CREATE_RETRY_STATUSES if method == "POST" else RETRY_STATUSES
        wait = retry_after(headers.get("retry-after"), headers.get("date"))
        too_long = wait is not None and wait > self.retries.max_retry_after
        if status in statuses and not last and not too_long:
            return self._wait(exchange, f"HTTP {status}", wait)
        raise self.api_error(method, url, outcome, wait)

    def _wait(self, exchange: Exchange, problem: str, wait: float | None) -> float:
        if wait is None:
            # Capped exponential backoff with jitter, so clients do not retry in step.
            ceiling = self.retries.backoff * 2 ** (exchange.attempt - 1)
            ceiling = min(self.retries.max_backoff, ceiling)
            wait = ceiling / 2 + random.random() * ceiling / 2
        shown = self.shown(exchange.url)
        log.info(
            "%s %s: %s; sending again in %.1f s", exchange.method, shown, problem, wait
        )
        return wait

    def _redirect(self, exchange: Exchange, location: str | None) -> str:
        shown = self.shown(exchange.url)
        if not location:
            raise ConnectionFailed(f"GET {shown}: a redirect without a Location header")
        if exchange.redirects >= MAX_REDIRECTS:
            raise ConnectionFailed(f"GET {shown}: more than {MAX_REDIRECTS} redirects")
        target = urljoin(exchange.url, location)
        self.check_origin(exchange.url, target, "redirected")
        return target

    def check_origin(self, url: str, target: str, how: str) -> None:
        """OriginError unless target is on the base URL's origin, where the token goes."""
        if origin(target) != self.origin:
            scheme, host, port = origin(target)
            raise OriginError(
                f"GET {self.shown(url)}: {how} to another origin ({scheme}://{host}:"
                f"{port}); the token is sent only to {self.base_url}"
            )

    def api_error(
        self, method: str, url: str, answer: _Answer, wait: float | None
    ) -> ApiError:
        try:
            # Every string redacted after decoding: JSON may spell the token in escapes.
            error = Error.model_validate(self.token.scrub(json.loads(answer.body)))
        except (ValueError, pydantic.ValidationError):
            phrase = httpx.codes.get_reason_phrase(answer.status) or "Error"
            error = Error(message=f"{phrase} (the body is not an error body)")
        if answer.status == 401:
            error.message += f" (check token= or {self.token_env})"
        if wait is not None and wait > self.retries.max_retry_after:
            error.message += f" (Retry-After {wait:g} s)"
        return ApiError(method, url, answer.status, error, wait)

    def parse(
        self, model: type[_M], entity: str, method: str, url: str, body: bytes
    ) -> _M:
        """The body as the model reads it, or InvalidResponse naming entity and path."""
        try:
            return model.model_validate_json(body)
        except pydantic.ValidationError as error:
            errors = error.errors(include_input=False, include_url=False)
            problems = "; ".join(
                f"{json_path(e['loc'])}: {e['msg']}" for e in errors[:5]
            )
            if len(errors) > 5:
                problems += f"; and {len(errors) - 5} more"
            shown, problems = self.shown(url), self.token.redact(problems)
            failure = InvalidResponse(entity, method, shown, problems, errors)
        # Raised outside the except block: no httpx or pydantic context chained to it.
        raise failure

    def next_page(self, entity: str, url: str, page: Any, seen: set[str]) -> str | None:
        """The next page's URL, checked: same origin, not a page already listed."""
        link = getattr(page, "next", None)
        if not isinstance(link, str):
            return None
        target = urljoin(url, link)
        self.check_origin(url, target, "the next page points")
        if target in seen:
            problem = "$.next: a page already listed"
            raise InvalidResponse(entity, "GET", self.shown(url), problem)
        seen.add(target)
        return target


class _Base:
    _core: _Core

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._core.base_url!r}, token=<hidden>)"
        )

    def subscription_for(self, subscription: str | None) -> str:
        """The subscription id of a create: the argument, else the client's."""
        return self._core.subscription_for(subscription)

    def _read_url(self, entity: str, id: str) -> str:
        if not isinstance(id, str) or not id:
            raise ValueError("an id is a non-empty string")
        return self._core.url(self._core.paths.read, code=entity, id=id)


class Transport(_Base):
    """Requests to one tenant's API, for the generated Client."""

    def __init__(
        self,
        base_url: str | None,
        token: str | None = None,
        *,
        token_env: str = DEFAULT_TOKEN_ENV,
        subscription: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        retries: Retries = _RETRIES,
        paths: Paths = _PATHS,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        core = _Core(base_url, token, token_env, subscription, retries, paths, timeout)
        self._core, self._sleep, self._own = core, sleep, http_client is None
        self._http = http_client or httpx.Client(timeout=timeout or DEFAULT_TIMEOUT)

    def close(self) -> None:
        """Close the connections (not those of an httpx.Client passed in)."""
        self._core.forget_logs()
        if self._own:
            self._http.close()

    def create(self, model: type[_M], entity: str, body: Mapping[str, Any]) -> _M:
        """POST the body to the create path; the created record as `model`."""
        url = self._core.url(self._core.paths.create)
        return self._core.parse(
            model, entity, "POST", url, self._send("POST", url, body)
        )

    def read(self, model: type[_M], entity: str, id: str) -> _M:
        """GET one record by id."""
        url = self._read_url(entity, id)
        return self._core.parse(model, entity, "GET", url, self._send("GET", url, None))

    def pages(self, model: type[_M], entity: str) -> Iterator[_M]:
        """Every page of the listing, following `next` within the base URL's origin."""
        url: str | None = self._core.url(self._core.paths.list, code=entity)
        seen: set[str] = set()
        while url is not None:
            body = self._send("GET", url, None)
            page = self._core.parse(model, entity, "GET", url, body)
            yield page
            url = self._core.next_page(entity, url, page, seen)

    def _send(self, method: str, url: str, body: Mapping[str, Any] | None) -> bytes:
        exchange = Exchange(method, url, body)
        while True:
            exchange.attempt += 1
            arguments = self._core.request(method, exchange.url, exchange.content)
            outcome: _Answer | Failure
            try:
                outcome = self._exchange(exchange, arguments)
            except httpx.HTTPError as error:
                outcome = unanswered(method, error)
            wait = self._core.after(exchange, outcome)
            if wait is None:
                assert isinstance(outcome, _Answer)
                return outcome.body
            self._sleep(wait)

    def _exchange(self, exchange: Exchange, arguments: dict[str, Any]) -> _Answer:
        where = f"{exchange.method} {self._core.shown(exchange.url)}"
        with self._http.stream(**arguments) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                check_size(size, where)
                chunks.append(chunk)
            return _Answer(response.status_code, response.headers, b"".join(chunks))


class AsyncTransport(_Base):
    """Transport with async methods, over an httpx.AsyncClient."""

    def __init__(
        self,
        base_url: str | None,
        token: str | None = None,
        *,
        token_env: str = DEFAULT_TOKEN_ENV,
        subscription: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        retries: Retries = _RETRIES,
        paths: Paths = _PATHS,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        core = _Core(base_url, token, token_env, subscription, retries, paths, timeout)
        self._core, self._sleep, self._own = core, sleep, http_client is None
        self._http = http_client or httpx.AsyncClient(
            timeout=timeout or DEFAULT_TIMEOUT
        )

    async def aclose(self) -> None:
        """Close the connections (not those of an httpx.AsyncClient passed in)."""
        self._core.forget_logs()
        if self._own:
            await self._http.aclose()

    async def create(self, model: type[_M], entity: str, body: Mapping[str, Any]) -> _M:
        """POST the body to the create path; the created record as `model`."""
        url = self._core.url(self._core.paths.create)
        answer = await self._send("POST", url, body)
        return self._core.parse(model, entity, "POST", url, answer)

    async def read(self, model: type[_M], entity: str, id: str) -> _M:
        """GET one record by id."""
        url = self._read_url(entity, id)
        answer = await self._send("GET", url, None)
        return self._core.parse(model, entity, "GET", url, answer)

    async def pages(self, model: type[_M], entity: str) -> AsyncIterator[_M]:
        """Every page of the listing, following `next` within the base URL's origin."""
        url: str | None = self._core.url(self._core.paths.list, code=entity)
        seen: set[str] = set()
        while url is not None:
            body = await self._send("GET", url, None)
            page = self._core.parse(model, entity, "GET", url, body)
            yield page
            url = self._core.next_page(entity, url, page, seen)

    async def _send(
        self, method: str, url: str, body: Mapping[str, Any] | None
    ) -> bytes:
        exchange = Exchange(method, url, body)
        while True:
            exchange.attempt += 1
            arguments = self._core.request(method, exchange.url, exchange.content)
            outcome: _Answer | Failure
            try:
                outcome = await self._exchange(exchange, arguments)
            except httpx.HTTPError as error:
                outcome = unanswered(method, error)
            wait = self._core.after(exchange, outcome)
            if wait is None:
                assert isinstance(outcome, _Answer)
                return outcome.body
            await self._sleep(wait)

    async def _exchange(self, exchange: Exchange, arguments: dict[str, Any]) -> _Answer:
        where = f"{exchange.method} {self._core.shown(exchange.url)}"
        async with self._http.stream(**arguments) as response:
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                check_size(size, where)
                chunks.append(chunk)
            return _Answer(response.status_code, response.headers, b"".join(chunks))
