"""Structured logging: request ids, user and node ids on every line, and no secrets or bodies."""

import io
import json
import logging
import re
import sys
import uuid

import httpx
import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from config.logging import JsonFormatter, PlainFormatter, RequestContextFilter, scrub
from tests.factories import PASSWORD, UserFactory
from tests.helpers import client_for
from tests.servers import PROJECT_ROOT

PRODUCTION_DAPHNE_ARGS = ("-v", "0")


@pytest.fixture
def json_log():
    """Everything logged during the test, as the production handler would write it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter(node_id="test-node"))
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line]

    lines.text = stream.getvalue  # type: ignore[attr-defined]
    yield lines
    root.removeHandler(handler)
    root.setLevel(previous_level)


def _access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "parley.request"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET /events/?token=eyJhbGciOi.payload.sig&lastEventId=4", "eyJhbGciOi.payload.sig"),
        ("GET /x?access_token=abc123def", "abc123def"),
        ("POST /api/v1/auth/refresh refresh=r3fr3sh", "r3fr3sh"),
        ('{"username": "ann", "password": "hunter22"}', "hunter22"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("key check Api-Key pk_live_123456", "pk_live_123456"),
        ("token was eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoxfQ.c2lnbmF0dXJl", "eyJ0eX"),
    ],
)
def test_scrub_removes_tokens_passwords_and_keys(text, secret):
    cleaned = scrub(text)
    assert secret not in cleaned
    assert "[redacted]" in cleaned


def test_scrub_keeps_ordinary_text():
    text = "GET /api/v1/conversations?cursor=abc&page_size=20 200 3.1ms"
    assert scrub(text) == text


@pytest.mark.django_db
def test_a_client_request_id_is_kept_and_echoed(client):
    response = client.get("/health", HTTP_X_REQUEST_ID="req-42.from:nginx")
    assert response["X-Request-ID"] == "req-42.from:nginx"


@pytest.mark.django_db
def test_a_request_without_an_id_gets_a_fresh_one(client):
    first = client.get("/health")["X-Request-ID"]
    second = client.get("/health")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", ["has space", "x" * 200, "inject\\nfake", "<script>"])
def test_a_malformed_request_id_is_replaced(client, bad_id):
    response = client.get("/health", HTTP_X_REQUEST_ID=bad_id)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_access_line_has_request_user_and_node_ids(json_log):
    user = UserFactory()
    response = client_for(user).get("/api/v1/auth/me", HTTP_X_REQUEST_ID="trace-1")
    assert response.status_code == 200

    (line,) = [entry for entry in _access_lines(json_log()) if entry["path"] == "/api/v1/auth/me"]
    assert line["request_id"] == "trace-1"
    assert line["user_id"] == user.id
    assert line["node_id"] == "test-node"
    assert line["level"] == "INFO"
    assert line["status_code"] == 200
    assert line["method"] == "GET"
    assert line["message"].startswith("GET /api/v1/auth/me 200")
    assert {"timestamp", "logger", "message"} <= line.keys()


@pytest.mark.django_db
def test_lines_logged_during_a_request_carry_its_id(json_log, client):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="trace-404")

    not_found = [entry for entry in json_log() if entry["logger"] == "django.request"]
    assert not_found
    assert {entry["request_id"] for entry in not_found} == {"trace-404"}


@pytest.mark.django_db
def test_tokens_in_the_query_string_never_reach_the_log(json_log, api_client):
    user = UserFactory()
    token = str(RefreshToken.for_user(user).access_token)

    api_client.get(f"/api/v1/auth/me?token={token}&x=1")

    assert token not in json_log.text()
    (line,) = [e for e in _access_lines(json_log()) if e["path"] == "/api/v1/auth/me"]
    assert "token=[redacted]" in line["message"]


@pytest.mark.django_db
def test_passwords_and_bodies_never_reach_the_log(json_log, api_client):
    user = UserFactory()
    api_client.post(
        "/api/v1/auth/login", {"username": user.username, "password": PASSWORD}, format="json"
    )
    api_client.post(
        "/api/v1/auth/login",
        {"username": user.username, "password": "wrong-secret-pw"},
        format="json",
    )

    text = json_log.text()
    assert PASSWORD not in text
    assert "wrong-secret-pw" not in text
    assert len(_access_lines(json_log())) == 2


def test_every_line_goes_through_the_one_scrubbing_handler():
    # Django's defaults would add their own console and mail_admins handlers.
    assert logging.getLogger("django").handlers == []
    configured = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RequestContextFilter) for f in handler.filters)
    ]
    assert len(configured) == 1


def test_plain_format_is_readable_with_the_request_context():
    record = logging.LogRecord("chat", logging.INFO, __file__, 1, "sent %s", ("ok",), None)
    record.request_id, record.user_id, record.node_id = "abcdef123456789", 7, "n1"
    line = PlainFormatter().format(record)
    assert line.endswith("INFO chat [abcdef123456 user=7] sent ok")


def get_me_with_the_token_in_the_query(base_url: str, token: str) -> str:
    """`GET /api/v1/auth/me?token=…`, as an EventSource client sends it; returns the request id."""
    request_id = uuid.uuid4().hex
    response = httpx.get(
        f"{base_url}/api/v1/auth/me?token={token}",
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == request_id
    return request_id


@pytest.mark.multinode
def test_a_production_node_writes_json_lines_with_its_node_id(daphne_nodes):
    user = UserFactory()
    token = str(RefreshToken.for_user(user).access_token)
    # Started as docker/entrypoint.sh starts it: daphne's own access log (raw query strings)
    # is off; Parley's scrubbed `parley.request` line replaces it.
    node = daphne_nodes(
        "json-node", daphne_args=PRODUCTION_DAPHNE_ARGS, LOG_JSON="1", LOG_LEVEL="INFO"
    )
    request_id = get_me_with_the_token_in_the_query(node.url, token)
    node.terminate()

    log = node.log_path.read_text()
    assert token not in log
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    (access,) = [entry for entry in entries if entry.get("request_id") == request_id]
    assert access["node_id"] == "json-node"
    assert access["user_id"] == user.id
    assert access["logger"] == "parley.request"
    assert "token=[redacted]" in access["message"]


@pytest.mark.multinode
def test_nginx_logs_paths_without_query_strings(daphne_nodes, nginx_proxy):
    token = str(RefreshToken.for_user(UserFactory()).access_token)
    proxy = nginx_proxy([daphne_nodes("behind-nginx")])
    request_id = get_me_with_the_token_in_the_query(proxy.url, token)
    proxy.stop()

    log = proxy.access_log_path.read_text()
    (line,) = [line for line in log.splitlines() if request_id in line]
    assert '"GET /api/v1/auth/me HTTP/1.1" 200' in line
    assert token not in log and "token=" not in log


def test_the_container_starts_daphne_without_its_raw_access_log():
    from config import serve

    entrypoint = (PROJECT_ROOT / "docker" / "entrypoint.sh").read_text()
    assert "exec python -m config.serve" in entrypoint
    for command in serve.commands(port=8000, processes=2, interface="127.0.0.1", backlog=1024):
        assert " ".join(PRODUCTION_DAPHNE_ARGS) in " ".join(command)


def test_json_lines_carry_exactly_the_known_fields_and_a_scrubbed_exception():
    try:
        raise ValueError("bad token=s3cr3t-value")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("chat", logging.ERROR, __file__, 1, "failed %s", ("x",), exc_info)
    record.request_id, record.user_id, record.node_id = "req-1", 7, "n1"
    record.status_code, record.request = 500, "GET /x?token=s3cr3t-value"  # Django's extras
    record.params = ("s3cr3t-value",)  # django.db.backends' extra

    line = json.loads(JsonFormatter().format(record))

    assert list(line) == [
        *("timestamp", "level", "logger", "message", "request_id", "user_id", "node_id"),
        *("status_code", "exception"),
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["timestamp"])
    assert (line["level"], line["logger"], line["message"]) == ("ERROR", "chat", "failed x")
    assert (line["request_id"], line["user_id"], line["node_id"]) == ("req-1", 7, "n1")
    assert "ValueError" in line["exception"] and "s3cr3t-value" not in json.dumps(line)
