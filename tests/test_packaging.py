"""The wheel carries the templates: an installed dfgen generates from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.helpers import CDR_DEFINITION, ROOT


def test_the_wheel_generates_outside_the_checkout(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    # The distribution's own name: `dfgen` on PyPI is another project.
    (wheel,) = wheels.glob("demandflow_dfgen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert "\nName: demandflow-dfgen\n" in zipfile.ZipFile(wheel).read(metadata).decode("utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"pip install dist/{wheel.name}" in readme, "the README's wheel install names the wheel pip builds"
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
