"""The floor plan, checked: the import graph has no cycles, stays shallow, and the
layers keep to their rooms (click only in the CLI, no renderer loads a probe).

Module-level imports only (those under ``if TYPE_CHECKING:`` and inside functions
are deliberate: typing, or loading a heavy dependency only when it is used).
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "mailcheck"
#: The longest chain of module-level imports inside mailcheck (the review measured 11
#: before the renovation and 9 after its dry run).
MAX_LAYERS = 9
CLI_MODULES = ("mailcheck.cli",)  # the package: click, and nothing else imports it


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(name: str, modules: set[str]) -> str | None:
    """The module an imported name lives in (``mailcheck.facts.PROBES`` -> ``mailcheck.facts``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _top_level_imports(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in tree.body:  # module level only: not in functions, not under TYPE_CHECKING
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@functools.cache
def graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    edges: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = set()
        for imported in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = _resolve(imported, modules) if imported.startswith("mailcheck") else None
            if target is not None and target != name:
                targets.add(target)
        # A module imports its parent packages too (Python runs their __init__ first).
        edges[name] = targets
    return edges


def _depth(edges: dict[str, set[str]]) -> dict[str, int]:
    depth: dict[str, int] = {}

    def visit(node: str, path: tuple[str, ...]) -> int:
        if node in path:
            raise AssertionError("import cycle: " + " -> ".join((*path, node)))
        if node not in depth:
            depth[node] = 1 + max((visit(n, (*path, node)) for n in edges[node]), default=0)
        return depth[node]

    for node in edges:
        visit(node, ())
    return depth


def test_no_import_cycles_and_at_most_nine_layers() -> None:
    depth = _depth(graph())
    deepest = max(depth, key=lambda n: depth[n])
    assert depth[deepest] <= MAX_LAYERS, f"{deepest} sits {depth[deepest]} layers deep"


def _imports_anywhere(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_cli_imports_click() -> None:
    offenders = [
        name
        for name, path in ((_module_name(p), p) for p in PACKAGE.rglob("*.py"))
        if not (name == CLI_MODULES[0] or name.startswith(CLI_MODULES[0] + "."))
        and any(n == "click" or n.startswith("click.") for n in _imports_anywhere(path))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "renderer",
    sorted(_module_name(p) for p in (PACKAGE / "report").glob("*.py")),
)
def test_a_renderer_loads_no_probe_and_no_click(renderer: str) -> None:
    code = (
        f"import sys, {renderer}; "
        "print(sorted(m for m in sys.modules "
        "if m.startswith(('mailcheck.probes', 'click', 'aiosmtplib', 'dns.'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
