"""The output folder under hostile manifests, hostile paths, faults and kills: dfgen touches only what it wrote."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.diagnostics import InputError
from generator.output.files import OutputFault, compare, expected_digests, write, write_files
from generator.output.lock import locked
from tests.helpers import SMALL, dfgen, snapshot

ALARM = SMALL.replace("TICKET", "ALARM").replace("Ticket", "Alarm")
CONFIG = '[tool.dfgen]\ndefinitions = "defs"\nout = "{out}"\ntargets = ["models", "docs"]\ncache = false\n'
# A bounded wait for every subprocess: a hung run fails the test instead of hanging the suite.
TIMEOUT = 120


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_project(root: Path, out: str = "generated", alarm: bool = True) -> Path:
    """A small project: two entities (ticket, alarm), models and docs, no cache."""
    (root / "defs").mkdir(parents=True)
    (root / "defs" / "ticket.yaml").write_text(SMALL, encoding="utf-8")
    if alarm:
        (root / "defs" / "alarm.yaml").write_text(ALARM, encoding="utf-8")
    (root / "pyproject.toml").write_text(CONFIG.format(out=out), encoding="utf-8")
    return root


def leftovers(folder: Path) -> list[str]:
    """dfgen's own temporary files and journal, wherever they are."""
    return sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob(".dfgen-*") if p.name != ".dfgen-manifest.json"
    )


def rewrite_manifest(out: Path, extra: dict[str, str]) -> None:
    """Add entries to the manifest, as a hand edit or a hostile pull request would (either format)."""
    manifest = out / ".dfgen-manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    if isinstance(data["files"], list):
        data["files"] += list(extra)
    else:
        data["files"].update(extra)
    manifest.write_text(json.dumps(data), encoding="utf-8")


# --- 1. Only files dfgen can prove it wrote are removed or replaced -------------------------------------------


def test_a_hostile_manifest_removes_no_input_and_nothing_of_git_with_out_dot(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", out=".")
    (project / ".git").mkdir()
    (project / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    (project / "README.md").write_text("# mine\n", encoding="utf-8")
    assert dfgen(project, "generate").returncode == 0
    victims = ["pyproject.toml", "defs/ticket.yaml", ".git/config", "README.md"]
    before = {v: (project / v).read_bytes() for v in victims}
    # The exact digest of each (anyone can compute it for a committed file), except README.md's.
    listed = {v: sha(before[v]) for v in victims[:3]} | {"README.md": "0" * 64}
    rewrite_manifest(project, listed)
    result = dfgen(project, "generate")
    assert result.returncode == 0, result.stderr
    assert {v: (project / v).read_bytes() for v in victims} == before
    assert dfgen(project, "check").returncode == 0


def test_a_manifest_entry_through_a_symlinked_folder_touches_nothing_outside(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert dfgen(project, "generate").returncode == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("mine\n", encoding="utf-8")
    out = project / "generated"
    (out / "elsewhere").symlink_to(outside, target_is_directory=True)
    rewrite_manifest(out, {"elsewhere/secret.md": sha(b"mine\n")})
    result = dfgen(project, "generate")
    assert result.returncode == 0, result.stderr
    assert (outside / "secret.md").read_text(encoding="utf-8") == "mine\n"


def test_a_symlinked_generated_folder_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert dfgen(project, "generate").returncode == 0
    out = project / "generated"
    outside = tmp_path / "outside"
    (out / "docs").rename(outside)
    (out / "docs").symlink_to(outside, target_is_directory=True)
    (project / "defs" / "ticket.yaml").write_text(SMALL.replace("Basics", "Essentials"), encoding="utf-8")
    before, outside_before = snapshot(project), snapshot(outside)
    result = dfgen(project, "generate")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "generated/docs: is a symbolic link" in result.stderr
    assert snapshot(project) == before and snapshot(outside) == outside_before


def test_out_dot_refuses_to_overwrite_a_file_dfgen_did_not_write(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", out=".")
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text("# my own docs\n", encoding="utf-8")
    before = snapshot(project)
    result = dfgen(project, "generate")
    assert result.returncode == 2
    assert result.stderr == (
        "error: docs/index.md: exists and was not written by dfgen (.dfgen-manifest.json does not list it);"
        " move it, or choose another output folder (--out or [tool.dfgen] out)\n"
    )
    assert snapshot(project) == before


def test_a_hand_edited_generated_file_is_rewritten_and_an_edited_obsolete_one_is_kept(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert dfgen(project, "generate").returncode == 0
    out = project / "generated"
    clean = snapshot(out)
    (out / "models" / "ticket.py").write_text("# edited\n", encoding="utf-8")
    (out / "docs" / "alarm.md").write_text("# my notes on alarms\n", encoding="utf-8")
    (project / "defs" / "alarm.yaml").unlink()
    result = dfgen(project, "generate")
    assert result.returncode == 0, result.stderr
    assert (out / "models" / "ticket.py").read_bytes() == clean["models/ticket.py"]
    assert not (out / "models" / "alarm.py").exists()
    # Edited since dfgen wrote it: not provably dfgen's any more, so it stays, and the manifest drops it.
    assert (out / "docs" / "alarm.md").read_text(encoding="utf-8") == "# my notes on alarms\n"
    assert "dfgen: kept generated/docs/alarm.md: changed since dfgen wrote it; remove it by hand" in result.stderr
    assert dfgen(project, "check").returncode == 0


def test_a_manifest_without_digests_still_lets_generate_rewrite_its_files(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert dfgen(project, "generate").returncode == 0
    out = project / "generated"
    clean = snapshot(out)
    # The manifest dfgen 0.1 wrote: paths only.
    paths = sorted(p for p in clean if p != ".dfgen-manifest.json")
    (out / ".dfgen-manifest.json").write_text(json.dumps({"generator": "dfgen", "files": paths}), encoding="utf-8")
    (out / "models" / "ticket.py").write_text("# edited\n", encoding="utf-8")
    result = dfgen(project, "generate")
    assert result.returncode == 0, result.stderr
    assert snapshot(out) == clean


def test_a_dangling_symlink_definition_is_bad_input(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert dfgen(project, "generate").returncode == 0
    (project / "defs" / "alarm.yaml").unlink()
    (project / "defs" / "alarm.yaml").symlink_to(tmp_path / "gone.yaml")
    before = snapshot(project)
    result = dfgen(project, "generate")
    assert result.returncode == 2
    assert result.stderr == "error: defs/alarm.yaml: a symbolic link to a file that does not exist\n"
    assert snapshot(project) == before


# --- 2. Target paths are checked after formatting ---------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["{code:.<2.0}/escape-{module}.sql", "{code:/<1.0}TMP/escape-{module}.sql"])
def test_a_target_path_that_formats_outside_the_output_folder_is_refused(tmp_path: Path, pattern: str) -> None:
    # The second one formats to an absolute path: into this test's own folder.
    pattern = pattern.replace("TMP", tmp_path.as_posix()[1:])
    project = make_project(tmp_path / "p")
    target = project / "dfgen-templates" / "sql"
    target.mkdir(parents=True)
    (target / "target.toml").write_text(
        f'[[files]]\ntemplate = "t.sql.jinja"\neach = "entity"\npath = "{pattern}"\n', encoding="utf-8"
    )
    (target / "t.sql.jinja").write_text("-- {{ entity.module }}\n", encoding="utf-8")
    (project / "pyproject.toml").write_text(
        CONFIG.format(out="generated").replace('"docs"]', '"sql"]\ntemplates = "dfgen-templates"'), encoding="utf-8"
    )
    before = snapshot(tmp_path)
    result = dfgen(project, "generate")
    assert result.returncode == 2, result.stderr
    assert f"(from {pattern!r}) must stay inside the output folder" in result.stderr
    assert snapshot(tmp_path) == before


# --- 3. Kills and concurrent runs ----------------------------------------------------------------------------------

# Runs dfgen in a subprocess that dies (os._exit: no cleanup, as a kill) at the n-th call of the named functions.
KILLER = textwrap.dedent(
    """
    import os, sys, tempfile
    calls = [0]
    limit = int(os.environ["DFGEN_TEST_KILL_AT"])
    def dying(original):
        def call(*args, **kwargs):
            calls[0] += 1
            if calls[0] == limit:
                os._exit(137)
            return original(*args, **kwargs)
        return call
    os.replace = dying(os.replace)
    os.unlink = dying(os.unlink)
    os.rmdir = dying(os.rmdir)
    tempfile.mkstemp = dying(tempfile.mkstemp)
    from generator.cli import main
    main(args=sys.argv[1:], prog_name="dfgen")
    """
)


def run_python(cwd: Path, code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )


def restore(folder: Path, files: dict[str, bytes]) -> None:
    """Make a folder hold exactly these files again (and nothing else)."""
    shutil.rmtree(folder)
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)


def test_a_run_killed_at_any_step_is_repaired_by_the_next_and_check_is_honest(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert dfgen(project, "generate").returncode == 0
    out = project / "generated"
    before = snapshot(out)
    # The next run replaces, adds and removes files: alarm goes, ticket changes.
    (project / "defs" / "alarm.yaml").unlink()
    (project / "defs" / "ticket.yaml").write_text(SMALL.replace("Basics", "Essentials"), encoding="utf-8")
    fresh_run = dfgen(project, "generate", "--out", str(tmp_path / "fresh"))
    assert fresh_run.returncode == 0, fresh_run.stderr
    fresh = snapshot(tmp_path / "fresh")
    # Kill the run at its first file operation, then its second, ... until it runs to the end.
    for kill_at in range(1, 60):
        restore(out, before)
        killed = run_python(project, KILLER, "generate", env={"DFGEN_TEST_KILL_AT": str(kill_at)})
        if killed.returncode == 0:
            break
        assert killed.returncode == 137, killed.stderr
        check = dfgen(project, "check")
        assert check.returncode == (0 if snapshot(out) == fresh else 1), (kill_at, check.stdout)
        repaired = dfgen(project, "generate")
        assert repaired.returncode == 0, (kill_at, repaired.stderr)
        assert snapshot(out) == fresh, (kill_at, leftovers(out))
    else:
        pytest.fail("the run never finished")
    assert kill_at > 5 and snapshot(out) == fresh


PAUSER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    original = os.replace
    paused = [False]
    def pausing(*args, **kwargs):
        if not paused[0]:
            paused[0] = True
            Path("paused").write_text("")
            deadline = time.monotonic() + 60
            while not Path("go").exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        return original(*args, **kwargs)
    os.replace = pausing
    from generator.cli import main
    main(args=sys.argv[1:], prog_name="dfgen")
    """
)


def test_two_runs_at_once_are_serialised(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    only_ticket = tmp_path / "only-ticket"
    only_ticket.mkdir()
    (only_ticket / "ticket.yaml").write_text(SMALL, encoding="utf-8")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    first = subprocess.Popen(
        [sys.executable, "-c", PAUSER, "generate"], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        _wait_for(project / "paused", first)
        second = subprocess.Popen(
            [sys.executable, "-m", "generator", "generate", "--definitions", str(only_ticket)],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert second.stderr is not None
        # The second run says it waits (after the fix); before it, it finishes without waiting.
        line = second.stderr.readline()
        (project / "go").write_text("")
        _, second_err = second.communicate(timeout=TIMEOUT)
        first.communicate(timeout=TIMEOUT)
    finally:
        first.kill()
    assert first.returncode == 0 and second.returncode == 0, second_err
    assert line == "dfgen: waiting for another dfgen run on generated\n"
    out = project / "generated"
    assert leftovers(out) == []
    assert dfgen(project, "check", "--definitions", str(only_ticket)).returncode == 0


def _wait_for(marker: Path, process: subprocess.Popen[bytes]) -> None:
    """Until the marker exists or the process ends, for TIMEOUT seconds at most."""
    for _ in range(TIMEOUT * 50):
        if marker.exists():
            return
        try:
            process.wait(timeout=0.02)
            break
        except subprocess.TimeoutExpired:
            continue
    assert marker.exists(), "the first run never reached its swap"


# --- 4. Environmental faults: one line, exit 3, nothing left behind -----------------------------------------------


@pytest.fixture()
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A small real file system of its own (needs root and mount; skipped otherwise)."""
    mount_point = tmp_path / "fs"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr!r}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False, timeout=TIMEOUT)


def _changed_project(tmp_path: Path, out: Path) -> tuple[Path, dict[str, bytes]]:
    project = make_project(tmp_path / "p", out=str(out))
    result = dfgen(project, "generate")
    assert result.returncode == 0, result.stderr
    (project / "defs" / "ticket.yaml").write_text(SMALL.replace("Basics", "Essentials"), encoding="utf-8")
    return project, snapshot(out)


def test_a_full_disk_is_one_line_exit_3_and_leaves_the_output_intact(tmp_path: Path, tmpfs: Path) -> None:
    out = tmpfs / "generated"
    project, before = _changed_project(tmp_path, out)
    filler = tmpfs / "filler"
    with filler.open("wb", buffering=0) as stream:
        try:
            while True:
                stream.write(b"\0" * 4096)
        except OSError:
            pass
    result = dfgen(project, "generate")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert "No space left on device" in result.stderr and str(out) in result.stderr
    assert snapshot(out) == before
    filler.unlink()
    assert dfgen(project, "check").returncode == 1
    assert dfgen(project, "generate").returncode == 0
    assert dfgen(project, "check").returncode == 0


def test_a_read_only_output_folder_is_one_line_exit_3(tmp_path: Path, tmpfs: Path) -> None:
    out = tmpfs / "generated"
    project, before = _changed_project(tmp_path, out)
    remount = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], capture_output=True, check=False)
    assert remount.returncode == 0, remount.stderr
    result = dfgen(project, "generate")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert "Read-only file system" in result.stderr and str(out) in result.stderr
    assert snapshot(out) == before
    assert dfgen(project, "check").returncode == 1


def test_a_folder_where_a_file_should_be_is_one_line_exit_3(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    (project / "generated" / "models" / "ticket.py").mkdir(parents=True)
    result = dfgen(project, "generate")
    assert result.returncode == 3, result.stderr
    assert result.stderr == "error: generated/models/ticket.py: is a folder; expected a file\n"
    assert sorted(snapshot(project / "generated")) == []


# --- The same promises in-process, without root: injected faults, the lock, a conflicted manifest ----------------

FILES = {"models/a.py": "a = 1\n", "models/b.py": "b = 2\n", "docs/index.md": "# index\n"}
NEW_FILES = {"models/a.py": "a = 10\n", "docs/index.md": "# index, new\n", "docs/c.md": "# c\n"}


def test_write_refuses_a_path_that_leaves_the_output_folder(tmp_path: Path) -> None:
    for path in ["../x.py", "/etc/x", "a/../../x", "a//b", "./a", ".git/config", ".dfgen-journal.json", "a\\b"]:
        with pytest.raises(InputError, match="must stay inside the output folder"):
            write(tmp_path / "out", {path: "x"})
    # Refused before anything is made, the output folder included.
    assert list(tmp_path.iterdir()) == []


def full_disk_after(writes: int) -> Callable[..., Any]:
    """os.fdopen whose files take `writes` writes, then a few bytes and report a full disk, as write(2) does."""
    real_fdopen = os.fdopen
    calls = [0]

    class Full:
        def __init__(self, stream: Any) -> None:
            self.stream = stream

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *args: object) -> None:
            self.stream.close()

        def write(self, data: bytes) -> int:
            calls[0] += 1
            if calls[0] > writes:
                self.stream.write(data[:3])
                self.stream.flush()
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return int(self.stream.write(data))

    def fdopen(handle: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        stream = real_fdopen(handle, mode, *args, **kwargs)
        return Full(stream) if "w" in mode else stream

    return fdopen


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4])
def test_a_full_disk_mid_write_leaves_the_previous_output_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    out = tmp_path / "out"
    write(out, FILES)
    before = snapshot(out)
    monkeypatch.setattr(os, "fdopen", full_disk_after(fail_at - 1))
    with pytest.raises(OutputFault) as fault:
        write(out, NEW_FILES, shown="out")
    monkeypatch.undo()
    assert fault.value.reason == "cannot write: No space left on device"
    assert fault.value.path in ("out", "out/docs/c.md", "out/docs/index.md", "out/models/a.py")
    assert snapshot(out) == before
    assert write(out, NEW_FILES)
    assert snapshot(out) == snapshot_of(tmp_path / "fresh", NEW_FILES)


def snapshot_of(folder: Path, files: dict[str, str]) -> dict[str, bytes]:
    """What write() makes of an empty folder."""
    write(folder, files)
    return snapshot(folder)


def test_a_read_only_folder_is_a_fault_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write(out, FILES)
    before = snapshot(out)

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(OutputFault) as fault:
        write(out, NEW_FILES, shown="out")
    assert str(fault.value) == "out: cannot write: Read-only file system"
    monkeypatch.undo()
    assert snapshot(out) == before


def test_a_second_writer_waits_for_the_lock_and_then_gives_up(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, FILES)
    waited = []
    # flock locks belong to an open file description: a second one conflicts even in this process.
    with locked(out, shared=False, on_wait=lambda: None):
        with pytest.raises(OutputFault, match="another dfgen run has held the folder"):
            with locked(out, shared=False, on_wait=lambda: waited.append(1), wait=0.2):
                pass
        with pytest.raises(OutputFault):
            with locked(out, shared=True, on_wait=lambda: waited.append(2), wait=0.2):
                pass
    assert waited == [1, 2]
    with locked(out, shared=True, on_wait=lambda: waited.append(3)), locked(out, shared=True, on_wait=lambda: None):
        pass
    assert waited == [1, 2]


def test_a_manifest_with_merge_conflict_markers_is_read_on_both_sides(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, FILES)
    ours = (out / ".dfgen-manifest.json").read_text(encoding="utf-8")
    theirs = ours.replace(sha(b"b = 2\n"), sha(b"b = 3\n"))
    (out / "models" / "b.py").write_text("b = 3\n", encoding="utf-8")
    (out / ".dfgen-manifest.json").write_text(
        f"<<<<<<< HEAD\n{ours}=======\n{theirs}>>>>>>> branch\n", encoding="utf-8"
    )
    changes = write(out, NEW_FILES)
    assert changes.removed == ["models/b.py"] and not changes.kept
    assert snapshot(out) == snapshot_of(tmp_path / "fresh", NEW_FILES)


def test_staged_files_left_by_a_killed_run_are_named_by_check_and_removed_by_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, FILES)
    clean = snapshot(out)
    # This version's prefix, and the `.<name>.<random>.tmp` that dfgen 0.1 staged and leaked.
    for leftover in ["models/.dfgen-tmp-k2j4", ".dfgen-tmp-9x", "models/.a.py.q1w2e3.tmp", "docs/.index.md.zz.tmp"]:
        (out / leftover).write_text("half a file", encoding="utf-8")
    (out / "models" / ".a.py.notes").write_text("mine", encoding="utf-8")
    found = compare(out, expected_digests(FILES))
    assert found.leftovers == [
        ".dfgen-tmp-9x",
        "docs/.index.md.zz.tmp",
        "models/.a.py.q1w2e3.tmp",
        "models/.dfgen-tmp-k2j4",
    ]
    assert write(out, FILES).leftovers == found.leftovers
    assert snapshot(out) == {**clean, "models/.a.py.notes": b"mine"}
    assert not compare(out, expected_digests(FILES))


def test_write_files_leaves_no_partial_file_on_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "old.yaml").write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(os, "fdopen", full_disk_after(0))
    with pytest.raises(OSError, match="No space left on device"):
        write_files(tmp_path, {"new.yaml": "new\n", "old.yaml": "changed\n"})
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.yaml"]
    assert (tmp_path / "old.yaml").read_text(encoding="utf-8") == "old\n"


def test_compare_ignores_a_path_outside_the_folder_in_the_expected_digests(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, FILES)
    (tmp_path / "secret").write_text("x", encoding="utf-8")
    # As a damaged or hostile run cache could hold them: never looked at, never reported.
    tampered = {**expected_digests(FILES), "../secret": sha(b"y"), "/etc/hostname": sha(b"y"), "a/../../secret": ""}
    assert not compare(out, tampered)


def test_an_interrupt_while_staging_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write(out, FILES)
    before = snapshot(out)
    real_mkstemp = tempfile.mkstemp
    calls = [0]

    def interrupted(*args: Any, **kwargs: Any) -> tuple[int, str]:
        calls[0] += 1
        if calls[0] == 3:
            raise KeyboardInterrupt
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write(out, NEW_FILES)
    monkeypatch.undo()
    assert snapshot(out) == before
    assert not compare(out, expected_digests(FILES))
