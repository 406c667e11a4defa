"""dfgen's cache: parsed definitions, built entities and rendered text, kept by the content of every input.

Generation stays a pure function of its inputs; the cache only remembers results. Every key is a
digest of what the result depends on: dfgen's own code and the versions of black, Jinja and
PyYAML, the definition file's bytes and shown path, its pins, and every template file of the
search path (target manifests included). A file that fails its check (format, key, CRC) or does
not unpickle is a miss, so a corrupt, truncated or foreign cache costs time, never bytes. Writes
go to a temporary file renamed into place: concurrent runs leave whole files behind.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import time
import zlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from generator import __version__

_MAGIC = b"dfgen-cache 1\n"
_KEY = 32
# Unused entries older than this are removed when a run writes to the cache.
_KEEP_SECONDS = 7 * 24 * 3600
_PACKAGE = Path(__file__).resolve().parent
# What else decides the output: black formats, Jinja renders, PyYAML parses the definitions.
_DEPENDENCIES = (("black", "black"), ("jinja2", "jinja2"), ("yaml", "pyyaml"))


def digest(*parts: str | bytes) -> str:
    """A hex digest of the parts, each length-prefixed so that no two lists of parts meet."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


def _version_of(module: str, distribution: str) -> str:
    """A dependency's version from its dist-info folder name (importlib.metadata costs 50 ms)."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return "absent"
    origin = Path(spec.origin)
    package = origin.parent if origin.name.startswith("__init__") else origin
    pattern = re.compile(rf"{re.escape(distribution).replace('-', '[-_]')}-([^-]+)\.(dist|egg)-info", re.IGNORECASE)
    try:
        # Every match: a stale dist-info left beside the installed one changes the key, never hides it.
        versions = sorted(m.group(1) for m in map(pattern.fullmatch, os.listdir(package.parent)) if m)
        if versions:
            return " ".join(versions)
        stat = origin.stat()
    except OSError:
        return f"unknown:{origin}"
    # No metadata beside it (a source checkout): the module file itself.
    return f"{origin}:{stat.st_size}:{stat.st_mtime_ns}"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """dfgen's version, the digest of its Python sources, and the versions it generates with."""
    parts: list[str | bytes] = [_MAGIC, __version__]
    for path in sorted(_PACKAGE.rglob("*.py")):
        parts += [path.relative_to(_PACKAGE).as_posix(), path.read_bytes()]
    for module, distribution in _DEPENDENCIES:
        parts += [module, _version_of(module, distribution)]
    return digest(*parts)


def templates_fingerprint(roots: Iterable[Path]) -> str:
    """Every file of every template folder in the search path, in search order."""
    parts: list[str | bytes] = []
    for index, root in enumerate(roots):
        parts.append(f"root {index}")
        files = (
            sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if root.is_dir() else []
        )
        for path in files:
            parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return digest(*parts)


def foreign_context(target: Any) -> bool:
    """A target whose context module is not dfgen's: its code, outside dfgen, is in no key."""
    return bool(target.context) and not str(target.context).startswith("generator.targets.")


def pins_text(pins: Any) -> str:
    """One entity's pins as canonical text (no pins and empty pins are the same)."""
    if pins is None:
        return "fields=[] enums=[] options=[]"
    options = sorted((code, sorted(members.items())) for code, members in pins.options.items())
    return f"fields={sorted(pins.fields.items())!r} enums={sorted(pins.enums.items())!r} options={options!r}"


class Store:
    """Pickled values in files named by key under folder/<kind>/, each checked before it is used."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: dict[str, set[str]] = {}

    def path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key

    def load(self, kind: str, key: str) -> Any | None:
        """The value stored under the key, or None: missing, corrupt, foreign or unreadable."""
        self.used.setdefault(kind, set()).add(key)
        try:
            data = self.path(kind, key).read_bytes()
        except OSError:
            return None
        header = len(_MAGIC) + _KEY + 4
        if len(data) < header or not data.startswith(_MAGIC):
            return None
        stored_key, crc = data[len(_MAGIC) : len(_MAGIC) + _KEY], data[header - 4 : header]
        payload = memoryview(data)[header:]
        if stored_key != bytes.fromhex(key) or zlib.crc32(payload).to_bytes(4, "little") != crc:
            return None
        try:
            return pickle.loads(payload)
        except Exception:
            return None

    def save(self, kind: str, key: str, value: Any) -> None:
        """Store the value under the key: atomically, and silently not at all if the disk refuses."""
        self.used.setdefault(kind, set()).add(key)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        data = _MAGIC + bytes.fromhex(key) + zlib.crc32(payload).to_bytes(4, "little") + payload
        folder = self.folder / kind
        # Imported here: a run the cache answers writes nothing (tempfile costs 6 ms to import).
        import tempfile

        try:
            if not folder.is_dir():
                self._make(folder)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
            try:
                # No fsync: a cache file lost in a crash is a miss, and a torn one fails its CRC.
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                os.replace(temporary, folder / key)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            pass

    def _make(self, folder: Path) -> None:
        """The folder, and at the cache's top what pytest and mypy leave in theirs.

        A .gitignore of `*`, so that no project needs to list the cache (nor commit it by
        mistake), and a CACHEDIR.TAG, so that backup tools skip it.
        """
        folder.mkdir(parents=True, exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by dfgen: a cache, never committed.\n*\n", encoding="utf-8")
            (self.folder / "CACHEDIR.TAG").write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n# dfgen's cache: see https://bford.info/cachedir/\n",
                encoding="utf-8",
            )

    def prune(self, kinds: Iterable[str]) -> None:
        """Remove entries of these kinds that this run did not use and no run used for a week.

        At most once an hour: looking at every entry costs a run that changed one entity 10 ms.
        """
        now = time.time()
        marker = self.folder / ".pruned"
        try:
            if now - marker.stat().st_mtime < 3600:
                return
        except OSError:
            pass
        try:
            self._make(self.folder)
            marker.touch()
        except OSError:
            return
        for kind in kinds:
            used = self.used.get(kind, set())
            try:
                entries = list(os.scandir(self.folder / kind))
            except OSError:
                continue
            for entry in entries:
                try:
                    age = now - entry.stat().st_mtime
                    if entry.name in used:
                        # Refresh what this run used, at most once a day: its age says when it was last needed.
                        if age > 24 * 3600:
                            os.utime(entry.path)
                    elif age > _KEEP_SECONDS or (entry.name.endswith(".tmp") and age > 3600):
                        os.unlink(entry.path)
                except OSError:
                    continue


class Cache:
    """The cache of one project: its store, and the fingerprints every key starts with."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.store = Store(folder)
        self._templates: dict[tuple[Path, ...], str] = {}

    @property
    def code(self) -> str:
        return code_fingerprint()

    def templates(self, roots: list[Path]) -> str:
        """templates_fingerprint of the search path, read once per Cache (one per command)."""
        key = tuple(roots)
        if key not in self._templates:
            self._templates[key] = templates_fingerprint(roots)
        return self._templates[key]


def jinja_bytecode(cache: Cache) -> Any:
    """A Jinja bytecode cache in the store: compiled templates by dfgen's code, template name and source."""
    import jinja2

    class Bytecode(jinja2.BytecodeCache):
        def _key(self, bucket: jinja2.bccache.Bucket) -> str:
            return digest(cache.code, "jinja", bucket.key, bucket.checksum)

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            data = cache.store.load("jinja", self._key(bucket))
            if isinstance(data, bytes):
                bucket.bytecode_from_string(data)

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            cache.store.save("jinja", self._key(bucket), bucket.bytecode_to_string())

    return Bytecode()


# --- Per run: the digests of every generated file, by the digest of every input. --------------------


def run_key(
    cache: Cache,
    files: list[tuple[str, bytes]],
    source: str,
    pins: Mapping[str, Any],
    targets: tuple[str, ...],
    template_roots: list[Path],
    api: str,
) -> str:
    """The digest of everything a run's output depends on (`api`: the project's API settings, as text)."""
    parts: list[str | bytes] = [cache.code, "run", cache.templates(template_roots), repr(targets), source, api]
    parts += [f"{code} {pins_text(pins[code])}" for code in sorted(pins)]
    for shown, data in files:
        parts += [shown, hashlib.sha256(data).digest()]
    return digest(*parts)


def load_run(cache: Cache, key: str) -> dict[str, str] | None:
    """The file digests of an earlier run with these inputs."""
    value = cache.store.load("runs", key)
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return value
    return None


def save_run(cache: Cache, key: str, digests: Mapping[str, str]) -> None:
    cache.store.save("runs", key, dict(digests))
    cache.store.prune(["records", "runs", "jinja", "texts", "outputs", "disk"])


# --- The output folder as dfgen last saw it: digests by stat, so unchanged files are not read. ------

# A file changed this recently may change again within the same timestamp tick unnoticed (git's
# "racy" entries): its stat is not trusted, it is hashed next time too. The window is longer
# than the timestamps' resolution: whole seconds (FAT, ext3, HFS+) or a clock tick (ext4, APFS).
_RACY_COARSE_NS = 2_000_000_000
_RACY_FINE_NS = 500_000_000


class DiskState:
    """The digests of the output folder's files by (size, mtime, ctime, inode), as last hashed.

    An edit changes the ctime (which no tool can set back) or the mtime, so a file whose stat is
    unchanged since it was hashed still has that digest; a file modified shortly before it was
    hashed is hashed again next time.
    """

    def __init__(self, cache: Cache, out: Path) -> None:
        self.cache = cache
        self.key = digest("disk", str(out.resolve()))
        stored = cache.store.load("disk", self.key)
        self.known: dict[str, tuple[int, int, int, int, str]] = stored if isinstance(stored, dict) else {}
        self.seen: dict[str, tuple[int, int, int, int, str]] = {}

    def digest(
        self, relative: str, path: Path, expected: str | None = None, encoded: bytes | None = None
    ) -> str | None:
        """The sha256 of a regular file's bytes, None if there is none.

        With the `encoded` bytes whose digest is `expected`, a file the state does not know is
        compared with them rather than hashed: its digest is `expected`, or "" if it differs.
        """
        import stat as stats

        try:
            status = os.stat(path)
        except OSError:
            return None
        if not stats.S_ISREG(status.st_mode):
            return None
        signature = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
        entry = self.known.get(relative)
        if isinstance(entry, tuple) and len(entry) == 5 and entry[:4] == signature and isinstance(entry[4], str):
            self.seen[relative] = entry
            return entry[4]
        if encoded is not None and expected is not None and status.st_size != len(encoded):
            # Another size, other bytes: not read (the OpenAPI bundle is 15 MB at 300 entities).
            return ""
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if encoded is not None and expected is not None:
            if data != encoded:
                return ""
            value = expected
        else:
            value = hashlib.sha256(data).hexdigest()
        # The stat was taken before the read: a change in between leaves a newer stat, never a stale one.
        window = _RACY_COARSE_NS if status.st_mtime_ns % 1_000_000_000 == 0 else _RACY_FINE_NS
        if time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) > window:
            self.seen[relative] = (*signature, value)
        return value

    def save(self) -> None:
        if self.seen != self.known:
            self.cache.store.save("disk", self.key, self.seen)
