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
that name is pointed at a subclass that passes it. tests/operations/test_daphne.py pins these
facts, so a daphne or Twisted upgrade that changes them fails there.
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


def main() -> None:
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    from daphne.cli import CommandLineInterface  # imports daphne.server: creates the loop

    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
