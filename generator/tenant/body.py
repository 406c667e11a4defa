"""Response bodies within bounds: content decoding a step at a time, JSON values counted before parsing."""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn

# A layer inflates at most this much per step, so a compression bomb never sits in memory whole.
STEP = 64 * 1024
# More layers than this is no server's honest answer, and each one holds a 32 KiB window.
MAX_LAYERS = 8
GZIP = ("gzip", "x-gzip")
ACCEPT_ENCODING = "gzip, deflate"
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_QUOTED = re.compile(r'"[^"]*"')


class BodyError(Exception):
    """The body cannot be decoded; the message says why."""


class TooLarge(Exception):
    """A stage of decoding passed the size limit."""


class _Inflater:
    """One gzip or deflate layer, inflated in bounded steps."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if encoding in GZIP else zlib.MAX_WBITS)
        self._raw_allowed = encoding == "deflate"

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The inflated pieces of `data`, none longer than STEP."""
        while True:
            try:
                out = self._zlib.decompress(data, STEP)
            except zlib.error:
                # Servers send "deflate" both zlib-wrapped (as RFC 9110 says) and raw; try raw once.
                if not self._raw_allowed:
                    raise BodyError(f"the body's {self.encoding} encoding is corrupt") from None
                self._zlib, self._raw_allowed = zlib.decompressobj(-zlib.MAX_WBITS), False
                continue
            self._raw_allowed = False
            data = self._zlib.unconsumed_tail
            if out:
                yield out
            # A full step may leave output inside zlib even when all input is consumed.
            if not data and len(out) < STEP:
                return

    def finish(self) -> None:
        """BodyError unless the stream reached its end."""
        if not self._zlib.eof:
            raise BodyError(f"the body's {self.encoding} encoding ends early")


class Decoder:
    """A body through its Content-Encoding layers; every stage's bytes are counted against the limit."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        names = [name.strip().lower() for name in content_encoding.split(",")]
        names = [name for name in names if name not in ("", "identity")]
        for name in names:
            if name not in (*GZIP, "deflate"):
                raise BodyError(f"unsupported content encoding {name!r} (asked for {ACCEPT_ENCODING})")
        if len(names) > MAX_LAYERS:
            raise BodyError(f"more than {MAX_LAYERS} content encodings ({len(names)}); refused")
        # The last encoding listed was applied last, so it comes off first.
        self._layers = [_Inflater(name) for name in reversed(names)]
        self._sizes = [0] * (len(self._layers) + 1)
        self._limit = limit

    def feed(self, raw: bytes) -> Iterator[bytes]:
        """The decoded pieces of the next raw chunk; TooLarge as soon as any stage passes the limit."""
        return self._stage(0, raw)

    def finish(self) -> None:
        """BodyError if a layer's stream was cut short."""
        for layer in self._layers:
            layer.finish()

    def _stage(self, index: int, data: bytes) -> Iterator[bytes]:
        # Inner layers count too: one that inflates to padding costs time and memory all the same.
        self._sizes[index] += len(data)
        if self._sizes[index] > self._limit:
            raise TooLarge
        if index == len(self._layers):
            yield data
            return
        for piece in self._layers[index].feed(data):
            yield from self._stage(index + 1, piece)


def json_values(text: str) -> int:
    """An upper bound on the values and keys that parsing `text` as JSON builds, counted without building them."""
    # Every value or key but the first follows a `[`, `{`, `,` or `:` outside a string. Escapes go first,
    # so that each string is a plain "..." that a linear pattern finds (a pattern that skips escapes
    # itself backtracks quadratically on an unterminated string). A backslash outside a string, or a
    # stray quote, is where the parser stops too: what follows may be miscounted, but is never built.
    bare = _QUOTED.sub("", _ESCAPE.sub("", text))
    stray = bare.find('"')
    if stray >= 0:
        bare = bare[:stray]
    return 1 + sum(bare.count(char) for char in "[{,:")


class _Duplicate(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Duplicate(key)
        result[key] = value
    return result


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes, fail: Callable[[str], NoReturn], *, max_values: int | None = None, secret: str = "") -> Any:
    """JSON from a response body: UTF-8, no duplicate keys, no NaN, every string storable as UTF-8 and free of `secret`."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        fail(f"the body is not UTF-8 (byte {error.start})")
    if not text.strip():
        fail("the body is empty; expected JSON")
    # Counted before parsing: a body of tiny values costs a hundred times its size once parsed.
    if max_values is not None and json_values(text) > max_values:
        fail(f"the JSON holds more than {max_values} values; refused")
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        ended = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        why = "the JSON ends early (truncated body?)" if ended else "invalid JSON"
        fail(f"{why} at line {error.lineno} column {error.colno}: {error.msg}")
    except _Duplicate as error:
        fail(f"invalid JSON: duplicate key {error.args[0]!r} in an object")
    except ValueError as error:
        fail(f"invalid JSON: {error}")
    except RecursionError:
        fail("invalid JSON: nested too deeply")
    _check_strings(value, "$", fail, secret)
    return value


def _check_strings(value: Any, path: str, fail: Callable[[str], NoReturn], secret: str) -> None:
    """Refuse lone surrogates (JSON can escape them, a UTF-8 file cannot hold them) and strings holding `secret`."""
    if isinstance(value, str) and (problem := _problem(value, secret)):
        fail(f"{path}: {problem}")
    # Paths are built for containers and problems only: most values are leaves, a million paths take seconds.
    stack = [(value, path)] if isinstance(value, (dict, list)) else []
    while stack:
        item, at = stack.pop()
        pairs: Iterable[tuple[Any, Any]] = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in pairs:
            if isinstance(key, str) and (problem := _problem(key, secret)):
                fail(f"{at}: {problem}")
            if isinstance(child, str):
                if problem := _problem(child, secret):
                    fail(f"{_member(at, key)}: {problem}")
            elif isinstance(child, (dict, list)):
                stack.append((child, _member(at, key)))


def _member(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def _problem(text: str, secret: str) -> str | None:
    if secret and secret in text:
        return "holds the token; the server echoed it, so nothing is written"
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"the string holds a lone surrogate (U+{ord(text[error.start]):04X}); refused"
    return None
