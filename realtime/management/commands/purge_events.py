from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from realtime.models import StoredEvent, TopicPublication, UserPublication


class Command(BaseCommand):
    help = (
        "Delete stored events older than the retention (EVENT_RETENTION_DAYS, default 7) in "
        "batches. Channel counters are never touched, so event ids keep increasing and a "
        "client resuming from a purged id gets a stream-reset. Run it daily (cron, or a "
        "scheduled job); it is safe on a live system and on several nodes at once. Publish "
        "idempotency keys (Idempotency-Key, ingested bus ids) older than the retention go too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="DAYS",
            help="override the retention for this run (whole days, at least 0)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="rows deleted per statement, each in its own short transaction (default 5000)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted; delete nothing"
        )

    def handle(
        self, *args, older_than: int | None, batch_size: int, dry_run: bool, **options
    ) -> None:
        if older_than is not None and older_than < 0:
            raise CommandError("--older-than must be 0 or more days")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        retention = (
            timedelta(days=older_than) if older_than is not None else settings.EVENT_RETENTION
        )
        cutoff = timezone.now() - retention
        expired = StoredEvent.objects.filter(created_at__lt=cutoff)
        if not dry_run:
            # A key only has to outlive its event: a retry that late would find no event to
            # match anyway. Small tables, one statement each.
            keys = sum(
                model.objects.filter(created_at__lt=cutoff).delete()[0]
                for model in (TopicPublication, UserPublication)
            )
            self.stdout.write(f"forgot {keys} publish key(s) older than the retention")
        if dry_run:
            count = expired.count()
            self.stdout.write(
                f"dry run: would delete {count} event(s) created before {cutoff:%Y-%m-%d %H:%M} UTC"
            )
            return
        total = 0
        while True:
            # Small batches by primary key keep each delete's locks and WAL short, so appends
            # on a live system are never stalled behind one huge DELETE.
            batch = list(expired.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not batch:
                break
            deleted, _ = StoredEvent.objects.filter(pk__in=batch).delete()
            total += deleted
            self.stdout.write(f"deleted {total} event(s) so far")
        self.stdout.write(
            self.style.SUCCESS(
                f"purged {total} event(s) created before {cutoff:%Y-%m-%d %H:%M} UTC"
            )
        )
