"""realtime/ stays readable: no module over 300 lines, no function over 60 (ast line spans)."""

import ast
from pathlib import Path

REALTIME = Path(__file__).resolve().parents[2] / "realtime"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def _sources() -> dict[str, str]:
    return {
        str(path.relative_to(REALTIME.parent)): path.read_text()
        for path in sorted(REALTIME.rglob("*.py"))
    }


def test_no_realtime_module_is_over_300_lines():
    lengths = {path: len(source.splitlines()) for path, source in _sources().items()}
    assert {path: n for path, n in lengths.items() if n > MAX_MODULE_LINES} == {}


def test_no_realtime_function_is_over_60_lines():
    long = {
        f"{path}:{node.name}": node.end_lineno - node.lineno + 1
        for path, source in _sources().items()
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    }
    assert long == {}
