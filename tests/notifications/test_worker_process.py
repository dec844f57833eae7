"""End to end: `manage.py db_worker` as a real process sends what the API caused.

A message sent through chat's REST API to an offline user becomes a notification,
an email in a file outbox and a Web Push request at a local HTTP server playing the
push service (which fails once first: the worker retries and stays up).
"""

import os
import signal
import subprocess
import sys
import uuid
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from notifications.models import Delivery, Notification
from tests.helpers import client_for
from tests.notifications.servers import BrowserKeys, LocalServer, vapid_claims
from tests.servers import PROJECT_ROOT, database_url_from_settings, log_tail
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, *, timeout: float, worker: subprocess.Popen, log: Path) -> None:
    """Wait for `condition` while the worker runs; fail at once if it exits."""

    def met() -> bool:
        assert worker.poll() is None, f"worker exited:\n{log_tail(log)}"
        return condition()

    wait_until(
        met,
        what=lambda: (
            f"the worker; deliveries {list(Delivery.objects.values_list('channel', 'status'))}; "
            f"worker log:\n{log_tail(log)}"
        ),
        timeout=timeout,
        interval=0.2,
    )


@pytest.fixture
def push_service():
    server = LocalServer().start()
    yield server
    server.stop()


def test_worker_process_sends_email_and_web_push_for_an_api_message(
    tmp_path, settings, alice, bob, push_service, vapid_keys
):
    # Planning happens in this (the web) process: no delays, so both channels are due now.
    settings.DELIVERY_EMAIL_DELAY_SECONDS = 0
    settings.DELIVERY_PUSH_DELAY_SECONDS = 0
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    browser = BrowserKeys.new()
    bob_client = client_for(bob)
    registered = bob_client.post(
        "/api/v1/notifications/push-subscriptions",
        {
            "endpoint": f"{push_service.url}/push/bob",
            "keys": {"p256dh": browser.p256dh, "auth": browser.auth},
        },
        format="json",
    )
    assert registered.status_code == 201
    # The push service is overloaded once: a transient failure the worker must survive.
    push_service.replies["/push/bob"] = [(503, {"error": "try later"})]

    alice_client = client_for(alice)
    conversation = alice_client.post("/api/v1/conversations", {"user_id": bob.pk}, format="json")
    sent = alice_client.post(
        f"/api/v1/conversations/{conversation.json()['id']}/messages",
        {"body": "Dinner at eight?", "client_id": str(uuid.uuid4())},
        format="json",
    )
    assert sent.status_code == 201, sent.content
    notification = Notification.objects.get(recipient=bob, type="message.new")
    assert set(notification.deliveries.values_list("channel", flat=True)) == {"email", "push"}

    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_from_settings(),
        # Four slashes: django-environ drops the first one of the path.
        "EMAIL_URL": f"filemail:///{outbox}",
        "VAPID_PUBLIC_KEY": settings.VAPID_PUBLIC_KEY,
        "VAPID_PRIVATE_KEY": settings.VAPID_PRIVATE_KEY,
        "VAPID_SUBJECT": settings.VAPID_SUBJECT,
        "DELIVERY_RETRY_DELAYS": "1",
        "SITE_URL": "https://parley.example.com",
        "DEBUG": "1",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    with log.open("wb") as log_file:
        worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.2",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: any(outbox.iterdir()), timeout=60, worker=worker, log=log)
        wait_for(
            lambda: not Delivery.objects.exclude(status="sent").exists(),
            timeout=60,
            worker=worker,
            log=log,
        )
        assert worker.poll() is None, "the worker must keep running"
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    # The email, rendered by the worker from the templates, in the file outbox.
    (email_file,) = outbox.iterdir()
    email = message_from_bytes(email_file.read_bytes(), policy=policy.default)
    assert email["To"] == bob.email
    assert email["Subject"] == "Alice · Parley"
    parts = {
        kind: email.get_body(preferencelist=(kind,)).get_content() for kind in ("plain", "html")
    }
    assert "Dinner at eight?" in parts["plain"]
    assert "Dinner at eight?" in parts["html"]
    assert f"https://parley.example.com/c/{conversation.json()['id']}" in parts["plain"]

    # Web push: refused once (503), then accepted; signed with VAPID and readable by the browser.
    assert [request.path for request in push_service.received] == ["/push/bob", "/push/bob"]
    final = push_service.received[-1]
    assert vapid_claims(final.headers["authorization"], public_key=vapid_keys)["aud"] == (
        push_service.url
    )
    assert browser.decrypt(final.body)["body"] == "Dinner at eight?"

    push = Delivery.objects.get(channel="push")
    assert (push.status, push.attempts) == ("sent", 2)
    assert push.provider_message_id.startswith(push_service.url)
    email_delivery = Delivery.objects.get(channel="email")
    assert (email_delivery.status, email_delivery.attempts) == ("sent", 1)
    notification.refresh_from_db()
    assert notification.delivered_at is not None
