"""The house plan, checked: the layers of docs/architecture.md (read from its table: each layer
a folder, in order, naming every module it holds), no import circle, no import that runs
upward, and no import inside a function that defers nothing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "circletrack"
ARCHITECTURE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"

def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(("circletrack", *parts))] = path
    return found


MODULES = _modules()


def _doc_layers() -> list[tuple[str, list[str]]]:
    """The layer table of docs/architecture.md, top to bottom: each layer's folder and the
    module files its rows name (paths under src/circletrack)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Layers, top to bottom", 1)[1].split("\n## ", 1)[0]
    layers: list[tuple[str, list[str]]] = []
    for row in section.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if not row.startswith("| ") or len(cells) != 3 or cells[0] == "layer":
            continue
        if cells[0]:
            folder = re.search(r"`([a-z_]+)/`", cells[0])
            assert folder, f"docs/architecture.md: the layer {cells[0]!r} names no folder"
            layers.append((folder.group(1), []))
        assert layers, "docs/architecture.md: a module row before the first layer"
        layers[-1][1].extend(re.findall(r"`([a-z_]+/[a-z0-9_]+\.py)`", cells[1]))
    return layers


LAYERS = _doc_layers()
#: The package's own two files: `__main__` runs the command line (above every layer), and
#: `__init__` holds the version every layer may read (below them all).
TOP, BOTTOM = "circletrack.__main__", "circletrack"


def _layer_of(module: str) -> int:
    if module == TOP:
        return -1
    if module == BOTTOM:
        return len(LAYERS)
    folder = module.split(".")[1]
    for rank, (name, _files) in enumerate(LAYERS):
        if name == folder:
            return rank
    raise AssertionError(f"{module} is in no layer of docs/architecture.md")


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


def _imports(module: str) -> list[tuple[str, str, int]]:
    """(imported module, how, line) for each import of circletrack code; how is "top" (made
    when the module is imported), "function" (inside a function) or "typing" (under
    `if TYPE_CHECKING:`, made by a type checker only)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: list[tuple[str, str, int]] = []

    def walk(node: ast.AST, how: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = how
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = "function"
            elif isinstance(child, ast.If) and ast.unparse(child.test) == "TYPE_CHECKING":
                inner = "typing"
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                if isinstance(child, ast.ImportFrom) and child.module == "__future__":
                    continue
                found.extend((target, how, child.lineno) for target in _resolve(module, child))
            walk(child, inner)

    walk(tree, "top")
    return [(t, how, line) for t, how, line in found if t in MODULES and t != module]


GRAPH = {module: _imports(module) for module in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_runs_upward(module: str) -> None:
    rank = _layer_of(module)
    for target, _how, line in GRAPH[module]:
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


def _eager(module: str) -> set[str]:
    """The circletrack modules importing `module` loads: its imports made at module level,
    theirs, and so on (each package a module sits in is loaded first)."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        parts = current.split(".")
        for name in [*(".".join(parts[:n]) for n in range(1, len(parts))), current]:
            if name in MODULES and name not in seen:
                seen.add(name)
                todo.extend(t for t, how, _l in GRAPH[name] if how == "top")
    return seen


@pytest.mark.parametrize("module", sorted(MODULES))
def test_an_import_inside_a_function_defers_a_module(module: str) -> None:
    """An import made inside a function is for start-up speed (docs/architecture.md says
    so once); one of a module that is loaded with this one anyway defers nothing."""
    loaded = _eager(module)
    for target, how, line in GRAPH[module]:
        assert not (how == "function" and target in loaded), (
            f"{MODULES[module].name}:{line} imports {target} inside a function, but "
            f"importing {module} loads it already: import it at the top")


def test_the_layer_table_is_the_tree() -> None:
    """Each layer of docs/architecture.md is a folder; its rows name files of that folder
    that exist; every module of the tree is named once (a package's `__init__.py` belongs to
    its folder's layer whether named or not)."""
    assert len(LAYERS) >= 5, "docs/architecture.md: no layer table found"
    folders = [folder for folder, _files in LAYERS]
    assert len(set(folders)) == len(folders), f"a folder is two layers: {folders}"
    named: list[str] = []
    for folder, files in LAYERS:
        assert (SOURCE / folder).is_dir(), f"docs/architecture.md: no folder {folder}/"
        for name in files:
            assert name.split("/")[0] == folder, (
                f"docs/architecture.md: {name} is in the {folder}/ layer's rows")
            assert (SOURCE / name).is_file(), f"docs/architecture.md names {name}, which is gone"
        named.extend(files)
    assert len(set(named)) == len(named), "docs/architecture.md names a module twice"
    for path in SOURCE.rglob("*.py"):
        relative = path.relative_to(SOURCE).as_posix()
        if path.parent == SOURCE:
            assert path.name in ("__init__.py", "__main__.py"), (
                f"{relative} stands outside every layer folder")
        elif path.name != "__init__.py":
            assert relative in named, f"docs/architecture.md does not say what {relative} owns"


def test_every_module_the_architecture_page_names_exists() -> None:
    """Prose too: every `folder/module.py` the page names anywhere is a file (of the
    repository for tests/, tools/ and bench/, of src/circletrack otherwise)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for name in set(re.findall(r"`([a-z_]+/[a-z0-9_]+\.py)`", text)):
        root = SOURCE.parents[1] if name.split("/")[0] in ("tests", "tools", "bench") else SOURCE
        assert (root / name).is_file(), f"docs/architecture.md names {name}, which is gone"
