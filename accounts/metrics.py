"""Authentication outcomes for Prometheus (documented in README, "Metrics")."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from prometheus_client import Counter

AUTH_ATTEMPTS = Counter(
    "parley_auth_attempts_total", "Login attempts by outcome and method", ["outcome", "method"]
)


@receiver(user_login_failed)
def count_failure(sender, credentials: dict, request=None, **kwargs) -> None:
    AUTH_ATTEMPTS.labels("failure", "password").inc()


@receiver(user_logged_in)
def count_session_login(sender, request, user, **kwargs) -> None:
    AUTH_ATTEMPTS.labels("success", "session").inc()


def count_token_login() -> None:
    AUTH_ATTEMPTS.labels("success", "jwt").inc()
