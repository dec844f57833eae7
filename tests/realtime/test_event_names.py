"""Event names have one source, realtime/event_types.py: the web app's (static/js), the
server's and API.md's names are checked against it, and the web app listens for every event
the server sends a browser unless it is listed below as deliberately ignored."""

import ast
import re
from pathlib import Path

import pytest

from realtime import event_types
from tests.servers import PROJECT_ROOT

REALTIME_JS = PROJECT_ROOT / "static" / "js" / "realtime.js"  # the live connection
EVENTS_JS = PROJECT_ROOT / "static" / "js" / "events.js"  # what the page does with each event
API_MD = PROJECT_ROOT.parent / "shared" / "API.md"  # beside the repository, not in it

EVENTS = set(event_types.ALL)
CONTROL = set(event_types.STREAM_CONTROL)

# Sent to a browser's stream, yet of no use to the web app: each with the reason.
IGNORED_BY_WEB_APP = {
    event_types.TOPIC_MESSAGE: "topics are read by publish-API clients; the web app shows none",
}

# The server's functions that take an event type, and the position of that argument.
EMITTERS = {
    "publish": 0,
    "publish_event": 0,
    "publish_ephemeral": 0,
    "publish_ephemeral_event": 0,
    "apublish_ephemeral": 0,
    "Frame": 0,
    "sse_encode_event": 0,
    "Event": 1,
}
APPS = ("accounts", "chat", "config", "groups", "notifications", "realtime")
CONTROL_SHAPE = re.compile(r"stream-[a-z-]+|keep-alive")


def _strings(text: str) -> list[str]:
    return re.findall(r'"([^"\\]+)"', text)


def _subscribed() -> list[str]:
    """realtime.js's EVENT_TYPES: the events its EventSource listens for."""
    found = re.search(r"export const EVENT_TYPES = \[(.*?)\];", REALTIME_JS.read_text(), re.S)
    assert found, "static/js/realtime.js no longer has `export const EVENT_TYPES = [...]`"
    return _strings(found.group(1))


def _stream_listeners() -> list[str]:
    """Names realtime.js listens for on the stream itself (`source.addEventListener("…")`)."""
    return re.findall(r'source\.addEventListener\("([^"]+)"', REALTIME_JS.read_text())


def _compared(path: Path) -> tuple[set[str], set[str]]:
    """The event names a module tests for (`type === "…"`, `case "…":`) and the prefixes
    (`type.startsWith("…")`) it handles as a family."""
    text = path.read_text()
    names = set(re.findall(r'(?<![\w.])type === "([^"]+)"', text))
    names |= set(re.findall(r'^\s*case "([^"]+)":', text, re.M))
    prefixes = set(re.findall(r'(?<![\w.])type\.startsWith\("([^"]+)"\)', text))
    return names, prefixes


def _handled(name: str) -> bool:
    names, prefixes = _compared(EVENTS_JS)
    return name in names or any(name.startswith(prefix) for prefix in prefixes)


def test_the_web_app_names_only_events_defined_in_event_types():
    subscribed = _subscribed()
    listeners = _stream_listeners()
    compared = set()
    for path in (REALTIME_JS, EVENTS_JS):
        names, prefixes = _compared(path)
        compared |= names
        assert all(any(e.startswith(p) for e in EVENTS) for p in prefixes), prefixes

    assert subscribed and listeners and compared, "the parsing found nothing: has the JS moved?"
    assert len(subscribed) == len(set(subscribed)), f"EVENT_TYPES repeats a name: {subscribed}"
    assert sorted(set(subscribed) - EVENTS) == [], "EVENT_TYPES names events the server lacks"
    assert sorted(set(listeners) - CONTROL) == [], "stream listeners not in STREAM_CONTROL"
    assert sorted(compared - EVENTS - CONTROL) == [], "the JS compares against unknown names"


def test_the_web_app_listens_for_every_event_the_server_sends_a_browser():
    subscribed = set(_subscribed())

    assert sorted(EVENTS - subscribed - set(IGNORED_BY_WEB_APP)) == [], (
        "add these to EVENT_TYPES in static/js/realtime.js, or to IGNORED_BY_WEB_APP with a reason"
    )
    assert sorted(subscribed & set(IGNORED_BY_WEB_APP)) == [], "listened for and ignored at once"
    assert set(IGNORED_BY_WEB_APP) <= EVENTS
    assert sorted(CONTROL - set(_stream_listeners())) == [], "realtime.js ignores these"


@pytest.mark.parametrize("name", sorted(set(event_types.ALL) - set(IGNORED_BY_WEB_APP)))
def test_each_event_the_web_app_listens_for_has_a_handler(name):
    assert _handled(name), f"static/js/events.js's handleEvent does nothing with {name!r}"


def _application_modules():
    for app in APPS:
        for path in sorted((PROJECT_ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


def _event_argument(call: ast.Call) -> ast.expr | None:
    """The event-type argument of a call to one of EMITTERS: `publish(…)` or `realtime.publish(…)`,
    not a Redis or NATS client's `.publish(channel, …)`."""
    func = call.func
    if isinstance(func, ast.Name):
        name = func.id
    elif (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "realtime"
    ):
        name = func.attr
    else:
        return None
    if name not in EMITTERS:
        return None
    for keyword in call.keywords:
        if keyword.arg in ("event_type", "event", "type"):
            return keyword.value
    position = EMITTERS[name]
    return call.args[position] if len(call.args) > position else None


def test_the_server_writes_only_event_names_defined_in_event_types():
    known = EVENTS | CONTROL | {event_types.STREAM_RECONNECT_REQUEST}
    emitted, unknown = 0, []
    for path, tree in _application_modules():
        where = path.relative_to(PROJECT_ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (argument := _event_argument(node)) is not None:
                emitted += 1
                if isinstance(argument, ast.Constant) and argument.value not in known:
                    unknown.append(f"{where}:{node.lineno} {argument.value!r}")
            # A control name written anywhere (`RESET = "stream-reset"`) must be one of them.
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and CONTROL_SHAPE.fullmatch(node.value) and node.value not in CONTROL:
                unknown.append(f"{where}:{node.lineno} {node.value!r}")

    assert emitted > 20, f"found only {emitted} calls that emit an event: were they renamed?"
    assert unknown == [], "define these in realtime/event_types.py"


def _documented_events() -> set[str]:
    if not API_MD.exists():
        pytest.skip(f"{API_MD} is not here (the contract lives in shared/, beside the repository)")
    text = API_MD.read_text()
    real_time = text.split("\n## Real time", 1)[1].split("\n## ", 1)[0]
    listed = real_time.split("- Event types:", 1)[1].split("\n- ", 1)[0]
    names = set(re.findall(r"`([^`]+)`", listed))
    names |= set(re.findall(r"the event `([^`]+)`", text))
    assert len(names) > 10, f"API.md's event list did not parse: {sorted(names)}"
    return names


def test_api_md_documents_only_event_names_defined_in_event_types():
    assert sorted(_documented_events() - EVENTS) == [], "API.md names events the server lacks"


def test_the_web_app_listens_for_every_event_api_md_documents():
    missing = sorted(_documented_events() - set(_subscribed()))
    assert missing == [], "static/js/realtime.js's EVENT_TYPES lacks these"
