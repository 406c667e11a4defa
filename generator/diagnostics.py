"""Source locations and the diagnostics that name them."""

from __future__ import annotations

from dataclasses import dataclass


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
