"""Formatting, and the only code that writes generated files: atomic writes, manifest, check."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".dfgen-manifest.json"


LINE_LENGTH = 88


def format_python(source: str) -> str:
    """Source formatted by black, in-process, with a fixed mode.

    The templates already write black's style (exploded calls with magic trailing commas,
    black's quotes), and the tests check black leaves every generated file unchanged. Black
    only changes lines it must wrap, so a file whose every line is one black leaves alone is
    returned as it is: black costs ~0.15 s a file, most of a run.
    """
    if all(_black_leaves(line) for line in source.splitlines()):
        return source
    return format_with_black(source)


# One keyword argument or dict entry whose value is a single literal, on its own line inside an
# exploded call or dict: black cannot split it however long it is (a long note or label).
_STRING = r'"(?:[^"\\]|\\.)*"' + "|" + r"'(?:[^'\\]|\\.)*'"
_ATOM_LINE = re.compile(rf" +(?:[^\W\d]\w*=|(?:{_STRING}): )(?:{_STRING}|-?[0-9][0-9.e+-]*),")


def _black_leaves(line: str) -> bool:
    # black counts East Asian wide characters as two columns; two for every non-ASCII one is safe.
    width = len(line) if line.isascii() else 2 * len(line)
    return width <= LINE_LENGTH or _ATOM_LINE.fullmatch(line) is not None


def format_with_black(source: str) -> str:
    """Source formatted by black, whatever it holds."""
    import black

    mode = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=LINE_LENGTH)
    return black.format_str(source, mode=mode)


@dataclass
class Changes:
    """What a write did, or what a check found, by relative path."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def summary(self) -> str:
        """One line: counts of files added, changed and removed."""
        return f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed"


def manifest_text(paths: list[str]) -> str:
    """The manifest: every file dfgen wrote, so a later run can remove what is no longer generated."""
    return json.dumps({"generator": "dfgen", "files": sorted(paths)}, indent=2) + "\n"


def with_manifest(files: dict[str, str]) -> dict[str, str]:
    """The files plus their manifest."""
    return {**files, MANIFEST: manifest_text(list(files))}


def previous_files(out: Path) -> list[str]:
    """The files the last run wrote, from its manifest (none when there is none)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return [p for p in data["files"] if isinstance(p, str) and _is_inside(p)]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _is_inside(relative: str) -> bool:
    # Strings, not Paths: a manifest lists every file, and 900 Paths cost a run 10 ms.
    parts = relative.replace(os.sep, "/").split("/")
    return bool(relative) and not os.path.isabs(relative) and ".." not in parts and not os.path.splitdrive(relative)[0]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str | None:
    return _digest(path.read_bytes()) if path.is_file() else None


def expected_digests(files: Mapping[str, str]) -> dict[str, str]:
    """The sha256 of every file and of the manifest; taken from `files.digests` when it has them."""
    known = getattr(files, "digests", None)
    digests = dict(known) if isinstance(known, dict) else {p: _digest(t.encode("utf-8")) for p, t in files.items()}
    digests[MANIFEST] = _digest(manifest_text(list(files)).encode("utf-8"))
    return digests


def compare(out: Path, files: Mapping[str, str]) -> Changes:
    """How the output folder differs from `files` (with manifest): nothing is written.

    Generated files from the cache bring `disk_state(out)`: the digests of files on disk whose
    stat has not changed since they were last hashed; and `encoded(path)`, the bytes of a text
    rendered in this run, compared with the file's as they are rather than hashed.
    """
    expected = expected_digests(files)
    disk_state = getattr(files, "disk_state", None)
    state = disk_state(out) if disk_state is not None else None
    encoded = getattr(files, "encoded", lambda path: None)
    changes = Changes()
    for relative, digest in sorted(expected.items()):
        target = out / relative
        if state is not None:
            actual = state.digest(relative, target, digest, encoded(relative) if relative != MANIFEST else None)
        else:
            actual = _file_digest(target)
        if actual is None:
            changes.added.append(relative)
        elif actual != digest:
            changes.changed.append(relative)
    if state is not None:
        state.save()
    changes.removed = sorted(p for p in previous_files(out) if p not in expected and (out / p).exists())
    return changes


def write(out: Path, files: Mapping[str, str]) -> Changes:
    """Make the output folder hold `files`: stage every file, then swap each in atomically.

    Files dfgen did not write are never touched; files the previous manifest lists and this run
    does not produce are removed. If staging fails, nothing in `out` has changed. Only the texts
    of files that differ are read from `files`: a run the cache answers renders nothing.
    """
    changes = compare(out, files)
    to_write = [p for p in sorted([*files, MANIFEST]) if p in changes.added or p in changes.changed]
    # The manifest goes last: until it is replaced, the previous run's list still describes disk.
    to_write.sort(key=lambda p: p == MANIFEST)
    encoded = getattr(files, "encoded", lambda path: None)
    texts = {p: manifest_text(list(files)) if p == MANIFEST else encoded(p) or files[p] for p in to_write}
    # Not fsynced: a generated file lost to a crash is regenerated, and `dfgen check` notices it.
    write_files(out, texts, durable=False)
    for relative in changes.removed:
        (out / relative).unlink(missing_ok=True)
        _remove_empty_parents(out, (out / relative).parent)
    return changes


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_NEW_FILE_MODE = 0o666 & ~_umask()


def write_files(folder: Path, files: Mapping[str, str | bytes], durable: bool = True) -> None:
    """Stage every file beside its target, then swap them in, in order; if staging fails, nothing changed.

    `durable` flushes each file to disk before the swap (about 0.4 ms a file here, 40 ms on slow disks).
    """
    import tempfile

    staged: list[tuple[Path, Path]] = []
    try:
        for relative, text in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            # mkstemp makes the file 0600; generated files get the mode any new file would.
            os.chmod(handle, _NEW_FILE_MODE)
            with os.fdopen(handle, "wb") as stream:
                stream.write(text if isinstance(text, bytes) else text.encode("utf-8"))
                if durable:
                    stream.flush()
                    os.fsync(stream.fileno())
            staged.append((Path(temporary), target))
    except BaseException:
        for staged_file, _ in staged:
            staged_file.unlink(missing_ok=True)
        raise
    for staged_file, target in staged:
        os.replace(staged_file, target)


def _remove_empty_parents(out: Path, folder: Path) -> None:
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
