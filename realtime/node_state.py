"""This process's state as a node: open streams and whether it is draining."""

_state = {"open_streams": 0, "draining": False}


def open_stream_count() -> int:
    return _state["open_streams"]


def stream_opened() -> None:
    _state["open_streams"] += 1


def stream_closed() -> None:
    _state["open_streams"] -= 1


def is_draining() -> bool:
    return _state["draining"]


def start_draining() -> None:
    _state["draining"] = True
