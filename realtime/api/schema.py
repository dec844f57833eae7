"""OpenAPI entries for what DRF cannot introspect: `/events/`, `/api/v1/poll` and `/ws/`."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from realtime import event_types

ERROR = {"$ref": "#/components/schemas/Error"}
RESUME_ID = {
    "type": "string",
    "description": "The id of the last event seen, e.g. `user-7:42,broadcast:3`.",
}


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _auth_parameters() -> list[dict]:
    return [
        {
            "name": "token",
            "in": "query",
            "required": False,
            "description": "Access token, for clients that cannot set headers (EventSource).",
            "schema": {"type": "string"},
        },
    ]


SECURITY = [{"jwtAuth": []}, {"cookieAuth": []}, {}]


def add_realtime_paths(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular's postprocessing hook (SPECTACULAR_SETTINGS)."""
    _add_schemas(result.setdefault("components", {}).setdefault("schemas", {}))
    paths = result.setdefault("paths", {})
    paths["/api/v1/poll"] = _poll_path()
    paths["/events/"] = _events_path()
    paths["/ws/"] = _websocket_path()
    return result


def _add_schemas(schemas: dict) -> None:
    schemas.setdefault(
        "Error",
        {
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
        },
    )
    schemas["PollEvent"] = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "nullable": True},
            "event": {"type": "string"},
            "data": {},
        },
        "required": ["id", "event", "data"],
    }
    schemas["Poll"] = {
        "type": "object",
        "properties": {
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/PollEvent"}},
            "last_event_id": {"type": "string"},
        },
        "required": ["events", "last_event_id"],
    }


def _poll_path() -> dict:
    return {
        "get": {
            "operationId": "poll_events",
            "summary": "Long-poll for events (fallback for SSE)",
            "description": (
                "Returns at once with the events after `last_event_id`, or waits up to "
                "`timeout` seconds for one. Without `last_event_id` it returns the current "
                "position at once."
            ),
            "tags": ["realtime"],
            "security": SECURITY,
            "parameters": [
                {"name": "last_event_id", "in": "query", "schema": RESUME_ID},
                {
                    "name": "timeout",
                    "in": "query",
                    "schema": {"type": "number", "minimum": 0, "maximum": 30, "default": 25},
                },
                *_auth_parameters(),
            ],
            "responses": {
                "200": {
                    "description": "Events, oldest first",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Poll"}}
                    },
                },
                "400": _error_response("Bad timeout or last_event_id"),
                "401": _error_response("Missing or bad credentials"),
                "503": _error_response("Node draining or a dependency down"),
            },
        }
    }


def _events_path() -> dict:
    return {
        "get": {
            "operationId": "event_stream",
            "summary": "Server-Sent Events stream of the caller's events",
            "description": (
                "`text/event-stream`. Each event has `id:`, `event:` and JSON `data:`. "
                "Resume with the `Last-Event-ID` header or `?lastEventId=`. Control events: "
                f"`{event_types.STREAM_OPEN}`, `{event_types.KEEP_ALIVE}`, "
                f"`{event_types.STREAM_RESET}` (refetch state), "
                f"`{event_types.STREAM_RECONNECT}` (the node is draining: reconnect), "
                "`stream-error`."
            ),
            "tags": ["realtime"],
            "security": SECURITY,
            "parameters": [
                {"name": "Last-Event-ID", "in": "header", "schema": RESUME_ID},
                {"name": "lastEventId", "in": "query", "schema": RESUME_ID},
                *_auth_parameters(),
            ],
            "responses": {
                "200": {"description": "The stream", "content": {"text/event-stream": {}}},
                "400": _error_response("Malformed Last-Event-ID"),
                "401": _error_response("Missing or bad credentials"),
                "429": _error_response("Too many streams for this user"),
                "503": _error_response("Node full or draining; see Retry-After"),
            },
        }
    }


def _websocket_path() -> dict:
    return {
        "get": {
            "operationId": "event_websocket",
            "summary": "WebSocket stream of the caller's events (the same as /events/)",
            "description": (
                "Upgrade to a WebSocket. Each text frame is JSON `{id, event, data}` with the "
                "events of `/events/`; resume with `?lastEventId=`. A quiet stream gets a "
                f"`{event_types.KEEP_ALIVE}` frame (`id` and `data` null) every "
                f"SSE_HEARTBEAT_SECONDS; `{event_types.STREAM_RECONNECT}` means reconnect "
                "(the node drains, or the user was "
                "deactivated). Browsers use the session (same origin only), others `?token=`. "
                "A bad token or a foreign origin fails the handshake (HTTP 403). The stream "
                "caps count SSE and WebSocket streams together; over them the socket opens "
                "and closes at once: code 4429 `too_many_streams` (SSE_MAX_STREAMS_PER_USER) "
                "or 4503 `node_full` (SSE_MAX_STREAMS_PER_NODE; also when draining or when a "
                "dependency is down). 4400: a malformed `lastEventId`."
            ),
            "tags": ["realtime"],
            "security": SECURITY,
            "parameters": [
                {"name": "lastEventId", "in": "query", "schema": RESUME_ID},
                *_auth_parameters(),
            ],
            "responses": {
                "101": {"description": "Switching protocols: the stream"},
                "403": {"description": "Bad credentials or a foreign origin"},
            },
        }
    }


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "realtime.api.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>` (or the `X-Api-Key` header), from `create_api_key`.",
        }
