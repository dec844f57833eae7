"""Hostile bodies, content types, NUL bytes and garbage ids: always a 4xx in the error shape.

In-process against real PostgreSQL (where a NUL byte or an out-of-range integer reaching SQL
would be a 500). Every API operation that takes a JSON body is tried (tests/hostile/conftest.py
lists them, and a test below keeps that list complete).
"""

from __future__ import annotations

import json

import pytest
from django.test.client import MULTIPART_CONTENT, encode_multipart
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from realtime.models import StoredEvent
from tests.helpers import error_of
from tests.hostile.conftest import WRITE_NAMES, writes

pytestmark = [
    pytest.mark.django_db,
    # A NUL in a username reaches the username throttle's key: harmless in Redis.
    pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning"),
]

TEN_MEGABYTES = 10 * 1024 * 1024
NESTED_100K = "[" * 100_000 + "]" * 100_000
HUGE = 2**64
MAX_BIGINT = 2**63 - 1


def call(client, method: str, path: str, body, **extra):
    """A request with `body` sent as JSON (a str or bytes body is sent as given)."""
    if isinstance(body, (str, bytes)):
        content_type = extra.pop("content_type", "application/json")
        return getattr(client, method)(path, body, content_type=content_type, **extra)
    return getattr(client, method)(path, body, format="json", **extra)


def test_the_write_list_covers_every_operation_with_a_json_body(world):
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    views = {
        (path, method.lower()): callback.cls for path, _, method, callback in generator.endpoints
    }
    with_body = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            # JSON bodies only: multipart-only operations (attachment and avatar uploads)
            # have their own tests (tests/chat, tests/accounts).
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                view = views.get((path, method)) or views[(path.replace("{id}", "{pk}"), method)]
                with_body.add((view, method))
    listed = {(resolve(path).func.cls, method) for method, path, _ in writes(world).values()}

    assert list(writes(world)) == WRITE_NAMES
    assert with_body <= listed, with_body - listed


@pytest.mark.parametrize("name", WRITE_NAMES)
def test_a_ten_megabyte_body_is_a_413(world, name):
    method, path, body = writes(world)[name]
    oversized = json.dumps({**body, "padding": "x" * TEN_MEGABYTES})

    response = call(world.client(), method, path, oversized)

    error_of(response, 413, "request_too_large")


@pytest.mark.parametrize("name", ["signup", "login"])
def test_an_oversized_login_is_not_mistaken_for_a_throttle_cache_outage(world, name, caplog):
    method, path, body = writes(world)[name]
    oversized = json.dumps({**body, "padding": "x" * TEN_MEGABYTES})

    response = call(world.client(), method, path, oversized)

    error_of(response, 413, "request_too_large")
    # The per-username throttle reads the body; a refused body is no reason to fail open.
    assert "throttle cache unavailable" not in caplog.text


@pytest.mark.parametrize("name", WRITE_NAMES)
def test_json_nested_a_hundred_thousand_levels_deep_is_a_400(world, name):
    method, path, _ = writes(world)[name]

    response = call(world.client(), method, path, NESTED_100K)

    error_of(response, 400, "parse_error")


@pytest.mark.parametrize("name", WRITE_NAMES)
@pytest.mark.parametrize(
    ("content_type", "payload"),
    [
        ("application/x-www-form-urlencoded", "body=hi&name=x"),
        ("text/plain", "hi"),
        (MULTIPART_CONTENT, encode_multipart("BoUnDaRyStRiNg", {"body": "hi", "name": "x"})),
        ("application/xml", "<body>hi</body>"),
    ],
    ids=["form", "text", "multipart", "xml"],
)
def test_a_body_that_is_not_json_is_a_415(world, name, content_type, payload):
    method, path, _ = writes(world)[name]

    response = call(world.client(), method, path, payload, content_type=content_type)

    error_of(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("name", WRITE_NAMES)
def test_invalid_utf8_in_a_json_body_is_a_400(world, name):
    method, path, _ = writes(world)[name]

    response = call(
        world.client(), method, path, b'{"body": "\xff\xfe\xc3\x28", "name": "\xed\xa0\x80"}'
    )

    error_of(response, 400, "parse_error")


@pytest.mark.parametrize("name", WRITE_NAMES)
@pytest.mark.parametrize("payload", ["[]", '"text"', "42", "null", "true", "{", ""])
def test_json_that_is_not_an_object_never_fails_the_server(world, name, payload):
    method, path, _ = writes(world)[name]

    response = call(world.client(), method, path, payload)

    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        error_of(response, response.status_code)


# --- NUL bytes: PostgreSQL refuses them in text, so they must be refused before SQL -----------

NUL_FIELDS = [
    ("signup", "username"),
    ("signup", "password"),
    ("signup", "display_name"),
    ("signup", "email"),
    ("login", "username"),
    ("login", "password"),
    ("refresh", "refresh"),
    ("me", "display_name"),
    ("me", "email"),
    ("send", "body"),
    ("send", "client_id"),
    ("edit", "body"),
    ("create-group", "name"),
    ("create-group", "description"),
    ("create-group", "avatar"),
    ("update-group", "name"),
    ("update-group", "description"),
    ("update-group", "avatar"),
    ("change-role", "role"),
    ("preferences", "time_zone"),
    ("preferences", "sms_number"),
    ("push-subscribe", "endpoint"),
    ("publish", "event"),
]


@pytest.mark.parametrize(("name", "field"), NUL_FIELDS)
def test_a_nul_byte_in_a_text_field_is_a_400_naming_the_field(world, name, field):
    method, path, body = writes(world)[name]

    response = call(world.client(), method, path, {**body, field: "ab\x00cd"})

    assert field in error_of(response, 400, "invalid")["fields"]


def test_a_nul_byte_in_nested_text_is_a_400(world):
    method, path, body = writes(world)["push-subscribe"]

    response = call(
        world.client(), method, path, {**body, "keys": {"p256dh": "k\x00", "auth": "a"}}
    )

    assert "keys" in error_of(response, 400, "invalid")["fields"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users?search=a%00b",
        "/api/v1/notifications?type=message.new%00",
        "/api/v1/deliveries?status=dead%00",
        "/api/v1/deliveries?channel=%00",
        "/api/v1/groups?page=%00",
        "/api/v1/poll?timeout=0&last_event_id=user-1:1%00",
        "/api/v1/poll?timeout=%00",
    ],
)
def test_a_nul_byte_in_a_query_parameter_is_a_4xx(world, path):
    response = world.client().get(path)

    assert response.status_code in (400, 404), response.content[:300]
    error_of(response, response.status_code)


def test_a_nul_byte_inside_published_json_data_is_stored_and_delivered_verbatim(world):
    client = world.client()
    response = client.post(
        "/api/v1/channels/news/publish", {"data": {"text": "a\x00b"}}, format="json"
    )
    assert response.status_code == 201
    # The event log stores JSON text, where the NUL is the escape `\u0000`, not a NUL byte.
    stored = StoredEvent.objects.get(channel="topic-news", seq=response.json()["event_id"])
    assert json.loads(stored.data)["data"] == {"text": "a\x00b"}


# --- garbage ids --------------------------------------------------------------------------

ID_PATHS = [
    ("get", "/api/v1/conversations/{}"),
    ("get", "/api/v1/conversations/{}/messages"),
    ("post", "/api/v1/conversations/{}/delivered"),
    ("post", "/api/v1/conversations/{}/read"),
    ("post", "/api/v1/conversations/{}/typing"),
    ("patch", "/api/v1/messages/{}"),
    ("delete", "/api/v1/messages/{}"),
    ("get", "/api/v1/messages/{}/receipts"),
    ("get", "/api/v1/groups/{}"),
    ("patch", "/api/v1/groups/{}"),
    ("delete", "/api/v1/groups/{}"),
    ("post", "/api/v1/groups/{}/members"),
    ("post", "/api/v1/groups/{}/leave"),
    ("delete", "/api/v1/groups/1/members/{}"),
    ("patch", "/api/v1/groups/1/members/{}"),
    ("delete", "/api/v1/notifications/{}"),
    ("post", "/api/v1/notifications/{}/read"),
    ("delete", "/api/v1/notifications/push-subscriptions/{}"),
    ("post", "/api/v1/deliveries/{}/retry"),
]
GARBAGE_PATH_IDS = [
    str(HUGE),
    "9" * 400,
    str(MAX_BIGINT),
    "0",
    "-1",
    "1.5",
    "1e3",
    "0x10",
    "abc",
    "%00",
    "%2e%2e",
    "1;DROP TABLE chat_message",
]


@pytest.mark.parametrize(("method", "template"), ID_PATHS)
@pytest.mark.parametrize("garbage", GARBAGE_PATH_IDS)
def test_a_garbage_id_in_a_path_is_a_404(world, method, template, garbage):
    response = call(world.client(), method, template.format(garbage), {})

    error_of(response, 404)


BODY_ID_FIELDS = [
    ("open-direct", lambda value: {"user_id": value}),
    ("delivered", lambda value: {"up_to": value}),
    ("read", lambda value: {"up_to": value}),
    ("create-group", lambda value: {"name": "G", "member_ids": [value]}),
    ("add-members", lambda value: {"user_ids": [value]}),
    ("read-all", lambda value: {"conversation_id": value}),
    ("preferences", lambda value: {"mutes": [{"conversation_id": value}]}),
]
GARBAGE_BODY_IDS = [HUGE, -(2**70), -1, 0, 1.5, 1e308, "abc", "9" * 5000, True, None, [], {}]


@pytest.mark.parametrize(("name", "shape"), BODY_ID_FIELDS, ids=[n for n, _ in BODY_ID_FIELDS])
@pytest.mark.parametrize("garbage", GARBAGE_BODY_IDS, ids=repr)
def test_a_garbage_id_in_a_body_is_a_400(world, name, shape, garbage):
    method, path, _ = writes(world)[name]

    response = call(world.client(), method, path, shape(garbage))

    error_of(response, 400, "invalid")


@pytest.mark.parametrize(("name", "shape"), BODY_ID_FIELDS, ids=[n for n, _ in BODY_ID_FIELDS])
def test_the_largest_bigint_as_an_id_never_fails_the_server(world, name, shape):
    method, path, _ = writes(world)[name]

    response = call(world.client(), method, path, shape(MAX_BIGINT))

    # Well-formed but unknown: a 4xx for a reference (a filter such as read-all's matches
    # nothing), never a database error.
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        error_of(response, response.status_code)
