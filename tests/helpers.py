"""Helpers the tests share: a small definition, running dfgen as a user does, generating without writing."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

from generator.config import Api, Pins
from generator.pipeline import Settings, read_sources
from generator.pipeline import generate as generate_sources

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "definitions"
CDR_DEFINITION = DEFINITIONS / "cdr.yaml"
UPDATE_GOLDEN = os.environ.get("DFGEN_UPDATE_GOLDEN") == "1"


def assert_golden(path: Path, actual: str) -> None:
    """Compare with a golden file; DFGEN_UPDATE_GOLDEN=1 rewrites it instead."""
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
        return
    assert path.is_file(), f"missing golden file {path}; run with DFGEN_UPDATE_GOLDEN=1"
    # Bytes, not read_text: newline translation would hide a CR, and read_text(newline=) is 3.13+.
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{path} differs from the output; run with DFGEN_UPDATE_GOLDEN=1 to accept"


def write_tree(folder: Path, files: dict[str, str]) -> None:
    """Write {relative path: text} under folder."""
    for relative, text in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")


def import_generated(out: Path) -> ModuleType:
    """Import out/models as a package under a fresh name, so tests never share generated code."""
    name = f"generated_{uuid.uuid4().hex}"
    package_dir = out / "models"
    spec = importlib.util.spec_from_file_location(
        name, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def generate(
    definitions: Path,
    show: Callable[[Path], str],
    pins: Mapping[str, Pins],
    targets: tuple[str, ...],
    template_dirs: tuple[Path, ...] = (),
    api: Api | None = None,
) -> dict[str, str]:
    """{path: contents} for the definitions at `definitions` (a folder or one file)."""
    settings = Settings(pins, targets, template_dirs, api or Api())
    return generate_sources(read_sources(definitions, show), show(definitions), settings)


SMALL = """\
code: TICKET
displayName: Ticket
level: 100
panels:
  - name: Main
    sections:
      - name: Basics
        fields:
          - {code: title, type: text, required: true}
          - code: channels
            type: multiselect
            options: [{id: 1, label: Email}, {id: 2, label: Phone}]
"""


def dfgen(cwd: Path, *args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    """Run `python -m generator` as a user would, in `cwd`."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class QuietServer(ThreadingHTTPServer):
    """A server on loopback whose client hanging up mid-answer (as fault tests and browsers do) prints nothing."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@contextmanager
def serving(httpd: ThreadingHTTPServer) -> Iterator[str]:
    """Serve in a thread; yield the server's URL on 127.0.0.1, then stop and close it."""
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
