"""Backpressure for a stream: how much of its response the server still holds for the client.

The lean handler (realtime.asgi) puts a probe into each request's scope under
SEND_BUFFER_PROBE; the SSE view (realtime.views) reads it before each write.
"""

from functools import partial

SEND_BUFFER_PROBE = "parley.send_buffer"


class TransportProbe:
    """How many response bytes the server still holds for one client, and a way to hang up.

    ASGI gives an app no backpressure, and daphne buffers whatever it is sent, so a
    client that stops reading would grow the node's memory without bound. Under
    daphne `send` is `partial(server.handle_reply, protocol)`, whose Twisted transport
    knows its write buffer and can abort (dropping that buffer at once).
    """

    def __init__(self, transport) -> None:
        self._transport = transport

    def buffered(self) -> int:
        transport = self._transport
        # Twisted's private write buffer: no public API tells its size (pinned by
        # tests/operations/test_private_internals.py, which fails if an upgrade changes it).
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen

    def abort(self) -> None:
        self._transport.abortConnection()


def send_buffer_probe(send) -> TransportProbe | None:
    """The probe for daphne's transport; None elsewhere (another server, the test client),
    where streams rely on the per-listener queue bound alone."""
    protocol = send.args[0] if isinstance(send, partial) and send.args else None
    transport = getattr(protocol, "transport", None)
    if transport is None or not hasattr(transport, "dataBuffer"):
        return None
    return TransportProbe(transport)
