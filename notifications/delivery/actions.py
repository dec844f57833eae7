"""Operating the queue: retrying dead letters, discarding them, sweeping for lost jobs."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from notifications.delivery.queue import schedule
from notifications.models import Delivery, DeliveryDailyStat, DeliveryStatus
from notifications.models.delivery import OPEN_STATUSES


def retry_deliveries(*, deliveries: QuerySet | Iterable[Delivery]) -> int:
    """Give dead (or skipped) deliveries a fresh set of attempts, due now.

    Open and sent deliveries are left alone. Returns how many were requeued.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=[getattr(row, "pk", row) for row in deliveries])
            .filter(status__in=[DeliveryStatus.DEAD, DeliveryStatus.SKIPPED])
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now
        )
        schedule((delivery_id, now) for delivery_id in ids)
    return len(ids)


def retry_dead(*, channel: str | None = None) -> int:
    """Requeue every dead letter (of one channel)."""
    dead = Delivery.objects.filter(status=DeliveryStatus.DEAD)
    if channel:
        dead = dead.filter(channel=channel)
    return retry_deliveries(deliveries=dead.values_list("pk", flat=True))


def discard_deliveries(*, deliveries: QuerySet) -> int:
    """Delete dead letters for good (the daily statistics keep counting them)."""
    deleted, _ = deliveries.filter(status=DeliveryStatus.DEAD).delete()
    return deleted


def purge_deliveries(*, statuses: list[str], older_than: timedelta) -> int:
    """Delete closed deliveries (sent, skipped, dead) last changed before `older_than` ago."""
    closed = [status for status in statuses if status not in OPEN_STATUSES]
    cutoff = timezone.now() - older_than
    deleted, _ = Delivery.objects.filter(status__in=closed, updated_at__lt=cutoff).delete()
    return deleted


def dispatch_due(*, now: datetime | None = None) -> int:
    """Queue open deliveries whose time has passed without a job running them.

    With the database backend every delivery has its job; this finds those whose
    job was lost (a worker killed mid-send, its lease run out), so it waits
    DELIVERY_DISPATCH_GRACE_SECONDS past the due time. With a backend that cannot
    defer (immediate) it is how deferred deliveries get sent at all.
    """
    from notifications.tasks import send_deliveries

    now = now or timezone.now()
    grace = timedelta(seconds=settings.DELIVERY_DISPATCH_GRACE_SECONDS)
    if not send_deliveries.get_backend().supports_defer:
        grace = timedelta(0)
    due = list(
        Delivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now - grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: settings.DELIVERY_BATCH_SIZE * 20]
    )
    with transaction.atomic():
        schedule((delivery_id, now) for delivery_id in due)
    return len(due)


def daily_stats(*, since: date) -> QuerySet:
    """Outcomes per day and channel, newest day first."""
    return DeliveryDailyStat.objects.filter(day__gte=since).order_by("-day", "channel")


def totals_by_channel(*, since: date) -> dict[str, dict[str, int]]:
    rows = (
        DeliveryDailyStat.objects.filter(day__gte=since)
        .values("channel")
        .annotate(sent=Sum("sent"), failed=Sum("failed"), dead=Sum("dead"), skipped=Sum("skipped"))
    )
    return {row.pop("channel"): row for row in rows}
