"""Daphne as Parley's nodes run it: on uvloop, and without Twisted's form parsing.

    python -m config.daphne [daphne's own arguments] config.asgi:application

uvloop: daphne runs Twisted's asyncio reactor on an event loop it creates when `daphne.server`
is imported, so the event loop policy has to be uvloop's before that import. uvloop cut the
CPU of a bare request under daphne by ~15 % (0.86 → 0.74 ms in one run, bench's notes in
README, Performance). Twisted still does the HTTP; uvloop runs the loop it sits on.

Raw bodies: Twisted's `http.Request` parses every POST's Content-Type with the `email`
package (to find form submissions) and fills `request.args`; daphne hands the raw body to
the ASGI application, which parses it itself. That parse cost ~5 % of a hot write's CPU
(py-spy, bench.ops). Twisted's public `parsePOSTFormSubmission=False` turns it off; daphne
builds its requests from `daphne.http_protocol.WebRequest` (HTTPFactory.buildProtocol), so
that name is pointed at a subclass that passes it.

Twisted's access line: Twisted's HTTPFactory formats a combined-log line for every request
and hands it to Twisted's log, which daphne at `-v 0` or `1` sends nowhere (its own access
log is separate, `--access-log`). The formatting and the hand-over were ~5 % of a bare
request's CPU (cProfile); `QuietHTTPFactory` skips them at those verbosities.

tests/operations/test_daphne.py pins these facts, so a daphne or Twisted upgrade that
changes them fails there.
"""

import asyncio

import uvloop
from daphne import http_protocol


class RawBodyWebRequest(http_protocol.WebRequest):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("parsePOSTFormSubmission", False)
        super().__init__(*args, **kwargs)


def use_raw_body_requests() -> None:
    http_protocol.WebRequest = RawBodyWebRequest


class QuietHTTPFactory(http_protocol.HTTPFactory):
    def log(self, request) -> None:
        if self.server.verbosity > 1:  # daphne passes Twisted's log on to Python's logging
            super().log(request)


def main() -> None:
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    from daphne import server  # creates the loop
    from daphne.cli import CommandLineInterface

    server.HTTPFactory = QuietHTTPFactory  # Server.run builds its factory from this name
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
