"""The only code that writes generated files: a plan checked first, a journal, staged swaps, the manifest, check.

A run touches only what it can prove dfgen wrote: a path the manifest (or an unfinished run's journal)
lists, inside the output folder through real folders only, not an input of the run, and, to remove a
file, with the content the manifest records. Anything else in the way stops the run before it writes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.diagnostics import Diagnostic, InputError, Location
from generator.output.ledger import (
    JOURNAL,
    MANIFEST,
    TEMP_PREFIX,
    Folder,
    Known,
    OutputFault,
    digest,
    is_bookkeeping,
    is_inside,
    journal_text,
    manifest_text,
    parents,
    read_known,
)
from generator.output.lock import locked

__all__ = ["MANIFEST", "Changes", "OutputFault", "compare", "expected_digests", "write", "write_files"]

_RESOLVE = "move it, or choose another output folder (--out or [tool.dfgen] out)"


def _no_wait() -> None:
    return None


@dataclass
class Changes:
    """What a write did, or what a check found, by relative path."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # Listed by an earlier run but not provably its content any more: left in place, dropped from the manifest.
    kept: dict[str, str] = field(default_factory=dict)
    # A killed run's journal and staged files.
    leftovers: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.kept or self.leftovers)

    def summary(self) -> str:
        """One line: counts of files added, changed and removed."""
        text = f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed"
        return text + (f", {len(self.leftovers)} left by an unfinished run cleaned" if self.leftovers else "")


def expected_digests(files: Mapping[str, str]) -> dict[str, str]:
    """The sha256 of every file and of the manifest that lists them."""
    digests = {path: digest(text.encode("utf-8")) for path, text in files.items()}
    digests[MANIFEST] = digest(manifest_text(digests).encode("utf-8"))
    return digests


class _Inputs:
    """The run's own inputs (configuration, definitions, templates, cache): never dfgen's to replace or remove."""

    def __init__(self, out: Path, protected: Iterable[Path]) -> None:
        self.root = out.resolve()
        # Each distinct folder resolved once: a tenant of 300 definitions is 300 files in one folder.
        folders: dict[Path, Path] = {}
        resolved = []
        for path in protected:
            parent = folders.get(path.parent)
            if parent is None:
                parent = folders[path.parent] = path.parent.resolve()
            resolved.append(parent / path.name)
        self.files = {p for p in resolved if not p.is_dir()}
        # A folder that holds the output folder itself would cover every path: only folders beside it count.
        self.folders = [p for p in resolved if p.is_dir() and not self.root.is_relative_to(p)]

    def cover(self, relative: str) -> bool:
        # The folders on the way are real (Folder checked them), so joining is resolving.
        path = self.root / relative
        return path in self.files or any(path.is_relative_to(folder) for folder in self.folders)


@dataclass
class _Plan:
    changes: Changes
    known: Known
    refused: list[Diagnostic] = field(default_factory=list)
    faults: list[OutputFault] = field(default_factory=list)


def _plan(folder: Folder, expected: Mapping[str, str], inputs: _Inputs, shown: str) -> _Plan:
    """What the run must do, what stands in its way, and what it may remove: nothing is written."""
    known = read_known(folder)
    plan = _Plan(Changes(), known)
    for relative, want in sorted(expected.items()):
        actual = folder.digest(relative)
        if actual == want:
            continue
        kind = "file" if actual is not None else folder.kind(relative)
        if kind == "absent":
            plan.changes.added.append(relative)
            continue
        plan.changes.changed.append(relative)
        where = Location(_under(shown, relative))
        blocker = folder.blocker(relative)
        if kind == "link-parent" and blocker is not None:
            message = "is a symbolic link; dfgen writes only into real folders inside the output folder"
            plan.refused.append(Diagnostic(Location(_under(shown, blocker)), f"{message}; {_RESOLVE}"))
        elif kind == "file-parent" and blocker is not None:
            plan.faults.append(OutputFault(_under(shown, blocker), "is a file; expected a folder"))
        elif kind == "dir":
            plan.faults.append(OutputFault(_under(shown, relative), "is a folder; expected a file"))
        elif kind == "link":
            plan.refused.append(Diagnostic(where, f"is a symbolic link, which dfgen does not write; {_RESOLVE}"))
        elif kind != "file":
            plan.faults.append(OutputFault(_under(shown, relative), "is not a regular file"))
        elif inputs.cover(relative):
            plan.refused.append(Diagnostic(where, f"is an input of this run; {_RESOLVE}"))
        elif relative != MANIFEST and relative not in known.files:
            message = f"exists and was not written by dfgen ({MANIFEST} does not list it); {_RESOLVE}"
            plan.refused.append(Diagnostic(where, message))
    for relative, digests in sorted(known.files.items()):
        if relative in expected:
            continue
        actual = folder.digest(relative)
        if actual is None or inputs.cover(relative):
            continue
        if actual in digests:
            plan.changes.removed.append(relative)
        elif digests:
            plan.changes.kept[relative] = "changed since dfgen wrote it; remove it by hand if it is not yours"
        else:
            plan.changes.kept[relative] = "listed by an older dfgen without a digest; remove it by hand if obsolete"
    names = [*known.files, *expected]
    plan.changes.leftovers = folder.leftovers(parents(names), names) + ([JOURNAL] if known.journal else [])
    return plan


def compare(
    out: Path,
    expected: Mapping[str, str],
    protected: Iterable[Path] = (),
    shown: str | None = None,
    on_wait: Callable[[], None] = _no_wait,
) -> Changes:
    """How the output folder differs from the expected file digests (manifest included): nothing is written."""
    # The digests may come from the run cache, a file on disk: a path in it that leaves the folder is not read.
    expected = {p: d for p, d in expected.items() if p == MANIFEST or (is_inside(p) and not is_bookkeeping(p))}
    if not out.is_dir():
        return Changes(added=sorted(expected))
    with locked(out, shared=True, on_wait=on_wait):
        return _plan(Folder(out), expected, _Inputs(out, protected), shown or out.as_posix()).changes


def write(
    out: Path,
    files: Mapping[str, str],
    protected: Iterable[Path] = (),
    shown: str | None = None,
    on_wait: Callable[[], None] = _no_wait,
) -> Changes:
    """Make the output folder hold `files`, and touch nothing dfgen cannot prove it wrote.

    InputError (nothing written) when a file or link of someone else's is in the way; OutputFault when
    the folder cannot take the files (the previous output is then intact). A run killed at any moment
    leaves a journal from which the next run repairs the folder completely.
    """
    shown = shown or out.as_posix()
    outside = [p for p in files if not is_inside(p) or is_bookkeeping(p) or p == MANIFEST]
    if outside:
        message = "a generated path must stay inside the output folder"
        raise InputError([Diagnostic(Location(_under(shown, p)), message) for p in outside])
    texts = {**files}
    expected = {path: digest(text.encode("utf-8")) for path, text in files.items()}
    texts[MANIFEST] = manifest_text(expected)
    expected[MANIFEST] = digest(texts[MANIFEST].encode("utf-8"))
    made_out = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputFault(shown, "is a file; expected a folder") from None
    except OSError as error:
        raise OutputFault(shown, f"cannot create the folder: {error.strerror}") from None
    with locked(out, shared=False, on_wait=on_wait):
        folder = Folder(out)
        plan = _plan(folder, expected, _Inputs(out, protected), shown)
        if plan.refused:
            raise InputError(plan.refused)
        if plan.faults:
            raise plan.faults[0]
        if plan.changes:
            try:
                _apply(folder, texts, expected, plan, shown)
            except OutputFault:
                if made_out:
                    _rmdir(out)
                raise
    return plan.changes


def _apply(folder: Folder, texts: Mapping[str, str], expected: Mapping[str, str], plan: _Plan, shown: str) -> None:
    """Journal, stage, swap (the manifest last), remove: a kill anywhere leaves what the next run repairs."""
    changes = plan.changes
    writes = [p for p in sorted(texts) if p in changes.added or p in changes.changed]
    writes.sort(key=lambda p: p == MANIFEST)
    # Every path the folder may hold once this run is cut short: what earlier runs wrote, and all it writes or keeps.
    journal = {path: set(digests) for path, digests in plan.known.files.items()}
    for path, want in expected.items():
        journal.setdefault(path, set()).add(want)
    journal.pop(MANIFEST, None)
    created: list[str] = []
    staged: dict[str, Path] = {}
    current = JOURNAL
    try:
        # Garbage first: on a full disk the leftovers may be what fills it.
        for path in changes.leftovers:
            if path != JOURNAL:
                current = path
                folder.path(path).unlink(missing_ok=True)
        current = JOURNAL
        os.replace(_stage(folder, JOURNAL, journal_text(journal), created), folder.path(JOURNAL))
        for path in writes:
            current = path
            staged[path] = _stage(folder, path, texts[path], created)
    except BaseException as error:
        # Nothing is swapped in yet: undo, so that a fault (or Ctrl-C) leaves the folder as it was.
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
        if not plan.known.journal:
            folder.path(JOURNAL).unlink(missing_ok=True)
        for made in reversed(created):
            _rmdir(folder.path(made))
        if isinstance(error, OSError):
            raise _fault(error, shown, current) from None
        raise
    try:
        for path in writes:
            current = path
            os.replace(staged.pop(path), folder.path(path))
        for path in changes.removed:
            current = path
            os.unlink(folder.path(path))
        current = JOURNAL
        os.unlink(folder.path(JOURNAL))
    except OSError as error:
        # The journal stays: the next run finishes what this one could not.
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
        raise _fault(error, shown, current) from None
    # Folders left empty: by removed files, or by a killed run that made them for files it never swapped in.
    for path in [*changes.removed, *changes.leftovers]:
        _remove_empty_parents(folder, path)


def _under(shown: str, relative: str) -> str:
    """A path under the output folder as messages show it (`docs/x.md`, not `./docs/x.md`, for `--out .`)."""
    return relative if shown in ("", ".") else f"{shown}/{relative}"


def _fault(error: OSError, shown: str, relative: str) -> OutputFault:
    # The journal and temporary files are dfgen's own: a fault on them is the folder's.
    where = shown if relative == JOURNAL or is_bookkeeping(relative) else _under(shown, relative)
    reason = error.strerror or str(error)
    return OutputFault(where, f"cannot write: {reason}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_NEW_FILE_MODE = 0o666 & ~_umask()


def _stage(folder: Folder, relative: str, text: str, created: list[str]) -> Path:
    """Write the text to a temporary file beside its target; the folders on the way are made (and noted)."""
    parts = relative.split("/")[:-1]
    for end in range(1, len(parts) + 1):
        path = "/".join(parts[:end])
        if folder.is_absent_folder(path):
            os.mkdir(folder.path(path))
            folder.made(path)
            created.append(path)
    handle, temporary = tempfile.mkstemp(dir=folder.path(relative).parent, prefix=TEMP_PREFIX)
    try:
        # mkstemp makes the file 0600; generated files get the mode any new file would.
        os.chmod(handle, _NEW_FILE_MODE)
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        return


def _remove_empty_parents(folder: Folder, relative: str) -> None:
    parts = relative.split("/")[:-1]
    while parts:
        try:
            folder.path("/".join(parts)).rmdir()
        except OSError:
            return
        parts.pop()


def write_files(folder: Path, files: Mapping[str, str | bytes], durable: bool = True) -> None:
    """Stage every file beside its target, then swap them in, in order; if staging fails, nothing changed.

    For files the user asked for by name (fetched definitions, an imported page). `durable` flushes each
    file to disk before the swap (about 0.4 ms a file here, 40 ms on slow disks).
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for relative, text in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((Path(temporary), target))
            os.chmod(handle, _NEW_FILE_MODE)
            with os.fdopen(handle, "wb") as stream:
                stream.write(text if isinstance(text, bytes) else text.encode("utf-8"))
                if durable:
                    stream.flush()
                    os.fsync(stream.fileno())
    except BaseException:
        for staged_file, _ in staged:
            staged_file.unlink(missing_ok=True)
        raise
    for staged_file, target in staged:
        os.replace(staged_file, target)
