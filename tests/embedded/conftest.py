"""The embedded default as a person gets it: a bare copy of the checkout, daphne on SQLite."""

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.servers import PROJECT_ROOT
from tests.waiting import wait_until

SKIP = shutil.ignore_patterns(
    ".venv", ".git", "db.sqlite3*", "__pycache__", "staticfiles", "var", "media", "artifacts"
)


@pytest.fixture
def bare_checkout(tmp_path: Path) -> Path:
    target = tmp_path / "parley"
    shutil.copytree(PROJECT_ROOT, target, ignore=SKIP)
    return target


def bare_env(checkout: Path) -> dict[str, str]:
    """No settings at all: only what finding the interpreter needs."""
    return {"PATH": os.environ["PATH"], "HOME": str(checkout)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def embedded_node(checkout: Path) -> Iterator[str]:
    """daphne as README runs it, on a free port; yields its base URL once /health answers."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "config.daphne", "-b", "127.0.0.1", "-p", str(port),
         "config.asgi:application"],
        cwd=checkout,
        env=bare_env(checkout),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:

        def answering() -> bool:
            try:
                httpx.get(f"{base}/health", timeout=2)
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()
                return False
            return True

        wait_until(answering, what="daphne to start", interval=0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
