"""The Content-Security-Policy (django-csp, CONTENT_SECURITY_POLICY in settings)."""

import pytest

from config.lean import CONTENT_SECURITY_POLICY

# The policy as config/csp.py wrote it before django-csp; the directives' order is django-csp's.
DIRECTIVES = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


@pytest.mark.django_db
def test_django_responses_carry_the_policy_the_lean_path_sends(client):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert set(policy.split("; ")) == DIRECTIVES
    assert policy == CONTENT_SECURITY_POLICY.decode()


@pytest.mark.django_db
def test_swagger_ui_keeps_its_own_page(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
