"""Session fixtures: the CDR models package, generated once and imported (helpers are in tests/helpers.py)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import DEFINITIONS, ROOT, generate, import_generated, write_tree


@pytest.fixture(scope="session")
def cdr_files() -> dict[str, str]:
    """Everything the models target generates for definitions/, shown relative to the repository."""

    def show(path: Path) -> str:
        return path.resolve().relative_to(ROOT).as_posix()

    return generate(DEFINITIONS, show, {}, ("models",))


@pytest.fixture(scope="session")
def cdr_models(cdr_files: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The generated CDR models package, imported from a temporary folder."""
    out = tmp_path_factory.mktemp("cdr")
    write_tree(out, cdr_files)
    return import_generated(out)
