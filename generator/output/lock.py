"""One dfgen run at a time per output folder: an advisory lock on the folder itself."""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.output.ledger import OutputFault

if sys.platform == "win32":  # pragma: no cover - Windows has no flock; runs there are not serialised.
    fcntl = None
else:
    import fcntl

# A generate of 300 entities takes seconds; a lock held this long belongs to a run that hangs.
WAIT_SECONDS = 120.0
_POLL_SECONDS = 0.05


@contextmanager
def locked(folder: Path, shared: bool, on_wait: Callable[[], None], wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the folder's lock: exclusive to write, shared to read; wait for another run, then give up.

    The lock is flock(2) on the folder's own descriptor, so no lock file is left in a folder that is
    committed. The kernel drops it when the process dies, however it dies. Where there is no flock
    (Windows) nothing is locked.
    """
    if fcntl is None:
        yield
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError as error:
        raise OutputFault(str(folder), f"cannot open the folder: {error.strerror}") from None
    try:
        _acquire(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX, folder, on_wait, wait)
        yield
    finally:
        os.close(handle)


def _acquire(handle: int, mode: int, folder: Path, on_wait: Callable[[], None], wait: float) -> None:
    if fcntl is None:  # pragma: no cover - Windows
        return
    deadline = time.monotonic() + wait
    waited = False
    while True:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        except OSError as error:
            # A file system without locks (some network mounts): run unlocked rather than not at all.
            if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP):
                return
            raise OutputFault(str(folder), f"cannot lock the folder: {error.strerror}") from None
        if not waited:
            waited = True
            on_wait()
        if time.monotonic() >= deadline:
            raise OutputFault(str(folder), f"another dfgen run has held the folder for {wait:.0f} s; is it stuck?")
        time.sleep(_POLL_SECONDS)
