"""The package's layout holds: no import cycles, imports at the top, modules one can read in a sitting."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

PACKAGE = ROOT / "generator"
MAX_LINES = 400
# Imported where used, each for a reason its module states: black only when a line could differ,
# httpx only by the commands that talk to the network.
LAZY = {
    ("generator.targets.python", "black"),
    ("generator.targets.python", "black.mode"),
    ("generator.tenant.api", "httpx"),
}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {_module(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}


def _imported(node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        names = [f"{base}.{alias.name}" for alias in node.names] + [base]
    # `from generator.model import naming` imports the module generator.model.naming.
    return {name for name in names if name in known}


def test_no_import_cycles() -> None:
    modules = _modules()
    known = set(modules)
    graph = {
        name: {
            target
            for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for target in _imported(node, known)
            if target != name
        }
        for name, tree in modules.items()
    }
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            assert state.get(target) != "open", "import cycle: " + " -> ".join([*trail, name, target])
            if target not in state:
                visit(target, [*trail, name])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_imports_at_the_top() -> None:
    found = []
    for name, tree in _modules().items():
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
                if isinstance(node, ast.ImportFrom):
                    imported = node.module or ""
                else:
                    imported = node.names[0].name
                if (name, imported) not in LAZY and not _guarded(tree, node):
                    found.append(f"{name}: {imported}")
    assert found == []


def _guarded(tree: ast.Module, node: ast.AST) -> bool:
    """An import inside a top-level `if` (TYPE_CHECKING, the Python version): still at the top."""
    return any(isinstance(top, ast.If) and node in list(ast.walk(top)) for top in tree.body)


def test_modules_read_in_one_sitting() -> None:
    long = {
        p.relative_to(ROOT).as_posix(): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
