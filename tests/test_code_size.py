"""The application apps stay readable: no module over 300 lines, no function over 60 (ast line
spans, docstrings included). Migrations are generated and config/ is the project's settings
package, not an app, so neither is counted."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "chat", "groups", "notifications", "realtime")
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def _sources(app: str) -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text()
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    }


@pytest.mark.parametrize("app", APPS)
def test_no_module_is_over_300_lines(app):
    lengths = {path: len(source.splitlines()) for path, source in _sources(app).items()}
    assert {path: n for path, n in lengths.items() if n > MAX_MODULE_LINES} == {}


@pytest.mark.parametrize("app", APPS)
def test_no_function_is_over_60_lines(app):
    long = {
        f"{path}:{node.name}": node.end_lineno - node.lineno + 1
        for path, source in _sources(app).items()
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    }
    assert long == {}
