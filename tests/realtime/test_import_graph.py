"""Imports in realtime/ and config/ point one way (STYLE.md 13): no cycles.

Every import counts, also one inside a function: a lazy import hides a cycle from Python,
not from a reader. The config modules realtime uses (errors, bulk, cors, ...) sit below it
and never import realtime back; the ones that wire realtime in (asgi, routes, health, urls)
sit above it and realtime never imports them.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("realtime", "config")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def _imported_names(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement names, then the module it imports from ("" for
    a plain `import`)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names] + [""]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parent = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            parent = parent.rpartition(".")[0]
        base = f"{parent}.{base}" if base else parent
    # `from realtime import metrics` imports the module realtime.metrics; `from realtime
    # import publish`, a name of the package realtime.
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def import_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """Module -> the modules of `sources` it imports; `sources` maps a module's name to
    (its source, whether it is a package's __init__)."""
    graph: dict[str, set[str]] = {}
    for module, (source, is_package) in sources.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(source)):
            *names, base = _imported_names(node, module, is_package) or [""]
            for name in [name if name in sources else base for name in names]:
                while name and name not in sources:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    found.add(name)
        graph[module] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = lowest[module] = len(index)
        stack.append(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in stack:
                lowest[module] = min(lowest[module], index[imported])
        if lowest[module] == index[module]:
            component = []
            while (member := stack.pop()) != module:
                component.append(member)
            component.append(module)
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def _graph() -> dict[str, set[str]]:
    sources = {
        name: (path.read_text(), path.name == "__init__.py") for name, path in _modules().items()
    }
    return import_graph(sources)


def test_config_modules_that_realtime_uses_never_import_realtime():
    graph = _graph()
    reached: set[str] = set()
    todo = [d for m, deps in graph.items() if m.startswith("realtime") for d in deps]
    while todo:
        module = todo.pop()
        if module.startswith("config") and module not in reached:
            reached.add(module)
            todo.extend(graph[module])
    back = {m: sorted(d for d in graph[m] if d.startswith("realtime")) for m in sorted(reached)}
    assert {m: deps for m, deps in back.items() if deps} == {}


def test_the_check_sees_a_cycle_through_a_lazy_import():
    sources = {
        "realtime": ("", True),
        "realtime.a": ("from realtime import b\n", False),
        "realtime.b": ("def f():\n    from realtime.a import g\n", False),
        "realtime.c": ("from realtime import a, publish\n", False),
    }
    graph = import_graph(sources)
    assert graph["realtime.a"] == {"realtime.b"}
    assert graph["realtime.c"] == {"realtime", "realtime.a"}
    assert cycles(graph) == [["realtime.a", "realtime.b"]]


def test_realtime_and_config_modules_import_each_other_in_one_direction_only():
    assert cycles(_graph()) == []
