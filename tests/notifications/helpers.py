"""Running queued jobs as `manage.py db_worker` does, inside the test's transaction."""

from datetime import UTC, datetime

from django.db import transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from notifications import actions
from notifications.models import Delivery, Notification

# The `clock` fixture's start: a Monday morning, UTC.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def worker() -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def run_due_jobs(limit: int = 100) -> int:
    """Claim and run every job that is due now, as db_worker's loop does (minus its
    connection recycling, which would drop the test's transaction). Returns how many ran."""
    runner = worker()
    ran = 0
    while ran < limit:
        with transaction.atomic():
            job = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if job is None:
                return ran
            job.claim(runner.worker_id)
        runner.run_task(job)
        ran += 1
    raise AssertionError("jobs keep coming: a retry loop?")


def queued_jobs() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(status="READY").order_by("run_after"))


def notifications_of(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def types_of(user) -> list[str]:
    return [notification.type for notification in notifications_of(user)]


def deliveries_of(user, channel: str | None = None, *, kind: str | None = None) -> list[Delivery]:
    rows = Delivery.objects.filter(notification__recipient=user).order_by("id")
    if channel:
        rows = rows.filter(channel=channel)
    if kind:
        rows = rows.filter(notification__type=kind)
    return list(rows)


def with_sms(user, number: str = "+14155550100") -> None:
    """`user` takes new-message notifications by SMS (and not by email)."""
    actions.update_preferences(
        user=user,
        sms_number=number,
        channels={"message.new": {"sms": True, "email": False}},
    )
