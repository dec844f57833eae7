"""Daphne's request class without Twisted's form parsing, which daphne never reads.

Twisted's `http.Request` parses every POST's Content-Type with the `email` package (to
find form submissions) and fills `request.args`; daphne hands the raw body to the ASGI
application, which parses it itself. That parse cost ~5 % of a hot write's CPU (py-spy,
bench.ops). Twisted's public `parsePOSTFormSubmission=False` turns it off; daphne builds
its requests from `daphne.http_protocol.WebRequest` (HTTPFactory.buildProtocol), so that
name is pointed at a subclass that passes it. tests/operations/test_daphne.py pins both
facts, so a daphne or Twisted upgrade that changes them fails there.
"""

from daphne import http_protocol


class RawBodyWebRequest(http_protocol.WebRequest):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("parsePOSTFormSubmission", False)
        super().__init__(*args, **kwargs)


def use_raw_body_requests() -> None:
    http_protocol.WebRequest = RawBodyWebRequest
