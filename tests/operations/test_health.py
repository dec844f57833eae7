import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Port 9 (discard) is closed on loopback: connections are refused at once.
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_health_is_ok_with_database_and_redis(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"] == {"database": "ok", "redis": "ok"}
    assert body["node"] == settings.NODE_ID
    assert response["X-Parley-Node"] == settings.NODE_ID


def test_health_is_503_naming_redis_when_redis_is_unreachable(client, settings):
    settings.CACHES = UNREACHABLE_REDIS
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("down")


def test_readiness_checks_the_channel_layer(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["channel_layer"] == "ok"


def test_metrics_are_exposed(client):
    client.get("/health")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_view_transport_method_total" in response.content


def test_health_checks_move_the_dependency_gauges(client, settings):
    from prometheus_client import REGISTRY

    client.get("/health")
    assert REGISTRY.get_sample_value("parley_dependency_up", {"dependency": "redis"}) == 1
    settings.CACHES = UNREACHABLE_REDIS
    client.get("/health")
    assert REGISTRY.get_sample_value("parley_dependency_up", {"dependency": "redis"}) == 0


def test_login_outcomes_are_counted(client, alice):
    from prometheus_client import REGISTRY

    def value(outcome: str, method: str) -> float:
        labels = {"outcome": outcome, "method": method}
        return REGISTRY.get_sample_value("parley_auth_attempts_total", labels) or 0

    failures, jwt_logins = value("failure", "password"), value("success", "jwt")
    client.post(
        "/api/v1/auth/login", {"username": "alice", "password": "wrong"}, "application/json"
    )
    client.post(
        "/api/v1/auth/login",
        {"username": "alice", "password": "correct-horse-battery-staple"},
        "application/json",
    )
    assert value("failure", "password") == failures + 1
    assert value("success", "jwt") == jwt_logins + 1
