"""TASKS_BACKEND=ImmediateBackend (no worker): due deliveries go after commit, later ones
(delays, retries) when `deliveries dispatch` runs."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from notifications import actions
from tests.chat.helpers import send
from tests.notifications.helpers import T0, deliveries_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_due_delivery_is_sent_right_after_commit(
    immediate, alice, bob, chat, fake_sms, django_capture_on_commit_callbacks
):
    actions.update_preferences(
        user=bob, sms_number="+14155550100", channels={"message.new": {"sms": True}}
    )

    with django_capture_on_commit_callbacks(execute=True):
        send(alice, chat)
        assert fake_sms.calls == []  # nothing leaves before the transaction commits

    sms = deliveries_of(bob, "sms")[0]
    assert sms.status == "sent"
    assert not DBTaskResult.objects.exists()


def test_deferred_and_retried_deliveries_wait_for_dispatch(
    immediate, alice, bob, chat, fake_sms, mailoutbox, settings, django_capture_on_commit_callbacks
):
    fake_sms.reset(failures=1)
    actions.update_preferences(
        user=bob, sms_number="+14155550100", channels={"message.new": {"sms": True}}
    )
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            send(alice, chat)
        sms = deliveries_of(bob, "sms")[0]
        assert sms.status == "failed"  # tried after commit, retry due in ~10 s
        assert mailoutbox == []  # the email waits for its read grace

        clock.shift(timedelta(seconds=settings.DELIVERY_EMAIL_DELAY_SECONDS))
        with django_capture_on_commit_callbacks(execute=True):
            call_command("deliveries", "dispatch")

    assert [d.status for d in deliveries_of(bob)] == ["sent", "sent"]
    assert len(mailoutbox) == 1
