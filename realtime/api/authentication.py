from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from config.errors import Forbidden
from realtime import actions


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>` or `X-Api-Key: <key>`, for server-to-server publishers."""

    keyword = "Api-Key"

    def authenticate(self, request: Request):
        header = request.headers.get("Authorization", "")
        raw = header[len(self.keyword) + 1 :] if header.startswith(f"{self.keyword} ") else None
        raw = raw or request.headers.get("X-Api-Key")
        if not raw:
            return None
        try:
            api_key = actions.authenticate_api_key(raw.strip())
        except Forbidden as exc:
            raise AuthenticationFailed(exc.message) from exc
        return (None, api_key)

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
