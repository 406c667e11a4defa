"""The run cache: one digest of every input, mapped to the digests of the files those inputs produce.

A run whose inputs match the stored key knows what the output folder must hold without rendering,
so `check` and a `generate` with nothing to do only hash files. The key covers dfgen's own code,
the versions of what renders and formats, the Python version, every template file of the search
path, the configuration and every definition file's bytes: a cache that answers is never stale.
It is one JSON file; a missing, corrupt or foreign one is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

from generator import __version__
from generator.pipeline import Settings, Source

_PACKAGE = Path(__file__).resolve().parent
# What else decides the bytes: Jinja renders, black formats, PyYAML parses and writes.
_DEPENDENCIES = ("jinja2", "black", "pyyaml")
_FILE = "run.json"


def digest(*parts: str | bytes) -> str:
    """A hex digest of the parts, each length-prefixed so that no two lists of parts meet."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def _files(roots: Iterable[Path]) -> list[str | bytes]:
    """Every file under each root, by relative path, in search order."""
    parts: list[str | bytes] = []
    for root in roots:
        parts.append(str(root))
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
                parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return parts


def run_key(sources: list[Source], definitions_source: str, settings: Settings, template_roots: list[Path]) -> str:
    """The digest of every input of a generation."""
    parts: list[str | bytes] = [__version__, sys.version.split()[0]]
    parts += [f"{name} {_version(name)}" for name in _DEPENDENCIES]
    parts += _files([_PACKAGE])
    parts += _files(template_roots)
    parts += [definitions_source, repr(settings)]
    for source in sources:
        parts += [source.shown, source.data]
    return digest(*parts)


def load(folder: Path, key: str) -> dict[str, str] | None:
    """The file digests stored under `key`, or None (no cache, another key, or a damaged file)."""
    try:
        data = json.loads((folder / _FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("files"), dict):
        return None
    files: dict[str, str] = data["files"]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return None
    return files


def save(folder: Path, key: str, digests: Mapping[str, str]) -> None:
    """Store the digests under `key`, replacing the previous run's; a cache that cannot be written is skipped."""
    text = json.dumps({"key": key, "files": dict(sorted(digests.items()))}, indent=1) + "\n"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            # The cache ignores itself, so that no project needs to list it (nor commits it by mistake).
            ignore.write_text("*\n", encoding="utf-8")
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".run.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, folder / _FILE)
        finally:
            Path(temporary).unlink(missing_ok=True)
    except OSError:
        return
