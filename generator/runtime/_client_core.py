"""The decisions of the generated DemandFlow client: retries, redirects, errors, pages."""

import dataclasses
import json
import logging
import random
from typing import Any, TypeVar
from urllib.parse import quote, urljoin

import httpx
import pydantic

from ._base import Error
from ._client_common import (
    HTTP_LOGGERS,
    ApiError,
    ConfigurationError,
    ConnectionFailed,
    Exchange,
    Failure,
    InvalidResponse,
    OriginError,
    Paths,
    Redacting,
    Retries,
    check_base_url,
    check_token,
    json_path,
    origin,
)
from ._retry import retry_after

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A create is sent again only when the API cannot have acted on it: a 502 or a 504
# may come from a gateway after the API created the record.
CREATE_RETRY_STATUSES = frozenset({429, 503})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 3

log = logging.getLogger("demandflow.client")

_M = TypeVar("_M", bound=pydantic.BaseModel)


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes


class Core:
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

    def after(self, exchange: Exchange, outcome: Answer | Failure) -> float | None:
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
        self, method: str, url: str, answer: Answer, wait: float | None
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
