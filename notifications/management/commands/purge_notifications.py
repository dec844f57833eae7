"""Delete notifications older than N days (their deliveries go with them)."""

from argparse import ArgumentParser
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.models import Delivery, Notification

BATCH = 5000


class Command(BaseCommand):
    help = "Delete notifications created more than --older-than days ago."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--older-than", type=int, required=True, help="days")
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, older_than: int, dry_run: bool, **options) -> None:
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        cutoff = timezone.now() - timedelta(days=older_than)
        old = Notification.objects.filter(created_at__lt=cutoff)
        if dry_run:
            self.stdout.write(f"Would delete {old.count()} notification(s) older than {cutoff}.")
            return
        total = 0
        # In batches: a long retention backlog must not become one giant transaction.
        while True:
            ids = list(old.order_by("id").values_list("id", flat=True)[:BATCH])
            if not ids:
                break
            Delivery.objects.filter(notification_id__in=ids).delete()
            deleted, _ = Notification.objects.filter(pk__in=ids).delete()
            total += deleted
        self.stdout.write(f"Deleted {total} notification(s) older than {cutoff}.")
