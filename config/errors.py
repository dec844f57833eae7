"""One JSON error shape for every API error: {"error": {"code", "message", "fields"}}."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """Base for the domain exceptions of every app, mapped to HTTP here."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"
    message = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    message = "Not found."


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"
    message = "You do not have permission to do that."


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class ServiceUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"
    message = "A backing service is unavailable; try again shortly."


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def _first_message(fields: dict[str, Any]) -> str:
    for name, value in fields.items():
        while isinstance(value, (list, dict)) and value:
            value = value[0] if isinstance(value, list) else next(iter(value.values()))
        if name == "non_field_errors":
            return str(value)
        return f"{name}: {value}"
    return "Invalid input."


def validation_error(errors: Any) -> tuple[str, dict[str, Any]]:
    """(message, fields) of the error shape for a serializer's `errors`."""
    detail = errors if isinstance(errors, dict) else {"non_field_errors": errors}
    fields = _flatten(detail)
    return _first_message(fields), fields


def is_database_outage(exc: BaseException) -> bool:
    """The database is unreachable or dropped the connection (not a bad query): a 503."""
    from django.db import DatabaseError, InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError)) or type(exc) is DatabaseError


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message), status=exc.status_code)
    if is_database_outage(exc):
        # The database went away mid-request: the transaction rolled back, so
        # the client may retry safely (sends are idempotent by client_id).
        logger.warning("database unavailable: %s: %s", type(exc).__name__, exc)
        response = Response(
            error_body(ServiceUnavailable.code, ServiceUnavailable.message), status=503
        )
        response["Retry-After"] = "2"
        return response
    if isinstance(exc, RequestDataTooBig):
        # DRF reads request.body (which enforces DATA_UPLOAD_MAX_MEMORY_SIZE) before parsing;
        # left to Django this would be a bare 400 (a debug page with DEBUG on).
        return Response(
            error_body("request_too_large", "The request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        message, fields = validation_error(exc.detail)
        response.data = error_body("invalid", message, fields)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (list, dict)) else "Request failed."
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = error_body(code, message)
    return response


def _json_error(request: HttpRequest, status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(request, 400, "bad_request", "Bad request.")


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(request, 403, "permission_denied", "Permission denied.")


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(request, 404, "not_found", "Not found.")


def handler500(request: HttpRequest) -> JsonResponse:
    return _json_error(request, 500, "server_error", "Internal server error.")


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    return _json_error(request, 403, "csrf_failed", "CSRF verification failed.")
