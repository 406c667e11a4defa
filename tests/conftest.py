"""Shared test helpers: the repository paths, golden files, and importing generated packages."""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from pathlib import Path
from types import ModuleType

import pytest

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


@pytest.fixture(scope="session")
def cdr_files() -> dict[str, str]:
    """Everything the models target generates for definitions/, shown relative to the repository."""
    from tests.helpers import generate

    def show(path: Path) -> str:
        return path.resolve().relative_to(ROOT).as_posix()

    return generate(DEFINITIONS, show, {}, ("models",))


@pytest.fixture(scope="session")
def cdr_models(cdr_files: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The generated CDR models package, imported from a temporary folder."""
    out = tmp_path_factory.mktemp("cdr")
    write_tree(out, cdr_files)
    return import_generated(out)
