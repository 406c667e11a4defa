"""The wheel carries the templates: an installed dfgen generates from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import CDR_DEFINITION, ROOT


def test_the_wheel_generates_outside_the_checkout(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("dfgen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for template in ("models/entity.py.jinja", "models/target.toml", "openapi/target.toml", "docs/index.md.jinja"):
        assert f"generator/templates/{template}" in names
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    project = tmp_path / "elsewhere"
    (project / "definitions").mkdir(parents=True)
    shutil.copy(CDR_DEFINITION, project / "definitions")
    env = {**os.environ, "PYTHONPATH": str(installed)}
    result = subprocess.run(
        [sys.executable, "-m", "generator", "generate"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for relative in ("models/cdr.py", "openapi/openapi.yaml", "docs/cdr.md"):
        assert (project / "generated" / relative).read_bytes() == (ROOT / "generated" / relative).read_bytes()
