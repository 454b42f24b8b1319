"""The layout keeps its promises: nothing imports in a circle, the library never imports the CLI,
no module grows past about 600 lines, and tests/ mirrors the package."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "campaign"
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that runs, at module level or inside a function; not ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for branch in node.orelse for n in _runtime_imports(branch))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _runtime_imports(node)


def _imported(module: str, path: Path) -> set[str]:
    """The campaign modules ``module`` imports, resolved to modules (not the names inside)."""
    found: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1],
                                 *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        found.update(t for t in targets if t in MODULES and t != module)
    return found


GRAPH = {name: _imported(name, path) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_finds_the_modules() -> None:
    # guards the checks below against passing because nothing was resolved
    assert GRAPH["campaign.queue.store"] >= {"campaign.queue.planning", "campaign.queue.dispatch"}
    assert "campaign.content.sandbox" in GRAPH["campaign.content.render"]


def test_no_module_imports_in_a_circle() -> None:
    cycles = _cycles(GRAPH)
    assert not cycles, "modules that import each other in a circle: " + "; ".join(
        " <-> ".join(c) for c in cycles)


def test_a_graph_with_a_circle_is_caught() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_library_never_imports_the_cli() -> None:
    offenders = sorted(f"{m} imports {t}" for m, targets in GRAPH.items()
                       if not m.startswith("campaign.cli") for t in targets
                       if t.startswith("campaign.cli"))
    assert not offenders, offenders


def test_cli_commands_do_not_import_each_other() -> None:
    # what commands share lives in one module of shared options; a command module is a leaf
    shared = {"campaign.cli", "campaign.cli.app", "campaign.cli.main", "campaign.cli.options",
              "campaign.cli.views", "campaign.cli.__main__"}
    offenders = sorted(f"{m} imports {t}" for m, targets in GRAPH.items()
                       if m.startswith("campaign.cli.") and m not in shared
                       for t in targets if t.startswith("campaign.cli.") and t not in shared)
    assert not offenders, offenders


@pytest.mark.parametrize("module", sorted(MODULES), ids=lambda m: m.removeprefix("campaign."))
def test_no_module_is_over_600_lines(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by concern"


@pytest.mark.parametrize("folder", sorted(p.name for p in PACKAGE.iterdir()
                                          if p.is_dir() and (p / "__init__.py").exists()))
def test_tests_mirror_the_package(folder: str) -> None:
    assert (ROOT / "tests" / folder).is_dir(), f"campaign/{folder}/ has no tests/{folder}/"


@pytest.mark.parametrize("package", sorted(m for m, p in MODULES.items() if p.name == "__init__.py"))
def test_every_package_says_what_it_holds(package: str) -> None:
    tree = ast.parse(MODULES[package].read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{package} has no docstring saying what lives there"
