"""Local HTTP servers that play the outside world in tests: a Web Push service, an SMS gateway.

Real sockets and real HTTP: the providers under test cannot tell them from the real thing.
"""

import base64
import json
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from py_vapid.utils import b64urldecode, b64urlencode


@dataclass
class Received:
    """One request; header names lower-cased."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    """Records every request; answers from `replies` (path → [(status, body)]), else 201."""

    received: list[Received] = field(default_factory=list)
    replies: dict[str, list[tuple[int, dict]]] = field(default_factory=dict)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LocalServer":
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                owner.received.append(
                    Received(
                        self.path,
                        {key.lower(): value for key, value in self.headers.items()},
                        self.rfile.read(length),
                    )
                )
                queue = owner.replies.get(self.path) or []
                status, body = queue.pop(0) if queue else (201, {"sid": f"SM{len(owner.received)}"})
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Location", f"{owner.url}/messages/{len(owner.received)}")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class BrowserKeys:
    """What a browser keeps for one push subscription: its ECDH key and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @classmethod
    def new(cls) -> "BrowserKeys":
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64urlencode(point)

    @property
    def auth(self) -> str:
        return b64urlencode(self.auth_secret)

    def decrypt(self, body: bytes) -> dict:
        """Decrypt an aes128gcm push message (RFC 8291) as the browser would."""
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return json.loads(plain)


def vapid_claims(authorization: str, *, public_key: str) -> dict:
    """Check a `vapid t=…,k=…` header as a push service does; return the JWT claims."""
    assert Vapid02.verify(authorization), "bad VAPID signature"
    parts = dict(item.split("=", 1) for item in authorization.split(" ", 1)[1].split(","))
    assert parts["k"] == public_key, "signed with another key"
    payload = parts["t"].split(".")[1]
    return json.loads(b64urldecode(payload.encode()))


def form(body: bytes) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(body.decode()).items()}


def basic_auth(header: str) -> tuple[str, str]:
    user, _, password = base64.b64decode(header.split(" ", 1)[1]).decode().partition(":")
    return user, password
