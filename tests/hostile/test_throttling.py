"""Rate limits an attacker cannot step around by claiming another address.

The per-address limits on login, signup and refresh (THROTTLE_AUTH_IP) count the address the
server saw: REMOTE_ADDR, which daphne fills from nginx's X-Real-IP in production
(`--proxy-headers --proxy-headers-host X-Real-IP`). A client's own X-Forwarded-For is not
an identity: otherwise a new made-up address per request would never be throttled.
"""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import error_of

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
AUTH_IP_LIMIT = 30  # THROTTLE_AUTH_IP's default, per minute


def test_login_attempts_from_one_address_are_throttled_whatever_x_forwarded_for_says(api_client):
    statuses = [
        api_client.post(
            LOGIN,
            {"username": f"sprayed-{n}", "password": "Winter2026!"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(AUTH_IP_LIMIT + 1)
    ]

    assert statuses[:AUTH_IP_LIMIT] == [401] * AUTH_IP_LIMIT
    assert statuses[AUTH_IP_LIMIT] == 429


def test_signups_from_one_address_are_throttled_whatever_x_forwarded_for_says(api_client):
    responses = [
        api_client.post(
            "/api/v1/auth/signup",
            {"username": f"bot{n}"},  # refused (no password): counted all the same
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 10.0.0.{n}",
        )
        for n in range(AUTH_IP_LIMIT + 1)
    ]

    error_of(responses[-1], 429, "throttled")


@pytest.mark.multinode
def test_behind_nginx_the_limit_follows_the_real_client_not_its_claims(daphne_nodes, nginx_proxy):
    # The production command line (docker/entrypoint.sh): the client address comes from
    # nginx's X-Real-IP, which nginx always overwrites.
    node = daphne_nodes(
        "behind-proxy", daphne_args=("--proxy-headers", "--proxy-headers-host", "X-Real-IP")
    )
    proxy = nginx_proxy([node])

    def attempt(client: httpx.Client, n: int) -> int:
        return client.post(
            f"{proxy.url}{LOGIN}",
            json={"username": f"sprayed-{n}", "password": "Winter2026!"},
            headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"192.0.2.{n}"},
        ).status_code

    with httpx.Client(timeout=10) as attacker:
        statuses = [attempt(attacker, n) for n in range(AUTH_IP_LIMIT + 1)]
    # Another real client (another loopback source address) has its own allowance.
    other_address = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(timeout=10, transport=other_address) as neighbour:
        neighbour_status = attempt(neighbour, 999)

    assert statuses[:AUTH_IP_LIMIT] == [401] * AUTH_IP_LIMIT
    assert statuses[AUTH_IP_LIMIT] == 429
    assert neighbour_status == 401
