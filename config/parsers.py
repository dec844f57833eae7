"""The API's one request parser: DRF's JSON parser, hardened against hostile bodies."""

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """JSON bodies; nesting deeper than Python's recursion limit (`[[[[…]]]]`) is a 400.

    The decoder raises RecursionError for it, which no handler expects (a 500); it is a
    malformed body like any other. Oversized bodies never get here: DRF reads
    `request.body` first, whose RequestDataTooBig config.errors answers with a 413.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
