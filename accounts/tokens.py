"""The JWTs Parley hands out. Each login is one device, named by a claim in its refresh
token: simplejwt copies custom refresh claims into every access token it makes from it
(`RefreshToken.access_token`) and rotation keeps the payload (only jti, exp and iat change),
so the device id follows the login through every refresh."""

import uuid

from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.tokens import RefreshToken, Token

DEVICE_CLAIM = "device"


class DeviceRefreshToken(RefreshToken):
    """A refresh token for a new login, with a fresh device id.

    The claim is set as the token is made, so the outstanding-token row simplejwt writes in
    `for_user` already holds it.
    """

    def __init__(self, token: str | None = None, verify: bool = True) -> None:
        super().__init__(token, verify)
        if token is None:
            self[DEVICE_CLAIM] = uuid.uuid4().hex


def _device_in(claims) -> str | None:
    device = claims.get(DEVICE_CLAIM)
    return device if isinstance(device, str) and device else None


def device_of(token: Token | None) -> str | None:
    """The device id of a verified token; None for a session or a token from before."""
    return _device_in(token) if token is not None else None


def stored_device_of(raw: str) -> str | None:
    """The device id in a refresh token as the outstanding-token table stores it (tokens this
    server signed, so the signature is not checked again)."""
    try:
        payload = token_backend.decode(raw, verify=False)
    except TokenBackendError:
        return None
    return _device_in(payload)
