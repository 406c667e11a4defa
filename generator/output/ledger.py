"""What dfgen wrote into an output folder: the manifest, an unfinished run's journal, and safe looks at files."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = ".dfgen-manifest.json"
# Written before a run changes anything and removed when it has finished: a kill in between leaves it,
# and the next run trusts what it lists (the old and the new files) to repair the folder.
JOURNAL = ".dfgen-journal.json"
# Every file a run stages starts so, beside its target; the next run removes any it finds.
TEMP_PREFIX = ".dfgen-tmp-"
# Version control's own folders are never dfgen's, whatever a manifest or a target says.
_NEVER = {".git", ".hg", ".svn"}
_HEX = re.compile(r"[0-9a-f]{64}")
_PAIR = re.compile(r'^\s*("(?:[^"\\]|\\.)*")\s*:\s*"([0-9a-f]{64})"', re.MULTILINE)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class OutputFault(Exception):
    """An environmental fault on a path of the output folder (read-only, full, in the way): exit 3."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def digest(data: bytes) -> str:
    """The sha256 of some bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def is_inside(relative: str) -> bool:
    """A normalised relative path that stays inside the output folder and out of version control's folders."""
    # Strings, not Paths: a manifest lists every file, and 900 Paths cost a run 10 ms.
    parts = relative.split("/")
    return (
        bool(relative)
        and "\\" not in relative
        and "\0" not in relative
        and not os.path.isabs(relative)
        and not os.path.splitdrive(relative)[0]
        and not any(part in ("", ".", "..") or part in _NEVER for part in parts)
    )


def is_bookkeeping(relative: str) -> bool:
    """dfgen's own files: the journal and staged temporary files (the manifest is a generated file)."""
    return relative == JOURNAL or relative.rsplit("/", 1)[-1].startswith(TEMP_PREFIX)


def manifest_text(digests: Mapping[str, str]) -> str:
    """The manifest: every file dfgen wrote with its sha256, the proof a later run needs to replace or remove it."""
    return json.dumps({"generator": "dfgen", "files": dict(sorted(digests.items()))}, indent=2) + "\n"


def journal_text(known: Mapping[str, set[str]]) -> str:
    """The journal: every path a run may leave behind, with each content it may have."""
    files = {path: sorted(digests) for path, digests in sorted(known.items())}
    return json.dumps({"generator": "dfgen", "files": files}, indent=1) + "\n"


@dataclass
class Known:
    """The files earlier runs wrote: path -> the digests they may have (empty: listed without one)."""

    files: dict[str, set[str]]
    journal: bool


def read_known(folder: Folder) -> Known:
    """The manifest's files and, after a run that did not finish, its journal's; untrustworthy entries dropped."""
    known: dict[str, set[str]] = {}
    for name in (MANIFEST, JOURNAL):
        for path, digests in _entries(folder.read(name)):
            known.setdefault(path, set()).update(digests)
    return Known(known, folder.kind(JOURNAL) != "absent")


def _entries(data: bytes | None) -> Iterable[tuple[str, set[str]]]:
    if data is None:
        return []
    pairs: Iterable[tuple[Any, Any]]
    try:
        files = json.loads(data).get("files")
        # dfgen 0.1 listed paths only: they may be rewritten, never removed (nothing proves their content).
        pairs = (
            [(p, []) for p in files] if isinstance(files, list) else files.items() if isinstance(files, dict) else []
        )
    except (ValueError, AttributeError):
        # Not JSON: most likely a merge conflict in the committed manifest, whose two sides both hold
        # files dfgen wrote. Every `"path": "digest"` line is read; the rules below still apply to each.
        pairs = [(_unquote(key), value) for key, value in _PAIR.findall(data.decode("utf-8", "replace"))]
    entries = []
    for path, digests in pairs:
        listed = [digests] if isinstance(digests, str) else digests if isinstance(digests, list) else []
        if isinstance(path, str) and is_inside(path) and not is_bookkeeping(path) and path != MANIFEST:
            entries.append((path, {d for d in listed if isinstance(d, str) and _HEX.fullmatch(d)}))
    return entries


def _unquote(key: str) -> str | None:
    try:
        text = json.loads(key)
    except ValueError:
        return None
    return text if isinstance(text, str) else None


class Folder:
    """Looks at files under the output folder without following a symbolic link anywhere below it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # Strings, not Paths: a check looks at every generated file, and Path objects cost it a third more.
        self._base = os.path.join(os.fspath(root), "")
        # Folders found real (not links) on the way down: each is checked once per run.
        self._real: dict[str, str] = {"": "dir"}

    def path(self, relative: str) -> Path:
        """The path of a file under the root."""
        return self.root / relative

    def _parent_problem(self, relative: str) -> tuple[str, str] | None:
        """(folder, what it is) for the first folder on the way to `relative` that is not a real folder."""
        parts = relative.split("/")[:-1]
        for end in range(1, len(parts) + 1):
            folder = "/".join(parts[:end])
            kind = self._real.get(folder)
            if kind is None:
                kind = self._real[folder] = _kind(self._base + folder)
            if kind != "dir":
                return folder, kind
        return None

    def is_absent_folder(self, relative: str) -> bool:
        """Whether a folder on the way to files is absent (the ones above it being real folders)."""
        problem = self._parent_problem(f"{relative}/-")
        return problem is not None and problem == (relative, "absent")

    def made(self, relative: str) -> None:
        """Note a folder the run has just made."""
        self._real[relative] = "dir"

    def kind(self, relative: str) -> str:
        """absent, file, dir, link or other; `link` too when a folder on the way is a link, `in-file` a file."""
        problem = self._parent_problem(relative)
        if problem is not None:
            return {"absent": "absent", "link": "link-parent", "file": "file-parent"}.get(problem[1], "file-parent")
        return _kind(self._base + relative)

    def blocker(self, relative: str) -> str | None:
        """The folder on the way to `relative` that is a link or a file, if any."""
        problem = self._parent_problem(relative)
        return problem[0] if problem is not None and problem[1] != "absent" else None

    def read(self, relative: str) -> bytes | None:
        """A regular file's bytes, or None when it is absent, a link, a folder or behind a link."""
        # O_NOFOLLOW refuses a link itself; where there is none (Windows), look first.
        if self._parent_problem(relative) is not None or (not _NOFOLLOW and self.kind(relative) != "file"):
            return None
        try:
            handle = os.open(self._base + relative, os.O_RDONLY | _NOFOLLOW | _BINARY)
        except OSError:
            return None
        try:
            status = os.fstat(handle)
            if not stat.S_ISREG(status.st_mode):
                return None
            # One read(2) for a file that did not grow since fstat: a regular file reads short only at its end.
            chunks = [os.read(handle, status.st_size + 1)]
            if len(chunks[0]) <= status.st_size:
                return chunks[0]
            while chunks[-1]:
                chunks.append(os.read(handle, 1 << 16))
            return b"".join(chunks)
        finally:
            os.close(handle)

    def digest(self, relative: str) -> str | None:
        """A regular file's sha256, or None (see read)."""
        data = self.read(relative)
        return None if data is None else digest(data)

    def leftovers(self, folders: Iterable[str], names: Iterable[str]) -> list[str]:
        """Staged files an earlier run left in these folders: dfgen's prefix, or 0.1's `.<name>.*.tmp`."""
        old_style = {f".{name.rsplit('/', 1)[-1]}." for name in names}
        found = []
        for folder in sorted(set(folders)):
            if folder and self._parent_problem(f"{folder}/-") is not None:
                continue
            try:
                entries = list(os.scandir(self._base + folder))
            except OSError:
                continue
            for entry in entries:
                name = entry.name
                ours = name.startswith(TEMP_PREFIX) or (
                    name.endswith(".tmp") and any(name.startswith(prefix) for prefix in old_style)
                )
                if ours and not entry.is_dir(follow_symlinks=False):
                    found.append(f"{folder}/{name}" if folder else name)
        return sorted(found)


def _kind(path: str) -> str:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "absent"
    except NotADirectoryError:
        return "file-parent"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def parents(paths: Iterable[str]) -> set[str]:
    """The folders holding these files ('' for the root)."""
    return {path.rsplit("/", 1)[0] if "/" in path else "" for path in paths}
