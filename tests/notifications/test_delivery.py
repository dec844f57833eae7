"""How delivery attempts end: sent, retried with backoff, dead, skipped (fake gateways)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from chat import actions as chat_actions
from notifications import actions
from notifications.delivery.actions import dispatch_due
from notifications.models import (
    Delivery,
    DeliveryDailyStat,
    DeliveryStatus,
    Notification,
)
from tests.chat.helpers import send
from tests.notifications.helpers import T0, deliveries_of, queued_jobs, run_due_jobs, with_sms

pytestmark = pytest.mark.django_db

# --- attempts -------------------------------------------------------------------


def test_flaky_provider_ends_sent_after_retries_with_backoff(clock, alice, bob, chat, fake_sms):
    fake_sms.reset(failures=2)
    with_sms(bob)
    send(alice, chat, "ping")
    (delivery,) = deliveries_of(bob)

    assert run_due_jobs() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    first_wait = delivery.next_attempt_at - T0
    assert timedelta(seconds=8) <= first_wait <= timedelta(seconds=12)  # 10 s ± 20 %
    assert "503" in delivery.last_error
    assert [job.run_after for job in queued_jobs()] == [delivery.next_attempt_at]

    clock.shift(first_wait - timedelta(seconds=3))
    assert run_due_jobs() == 0  # not before its time
    clock.move_to(delivery.next_attempt_at)
    assert run_due_jobs() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    second_wait = delivery.next_attempt_at - datetime.now(UTC)
    assert timedelta(seconds=48) <= second_wait <= timedelta(seconds=72)  # 60 s ± 20 %

    clock.move_to(delivery.next_attempt_at)
    assert run_due_jobs() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert delivery.attempts == 3
    assert delivery.provider_message_id == "fake-3"
    assert delivery.next_attempt_at is None
    assert len(fake_sms.calls) == 3
    assert fake_sms.calls[0][1].sms_number == "+14155550100"
    assert Notification.objects.get(recipient=bob).delivered_at is not None
    stats = DeliveryDailyStat.objects.get(channel="sms", day=T0.date())
    assert (stats.sent, stats.failed, stats.dead) == (1, 2, 0)


def test_retrying_status_while_a_retry_attempt_is_in_flight(clock, alice, bob, chat, settings):
    """A provider that looks at its own delivery mid-send sees `retrying` on a retry."""
    seen: list[str] = []

    class Peeking:
        def send(self, message):
            seen.append(Delivery.objects.get(pk=message.delivery_id).status)
            if len(seen) == 1:
                from notifications.providers import TransientDeliveryError

                raise TransientDeliveryError("first try fails")
            from notifications.providers import SendResult

            return SendResult(provider_message_id="ok")

    import tests.notifications.test_delivery as this_module

    this_module.Peeking = Peeking
    settings.DELIVERY_PROVIDERS = {
        **settings.DELIVERY_PROVIDERS,
        "sms": "tests.notifications.test_delivery.Peeking",
    }
    settings.DELIVERY_SMS_DELAY_SECONDS = 0
    with_sms(bob)
    send(alice, chat)
    run_due_jobs()
    clock.move_to(deliveries_of(bob)[0].next_attempt_at)
    run_due_jobs()

    assert seen == ["pending", "retrying"]
    assert deliveries_of(bob)[0].status == "sent"


def test_permanent_failure_is_dead_at_once(clock, alice, bob, chat, settings, recorder):
    settings.DELIVERY_PROVIDERS = {
        **settings.DELIVERY_PROVIDERS,
        "sms": "tests.notifications.fakes.RejectingProvider",
    }
    settings.DELIVERY_SMS_DELAY_SECONDS = 0
    with_sms(bob)
    send(alice, chat)

    run_due_jobs()

    (delivery,) = deliveries_of(bob)
    assert (delivery.status, delivery.attempts) == ("dead", 1)
    assert "21211" in delivery.last_error
    assert queued_jobs() == []
    assert DeliveryDailyStat.objects.get(channel="sms").dead == 1


def test_transient_failures_end_dead_after_max_attempts(
    clock, alice, bob, chat, fake_sms, settings
):
    settings.DELIVERY_MAX_ATTEMPTS = 3
    fake_sms.reset(failures=99)
    with_sms(bob)
    send(alice, chat)

    for _ in range(3):
        run_due_jobs()
        delivery = deliveries_of(bob)[0]
        if delivery.next_attempt_at:
            clock.move_to(delivery.next_attempt_at)

    delivery = deliveries_of(bob)[0]
    assert (delivery.status, delivery.attempts) == ("dead", 3)
    assert delivery.last_error.startswith("Gave up after 3 attempts")
    assert "503" in delivery.last_error
    assert queued_jobs() == []


def test_email_is_sent_with_text_and_html(clock, alice, bob, chat, mailoutbox, settings):
    settings.SITE_URL = "https://chat.example.com"
    send(alice, chat, "Are you coming?")
    clock.shift(timedelta(seconds=settings.DELIVERY_EMAIL_DELAY_SECONDS))

    run_due_jobs()

    (email,) = mailoutbox
    assert email.to == [bob.email]
    assert email.subject == "Alice · Parley"
    assert "Are you coming?" in email.body
    assert f"https://chat.example.com/c/{chat.pk}" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "Are you coming?" in html
    delivery = deliveries_of(bob)[0]
    assert delivery.status == "sent"
    assert delivery.provider_message_id == email.extra_headers["Message-ID"]


def test_email_is_skipped_when_read_in_app_first(clock, alice, bob, chat, mailoutbox, settings):
    message = send(alice, chat, "read me in the app")
    clock.shift(timedelta(seconds=60))
    chat_actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)
    clock.shift(timedelta(seconds=settings.DELIVERY_EMAIL_DELAY_SECONDS))

    run_due_jobs()

    assert mailoutbox == []
    delivery = deliveries_of(bob)[0]
    assert delivery.status == "skipped"
    assert delivery.attempts == 0
    assert "Read in-app" in delivery.last_error


def test_channel_turned_off_after_planning_is_skipped(
    clock, alice, bob, chat, mailoutbox, settings
):
    send(alice, chat)
    actions.update_preferences(user=bob, channels={"message.new": {"email": False}})
    clock.shift(timedelta(seconds=settings.DELIVERY_EMAIL_DELAY_SECONDS))

    run_due_jobs()

    assert mailoutbox == []
    assert deliveries_of(bob)[0].status == "skipped"


def test_worker_survives_a_crashing_provider_without_losing_the_job(
    clock, alice, bob, carol, team, settings, recorder
):
    settings.DELIVERY_PROVIDERS = {
        **settings.DELIVERY_PROVIDERS,
        "sms": "tests.notifications.fakes.CrashingProvider",
    }
    settings.DELIVERY_SMS_DELAY_SECONDS = 0
    recorder.reset(failures=1)
    with_sms(bob, "+14155550101")
    with_sms(carol, "+14155550102")
    send(alice, team.conversation)

    assert run_due_jobs() == 1  # one job for both deliveries

    # The job finished cleanly (the worker saw no exception) and a retry is queued.
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1
    assert not DBTaskResult.objects.filter(status="FAILED").exists()
    crashed, delivered = sorted(Delivery.objects.filter(channel="sms"), key=lambda d: d.status)
    assert (crashed.status, delivered.status) == ("failed", "sent")
    assert "ZeroDivisionError" in crashed.last_error
    assert "Traceback" in crashed.last_error  # the full error is kept
    clock.move_to(crashed.next_attempt_at)
    assert run_due_jobs() == 1
    crashed.refresh_from_db()
    assert crashed.status == "sent"


def test_retry_falling_in_quiet_hours_waits_without_spending_an_attempt(alice, bob, chat, fake_sms):
    fake_sms.reset(failures=1)
    with_sms(bob)
    actions.update_preferences(
        user=bob,
        quiet_hours=(datetime(2000, 1, 1, 22).time(), datetime(2000, 1, 1, 7).time()),
        time_zone="UTC",
    )
    almost_night = datetime(2026, 3, 2, 21, 59, 55, tzinfo=UTC)
    with time_machine.travel(almost_night, tick=False) as clock:
        send(alice, chat)
        run_due_jobs()
        delivery = deliveries_of(bob)[0]
        assert delivery.status == "failed"
        clock.move_to(delivery.next_attempt_at)  # now 22:00:0x, inside quiet hours
        run_due_jobs()
        delivery.refresh_from_db()
        assert delivery.attempts == 1
        assert delivery.next_attempt_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
        clock.move_to(delivery.next_attempt_at)
        run_due_jobs()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_deleted_message_takes_its_waiting_deliveries_along(clock, alice, bob, chat):
    message = send(alice, chat)

    chat_actions.delete_message(user=alice, message_id=message.pk)

    assert not Delivery.objects.filter(
        notification__message_id=message.pk, notification__type="message.new"
    ).exists()
    clock.shift(timedelta(hours=1))
    run_due_jobs()  # the job finds nothing to do and does not fail
    assert DBTaskResult.objects.filter(status="FAILED").count() == 0


def test_dispatch_requeues_a_delivery_whose_worker_died(
    clock, alice, bob, chat, fake_sms, settings
):
    with_sms(bob)
    send(alice, chat)
    # A worker claimed it (lease) and died mid-send: no job left, the lease runs out.
    delivery = deliveries_of(bob)[0]
    DBTaskResult.objects.all().delete()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.RETRYING,
        attempts=1,
        next_attempt_at=T0 + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS),
    )

    assert dispatch_due() == 0  # lease still running
    clock.shift(
        timedelta(
            seconds=settings.DELIVERY_LEASE_SECONDS + settings.DELIVERY_DISPATCH_GRACE_SECONDS + 1
        )
    )
    assert dispatch_due() == 1
    run_due_jobs()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_a_duplicate_job_does_not_send_twice(clock, alice, bob, chat, fake_sms):
    with_sms(bob)
    send(alice, chat)
    delivery = deliveries_of(bob)[0]
    from notifications.tasks import send_deliveries

    send_deliveries.enqueue([delivery.pk])  # e.g. dispatch raced the original job

    run_due_jobs()

    assert len(fake_sms.calls) == 1
