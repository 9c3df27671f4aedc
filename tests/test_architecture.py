"""The house plan, checked: the layers of docs/architecture.md, no import circle, no import
that runs upward, and a reason for every import made inside a function."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "circletrack"
ARCHITECTURE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"

#: Top to bottom. A module may import modules of its own layer or of any layer below it.
LAYERS: list[set[str]] = [
    {"cli", "__main__"},
    {"render"},
    {"listings", "dashboard", "timeline", "writes", "interop", "completion", "filters",
     "forms", "formfile", "xlsxscan", "intake", "bulletin", "merge", "gitsetup", "gantt",
     "report", "scorecard"},
    {"query"},
    {"effective"},
    {"labels"},
    {"storage"},
    {"validate"},
    {"model", "dates", "cells"},
    {"errors"},
    {"i18n"},
    {"__init__"},
]
#: Lazy imports are for start-up speed; a module that makes them says so in a comment
#: holding this phrase.
LAZY_REASON = "start-up"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        found[".".join(("circletrack", *parts))] = path
    return found


MODULES = _modules()


def _layer_of(module: str) -> int:
    part = module.split(".")[1] if "." in module else "__init__"
    for rank, names in enumerate(LAYERS):
        if part in names:
            return rank
    raise AssertionError(f"{module} is in no layer of tests/test_architecture.py")


def _resolve(importer: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The circletrack modules an import statement reaches."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("circletrack")]
    package = importer.split(".")
    if not MODULES[importer].name == "__init__.py":
        package = package[:-1]
    if node.level:
        base = package[:len(package) - node.level + 1]
        target = ".".join([*base, *([node.module] if node.module else [])])
    else:
        target = node.module or ""
    if not target.startswith("circletrack"):
        return []
    reached = []
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        reached.append(sub if sub in MODULES else target)
    return reached


def _imports(module: str) -> list[tuple[str, bool, int]]:
    """(imported module, made inside a function, line) for each import of circletrack code."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: list[tuple[str, bool, int]] = []

    def walk(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                if isinstance(child, ast.ImportFrom) and child.module == "__future__":
                    continue
                found.extend((target, nested, child.lineno) for target in _resolve(module, child))
            walk(child, inside)

    walk(tree, False)
    return [(t, n, line) for t, n, line in found if t in MODULES and t != module]


GRAPH = {module: _imports(module) for module in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_runs_upward(module: str) -> None:
    rank = _layer_of(module)
    for target, _nested, line in GRAPH[module]:
        assert _layer_of(target) >= rank, (
            f"{MODULES[module].name}:{line} imports {target}, a layer above it")


def test_no_import_circle_even_through_lazy_imports() -> None:
    edges = {m: {t for t, _n, _l in GRAPH[m]} for m in MODULES}
    # a package's __init__ importing its own submodules is registration, not a circle
    for module in MODULES:
        if MODULES[module].name == "__init__.py":
            edges[module] = {t for t in edges[module] if not t.startswith(module + ".")}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for other in edges[node]:
            if state.get(other) == 1:
                cycle = path[path.index(other):] + [other]
                raise AssertionError("import circle: " + " → ".join(cycle))
            if other not in state:
                visit(other, [*path, other])
        state[node] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [module])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_lazy_import_has_its_reason(module: str) -> None:
    lazy = [line for _t, nested, line in GRAPH[module] if nested]
    if lazy:
        text = MODULES[module].read_text(encoding="utf-8")
        comments = [c for c in re.findall(r"#.*", text) if LAZY_REASON in c]
        assert comments, (f"{MODULES[module].name} imports inside functions (line {lazy[0]}) "
                          f"without a comment saying it is for {LAZY_REASON} speed")


def test_the_architecture_page_names_only_modules_that_exist() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:cli/|render/|storage/)?[a-z0-9_]+\.py)`", text))
    assert named, "docs/architecture.md names no module"
    for name in named:
        assert (SOURCE / name).is_file(), f"docs/architecture.md names {name}, which is gone"
    for path in SOURCE.rglob("*.py"):
        relative = path.relative_to(SOURCE).as_posix()
        if path.name != "__init__.py" and path.name != "__main__.py":
            assert relative in named, f"docs/architecture.md does not say what {relative} owns"
