"""OpenAPI: the error responses of every DRF operation, documented in one place.

drf-spectacular documents the responses a view declares. Most errors come from a few
shared mechanisms, each a rule here read off the view class:

- 400 invalid input: any operation that takes a body or query parameters, or writes.
- 401 missing or bad credentials: every view that needs a signed-in caller.
- 403: writes (a failed CSRF check for the browser session; domain rules such as group
  roles and message authors), and views that need more than signing in (staff, publishers).
- 404: any path id (unknown, or not visible to the caller), and page-number pages.
- 413 / 415: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, or one that is not JSON.
- 429: throttled writes. 503: the database went away (config.errors maps it).

A view declares the errors peculiar to it (a failed login's 401, a deleted message's 410)
with a description only, `OpenApiResponse(description=...)`; every error response then
gets the one error body of config/errors.py, the `Error` component.
"""

from typing import Any

from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
DESCRIPTIONS = {
    "400": "Invalid input (see `error.fields`), or a malformed body",
    "401": "Missing or bad credentials",
    "403": "Not allowed for the caller (role, staff only), or a failed CSRF check",
    "404": "No such object, or not visible to the caller",
    "413": "Request body too large",
    "415": "The body is not `application/json`",
    "429": "Throttled; see Retry-After",
    "503": "A backing service is unavailable; retry",
}
UNSAFE_METHODS = {"post", "put", "patch", "delete"}


def _shared_error_codes(*, view_class: type, method: str, operation: dict) -> set[str]:
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    unsafe = method in UNSAFE_METHODS
    permissions = list(getattr(view_class, "permission_classes", ()))
    authenticators = list(getattr(view_class, "authentication_classes", ()))
    anonymous = all(permission is AllowAny for permission in permissions)
    throttled = bool(getattr(view_class, "throttle_classes", ())) or bool(
        getattr(view_class, "throttle_scope", None)
    )

    codes = {"503"}
    if has_body or unsafe or any(p.get("in") == "query" for p in parameters):
        codes.add("400")
    if not anonymous:
        codes.add("401")
    if any(p not in (AllowAny, IsAuthenticated) for p in permissions):
        codes.add("403")
    if unsafe and (
        not anonymous or any(issubclass(a, SessionAuthentication) for a in authenticators)
    ):
        codes.add("403")
    if any(p.get("in") == "path" or p.get("name") == "page" for p in parameters):
        codes.add("404")
    if has_body:
        codes.update({"413", "415"})
    if throttled and unsafe:
        codes.add("429")
    return codes


def add_error_responses(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Postprocessing hook: the shared error responses on every DRF operation, and the
    `Error` body on every error response."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", ERROR_SCHEMA)
    views = {
        (path, method.lower()): callback.cls
        for path, _regex, method, callback in (generator.endpoints or [])
        if hasattr(callback, "cls")
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            # drf-spectacular shows a `{pk}` path parameter as `{id}` (SCHEMA_COERCE_PATH_PK).
            view_class = views.get((path, method)) or views.get(
                (path.replace("{id}", "{pk}"), method)
            )
            if view_class is None:  # added by another hook (the realtime views): left as is
                continue
            responses = operation.setdefault("responses", {})
            shared = _shared_error_codes(view_class=view_class, method=method, operation=operation)
            for code in shared:
                responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code.isdigit() and int(code) >= 400:
                    response.setdefault("content", ERROR_CONTENT)
            operation["responses"] = dict(sorted(responses.items()))
    return result
