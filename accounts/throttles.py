from django.http import HttpRequest
from rest_framework.parsers import FormParser
from rest_framework.request import Request

from config.throttling import SimpleRateThrottle


class AuthIPThrottle(SimpleRateThrottle):
    """Caps login and signup attempts from one address."""

    scope = "auth_ip"

    def get_cache_key(self, request: Request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthUsernameThrottle(SimpleRateThrottle):
    """Caps attempts against one account, whatever address they come from."""

    scope = "auth_username"

    def get_cache_key(self, request: Request, view) -> str | None:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if not isinstance(username, str) or not username:
            return None
        return self.cache_format % {"scope": self.scope, "ident": username.lower()[:150]}


class PasswordResetEmailThrottle(SimpleRateThrottle):
    """Caps reset mails to one address, known or not (the same answer either way)."""

    scope = "password_reset"

    def get_cache_key(self, request: Request, view) -> str | None:
        email = request.data.get("email") if isinstance(request.data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": email.strip().lower()[:254]}


# The API's view and the web form (/password-reset/) both use these: one set of rates and
# one set of counters, so neither way round the other's limit.
PASSWORD_RESET_THROTTLES = (AuthIPThrottle, PasswordResetEmailThrottle)


def password_reset_allowed(request: HttpRequest) -> bool:
    """The web form's check against PASSWORD_RESET_THROTTLES, counted as the API counts."""
    form_request = Request(request, parsers=[FormParser()])
    # Every throttle counts the request, as DRF's check_throttles does (no short cut).
    verdicts = [
        throttle().allow_request(form_request, None) for throttle in PASSWORD_RESET_THROTTLES
    ]
    return all(verdicts)
