"""Event names are written once, in realtime/event_types.py: the rest of realtime/ uses its
constants, never the literal (a typo in a literal is an event no client listens for)."""

import ast
from pathlib import Path

from realtime import event_types

REALTIME = Path(__file__).resolve().parents[2] / "realtime"
NAMES = {
    value for name, value in vars(event_types).items() if name.isupper() and isinstance(value, str)
}


def test_realtime_modules_name_events_by_their_constants():
    literals = [
        f"{path.relative_to(REALTIME.parent)}:{node.lineno}: {node.value}"
        for path in sorted(REALTIME.rglob("*.py"))
        if path.name != "event_types.py" and "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in NAMES
    ]
    assert literals == []


def test_the_stream_control_events_are_among_the_names():
    assert {"stream-open", "stream-reset", "stream-reconnect", "keep-alive"} <= NAMES
