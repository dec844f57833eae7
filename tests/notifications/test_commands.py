"""purge_notifications and `deliveries purge|stats|dispatch`."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from notifications.delivery.stats import record_outcome
from notifications.models import Delivery, Notification
from tests.factories import DeliveryFactory, NotificationFactory
from tests.notifications.helpers import queued_jobs

pytestmark = pytest.mark.django_db


def test_purge_notifications_deletes_old_ones_with_their_deliveries(capsys):
    old = NotificationFactory(created_at=timezone.now() - timedelta(days=40))
    DeliveryFactory(notification=old, status="sent")
    recent = NotificationFactory(created_at=timezone.now() - timedelta(days=5))

    call_command("purge_notifications", "--older-than", "30")

    assert list(Notification.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Delivery.objects.exists()
    assert "Deleted 1 notification(s)" in capsys.readouterr().out


def test_purge_notifications_dry_run_deletes_nothing(capsys):
    NotificationFactory.create_batch(2, created_at=timezone.now() - timedelta(days=40))

    call_command("purge_notifications", "--older-than", "30", "--dry-run")

    assert Notification.objects.count() == 2
    assert "Would delete 2 notification(s)" in capsys.readouterr().out


def test_purge_notifications_refuses_nonsense():
    with pytest.raises(CommandError):
        call_command("purge_notifications", "--older-than", "0")


def test_deliveries_purge_deletes_old_closed_ones_only():
    old = timezone.now() - timedelta(days=40)
    sent = DeliveryFactory(status="sent", updated_at=old)
    dead = DeliveryFactory(status="dead", updated_at=old)
    pending = DeliveryFactory(status="pending", updated_at=old)
    fresh = DeliveryFactory(status="sent")

    call_command("deliveries", "purge", "--older-than", "30", "--status", "sent")

    assert set(Delivery.objects.values_list("pk", flat=True)) == {dead.pk, pending.pk, fresh.pk}
    assert not Delivery.objects.filter(pk=sent.pk).exists()


def test_deliveries_stats_prints_per_channel_per_day(capsys):
    today = timezone.now().date()
    record_outcome(channel="push", outcome="sent", day=today)
    record_outcome(channel="push", outcome="failed", day=today)
    record_outcome(channel="email", outcome="dead", day=today)
    DeliveryFactory(status="dead")

    call_command("deliveries", "stats", "--days", "1")

    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["day", "channel", "sent", "failed", "dead"]
    assert f"{today.isoformat()} email 0 0 1" in [" ".join(line.split()) for line in out]
    assert f"{today.isoformat()} push 1 1 0" in [" ".join(line.split()) for line in out]
    assert out[-1] == "Now: dead=1"


def test_deliveries_dispatch_queues_only_overdue_open_deliveries(capsys, settings):
    overdue = timezone.now() - timedelta(seconds=settings.DELIVERY_DISPATCH_GRACE_SECONDS + 5)
    lost = DeliveryFactory(status="failed", next_attempt_at=overdue)
    DeliveryFactory(status="pending", next_attempt_at=timezone.now() + timedelta(minutes=5))
    DeliveryFactory(status="dead", next_attempt_at=None)

    call_command("deliveries", "dispatch")

    (job,) = queued_jobs()
    assert job.args_kwargs["args"] == [[lost.pk]]
    assert "Queued 1" in capsys.readouterr().out
