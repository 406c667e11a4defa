"""Source locations and the diagnostics that name them."""

from __future__ import annotations

from dataclasses import dataclass

# Tenant text quoted in a message is cut to this many characters: a 200,000-character note is not
# news, and a message per problem must not repeat it (a long field code in each of 10,000 messages).
MAX_QUOTED = 60


def excerpt(text: str) -> str:
    """The start of tenant text, at most MAX_QUOTED characters with "..." where it was cut."""
    return text if len(text) <= MAX_QUOTED else f"{text[: MAX_QUOTED - 3]}..."


def quoted(value: object) -> str:
    """A value as a message quotes it: its repr, cut to MAX_QUOTED characters, closing quote kept."""
    # repr of the whole would cost as much as the value is long, only to be cut.
    text = repr(value[: MAX_QUOTED + 1] if isinstance(value, str) else value)
    return text if len(text) <= MAX_QUOTED else f"{text[: MAX_QUOTED - 4]}...{text[-1]}"


@dataclass(frozen=True, order=True)
class Location:
    """Where a value came from: a file with line and column, or a source with a JSON path."""

    source: str
    line: int = 0
    column: int = 0
    path: str = ""

    def __str__(self) -> str:
        if self.line:
            # A column of 0 is unknown (a template error gives a line only).
            return f"{self.source}:{self.line}:{self.column}" if self.column else f"{self.source}:{self.line}"
        if self.path:
            return f"{self.source}: {self.path}"
        return self.source


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in the input, printed as `file:line:col: field 'x': message`."""

    location: Location
    message: str
    field: str | None = None

    def __post_init__(self) -> None:
        # Kept short here, so that every later step (sorting, redacting, printing) stays cheap.
        if self.field is not None and len(self.field) > MAX_QUOTED:
            object.__setattr__(self, "field", excerpt(self.field))

    def __str__(self) -> str:
        subject = f"field {self.field!r}: " if self.field is not None else ""
        return f"{self.location}: {subject}{self.message}"


class InputError(Exception):
    """Bad input: one or more diagnostics; the CLI prints them and exits with 2."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    @classmethod
    def at(cls, location: Location, message: str, field: str | None = None) -> InputError:
        """A single diagnostic as an error."""
        return cls([Diagnostic(location, message, field)])
