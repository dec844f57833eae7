"""The API's one request parser: DRF's JSON parser, hardened against hostile bodies."""

from typing import Any

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def _declared_length(request: Any) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


class JSONParser(parsers.JSONParser):
    """JSON bodies, refusing two things DRF's parser lets through.

    A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 before a byte is decoded (Django
    would also refuse it, but as a bare 400 and only once it is read). Nesting deeper
    than Python's recursion limit (`[[[[…]]]]`) makes the decoder raise RecursionError,
    which no handler expects: it is a malformed body, so a 400 like any other.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None and _declared_length(request) > limit:
            raise RequestTooLarge()
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
