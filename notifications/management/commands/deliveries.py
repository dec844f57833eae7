"""Operate outbound deliveries: retry dead letters, purge old ones, statistics, sweep."""

import time
from argparse import ArgumentParser
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from notifications.delivery import actions
from notifications.models import Channel, Delivery, DeliveryStatus


class Command(BaseCommand):
    help = (
        "retry: requeue dead deliveries (or --id). purge: delete closed ones older than "
        "--older-than days. stats: outcomes per channel per day. dispatch: queue due "
        "deliveries whose job was lost (run it every minute, or with --loop)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        retry = sub.add_parser("retry", help="Requeue dead deliveries")
        retry.add_argument("--channel", choices=Channel.values)
        retry.add_argument("--id", type=int, action="append", dest="ids", help="only these")
        purge = sub.add_parser("purge", help="Delete closed deliveries")
        purge.add_argument("--older-than", type=int, default=30, help="days (default 30)")
        purge.add_argument(
            "--status",
            action="append",
            choices=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.DEAD],
            help="repeatable (default: sent, skipped and dead)",
        )
        stats = sub.add_parser("stats", help="Sent/failed/dead per channel per day")
        stats.add_argument("--days", type=int, default=7)
        dispatch = sub.add_parser("dispatch", help="Queue due deliveries without a job")
        dispatch.add_argument("--loop", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, subcommand: str, **options) -> None:
        getattr(self, f"do_{subcommand}")(**options)

    def do_retry(self, *, channel: str | None, ids: list[int] | None, **options) -> None:
        if ids:
            count = actions.retry_deliveries(deliveries=ids)
        else:
            count = actions.retry_dead(channel=channel)
        self.stdout.write(f"Requeued {count} delivery(ies).")

    def do_purge(self, *, older_than: int, status: list[str] | None, **options) -> None:
        if older_than < 0:
            raise CommandError("--older-than must be zero or more days.")
        statuses = status or [DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.DEAD]
        count = actions.purge_deliveries(statuses=statuses, older_than=timedelta(days=older_than))
        self.stdout.write(f"Deleted {count} delivery(ies).")

    def do_stats(self, *, days: int, **options) -> None:
        since = timezone.now().date() - timedelta(days=max(days, 1) - 1)
        self.stdout.write(f"{'day':<12}{'channel':<8}{'sent':>8}{'failed':>8}{'dead':>8}")
        for row in actions.daily_stats(since=since):
            self.stdout.write(
                f"{row.day.isoformat():<12}{row.channel:<8}{row.sent:>8}{row.failed:>8}{row.dead:>8}"
            )
        now_by_status = dict(
            Delivery.objects.values("status").annotate(n=Count("id")).values_list("status", "n")
        )
        summary = ", ".join(f"{key}={value}" for key, value in sorted(now_by_status.items()))
        self.stdout.write(f"Now: {summary or 'no deliveries'}")

    def do_dispatch(self, *, loop: float, **options) -> None:
        while True:
            count = actions.dispatch_due()
            if count or not loop:
                self.stdout.write(f"Queued {count} due delivery(ies).")
            if not loop:
                return
            time.sleep(loop)
