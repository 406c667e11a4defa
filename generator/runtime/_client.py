"""The transport of the generated DemandFlow client, and the base of its Client classes."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, ClassVar, TypeVar

import httpx
import pydantic

from ._client_common import (
    ApiError,
    ConfigurationError,
    ConnectionFailed,
    DemandFlowError,
    Exchange,
    Failure,
    InvalidResponse,
    OriginError,
    Paths,
    Retries,
    check_size,
    unanswered,
)
from ._client_core import Answer, Core

__all__ = [
    "ApiError",
    "AsyncClient",
    "AsyncTransport",
    "Client",
    "ConfigurationError",
    "ConnectionFailed",
    "DemandFlowError",
    "InvalidResponse",
    "OriginError",
    "Paths",
    "Retries",
    "Transport",
]

DEFAULT_TOKEN_ENV = "DEMANDFLOW_TOKEN"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# Defaults built once (a call in a signature would be too).
_RETRIES, _PATHS = Retries(), Paths()

_M = TypeVar("_M", bound=pydantic.BaseModel)


class _Base:
    _core: Core

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, token=<hidden>)"

    @property
    def base_url(self) -> str:
        """The API's address, without a trailing slash."""
        return self._core.base_url

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
        core = Core(base_url, token, token_env, subscription, retries, paths, timeout)
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
            outcome: Answer | Failure
            try:
                outcome = self._exchange(exchange, arguments)
            except httpx.HTTPError as error:
                outcome = unanswered(method, error)
            wait = self._core.after(exchange, outcome)
            if wait is None:
                assert isinstance(outcome, Answer)
                return outcome.body
            self._sleep(wait)

    def _exchange(self, exchange: Exchange, arguments: dict[str, Any]) -> Answer:
        where = f"{exchange.method} {self._core.shown(exchange.url)}"
        with self._http.stream(**arguments) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                check_size(size, where)
                chunks.append(chunk)
            return Answer(response.status_code, response.headers, b"".join(chunks))


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
        core = Core(base_url, token, token_env, subscription, retries, paths, timeout)
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
            outcome: Answer | Failure
            try:
                outcome = await self._exchange(exchange, arguments)
            except httpx.HTTPError as error:
                outcome = unanswered(method, error)
            wait = self._core.after(exchange, outcome)
            if wait is None:
                assert isinstance(outcome, Answer)
                return outcome.body
            await self._sleep(wait)

    async def _exchange(self, exchange: Exchange, arguments: dict[str, Any]) -> Answer:
        where = f"{exchange.method} {self._core.shown(exchange.url)}"
        async with self._http.stream(**arguments) as response:
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                check_size(size, where)
                chunks.append(chunk)
            return Answer(response.status_code, response.headers, b"".join(chunks))


_C = TypeVar("_C", bound="Client")
_A = TypeVar("_A", bound="AsyncClient")


class _Settings:
    """What a generated client class fixes: [tool.dfgen]'s base-url and token-env."""

    BASE_URL: ClassVar[str | None] = None
    TOKEN_ENV: ClassVar[str] = DEFAULT_TOKEN_ENV

    def _base_url(self, base_url: str | None) -> str | None:
        return base_url if base_url is not None else self.BASE_URL


class Client(_Settings):
    """The base of a generated Client: its settings, close() and a with block."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        subscription: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        retries: Retries = _RETRIES,
        paths: Paths = _PATHS,
        http_client: httpx.Client | None = None,
        token_env: str | None = None,
    ) -> None:
        self._transport = Transport(
            self._base_url(base_url),
            token,
            token_env=token_env or self.TOKEN_ENV,
            subscription=subscription,
            timeout=timeout,
            retries=retries,
            paths=paths,
            http_client=http_client,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._transport.base_url!r}, token=<hidden>)"

    def close(self) -> None:
        """Close the connections (not those of an httpx.Client passed in)."""
        self._transport.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_Settings):
    """The base of a generated AsyncClient: its settings, aclose() and async with."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        subscription: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        retries: Retries = _RETRIES,
        paths: Paths = _PATHS,
        http_client: httpx.AsyncClient | None = None,
        token_env: str | None = None,
    ) -> None:
        self._transport = AsyncTransport(
            self._base_url(base_url),
            token,
            token_env=token_env or self.TOKEN_ENV,
            subscription=subscription,
            timeout=timeout,
            retries=retries,
            paths=paths,
            http_client=http_client,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._transport.base_url!r}, token=<hidden>)"

    async def aclose(self) -> None:
        """Close the connections (not those of an httpx.AsyncClient passed in)."""
        await self._transport.aclose()

    async def __aenter__(self: _A) -> _A:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
