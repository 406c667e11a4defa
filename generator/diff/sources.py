"""The two sides of a diff: two definition files or folders, or the definitions at a git revision."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

from generator.config import Config, Pins, dfgen_table, parse_pins
from generator.diagnostics import Diagnostic, InputError, Location
from generator.diff.changes import Change, compare
from generator.model.build import build_project
from generator.model.entities import Project
from generator.pipeline import load_definitions

DEFINITION_SUFFIXES = (".yaml", ".yml")


def _both(
    config: Config, old: Path | None, new: Path, show_old: Callable[[Path], str], old_pins: Mapping[str, Pins]
) -> list[Change]:
    """Load and build both sides, the old one with `old_pins`, the new one with the project's;
    report the problems of both at once.

    `old` None stands for no definitions at all (a revision from before the folder existed).
    """
    projects: list[Project] = []
    diagnostics: list[Diagnostic] = []
    sides = ((old, show_old, old_pins), (new, config.shown, config.pins))
    for path, show, pins in sides:
        try:
            definitions = [] if path is None else load_definitions(path, show)
            projects.append(build_project(definitions, pins))
        except InputError as error:
            diagnostics.extend(error.diagnostics)
    if diagnostics:
        raise InputError(diagnostics)
    return compare(projects[0], projects[1])


def diff_paths(config: Config, old: Path, new: Path) -> list[Change]:
    """The changes from the definitions at `old` to those at `new` (each a file or a folder)."""
    return _both(config, old, new, config.shown, config.pins)


def diff_revision(config: Config, revision: str) -> list[Change]:
    """The changes from the configured definitions at a git revision to the working tree.

    The revision's side is built with the pins its pyproject.toml had: a pin removed since then
    renames a symbol that code may name.
    """
    git = _Git(config.root, revision)
    commit = git.commit()
    relative = git.relative(config.definitions)
    old_pins = git.pins(commit, config.root / "pyproject.toml")
    with tempfile.TemporaryDirectory(prefix="dfgen-diff-") as folder:
        old = git.materialise(commit, relative, Path(folder))
        # Messages name the files as `REV:definitions/cdr.yaml`, as git itself does.
        prefix = relative.parent if old is not None and old.is_file() else relative

        def show_old(path: Path) -> str:
            return f"{revision}:{relative if path == old else (prefix / path.name).as_posix()}"

        return _both(config, old, config.definitions, show_old, old_pins)


class _Git:
    """The few git commands diff needs, run in the project folder; failures are input errors."""

    def __init__(self, root: Path, revision: str) -> None:
        self.root = root
        self.revision = revision
        # A revision that looks like an option would be read by git as one.
        if not revision or revision.startswith("-"):
            raise InputError.at(Location(revision or "''"), "not a git revision")
        top = self.run("rev-parse", "--show-toplevel", failure=f"{root} is not in a git repository")
        self.top = Path(top.decode("utf-8", "replace").strip())

    def run(self, *args: str, failure: str) -> bytes:
        try:
            done = subprocess.run(["git", *args], cwd=self.root, capture_output=True, check=False)
        except OSError as error:
            raise InputError.at(Location(str(self.root)), f"cannot run git: {error.strerror}") from None
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = f" ({lines[0]})" if lines else ""
            raise InputError.at(Location(self.revision), f"{failure}{detail}; cannot compare with this revision")
        return done.stdout

    def commit(self) -> str:
        """The commit the revision names."""
        out = self.run(
            "rev-parse",
            "--verify",
            "--quiet",
            f"{self.revision}^{{commit}}",
            failure="no such commit in the git repository",
        )
        return out.decode("ascii").strip()

    def relative(self, path: Path) -> PurePosixPath:
        """The path inside the repository."""
        try:
            return PurePosixPath(path.resolve().relative_to(self.top.resolve()).as_posix())
        except ValueError:
            raise InputError.at(Location(str(path)), f"not inside the git repository {self.top}") from None

    def pins(self, commit: str, pyproject: Path) -> dict[str, Pins]:
        """[tool.dfgen.pins] of the project's pyproject.toml at the commit; none if it had none."""
        relative = self.relative(pyproject)
        listing = self.run(
            "ls-tree", "-z", "--full-tree", commit, "--", relative.as_posix(), failure="git ls-tree failed"
        )
        meta = listing.split(b"\0")[0].partition(b"\t")[0].decode("ascii").split()
        # A regular file only, as load_config reads it.
        if len(meta) != 3 or meta[1] != "blob" or meta[0] == "120000":
            return {}
        shown = f"{self.revision}:{relative.as_posix()}"
        data = self.run("cat-file", "blob", meta[2], failure="git cat-file failed")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError.at(Location(shown), "cannot read [tool.dfgen]: not UTF-8") from None
        return parse_pins(dfgen_table(text, shown).get("pins", {}), Location(shown))

    def materialise(self, commit: str, relative: PurePosixPath, folder: Path) -> Path | None:
        """The definition files at `relative` in the commit, copied into `folder`: that folder, the
        one file, or None when the commit has no definition files there."""
        listing = self.run(
            "ls-tree", "-r", "-z", "--full-tree", commit, "--", relative.as_posix(), failure="git ls-tree failed"
        )
        single, found = None, False
        for entry in filter(None, listing.split(b"\0")):
            meta, _, name = entry.partition(b"\t")
            mode, kind, blob = meta.decode("ascii").split()
            path = PurePosixPath(name.decode("utf-8", "surrogateescape"))
            # Plain files only, as definition_files() reads them: no symlinks, no submodules.
            if kind != "blob" or mode == "120000":
                continue
            if path == relative:
                single = folder / path.name
            elif path.parent != relative or path.suffix not in DEFINITION_SUFFIXES or path.name.startswith("."):
                continue
            (folder / path.name).write_bytes(self.run("cat-file", "blob", blob, failure="git cat-file failed"))
            found = True
        return single or (folder if found else None)
