"""Delete uploads that were never sent with a message (orphans), files and rows."""

from argparse import ArgumentParser
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chat.actions.attachments import purge_orphans


class Command(BaseCommand):
    help = (
        "Delete attachments uploaded more than --older-than hours ago (default "
        "ATTACHMENT_ORPHAN_HOURS) that no message carries."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            default=None,
            help=f"hours (default ATTACHMENT_ORPHAN_HOURS = {settings.ATTACHMENT_ORPHAN_HOURS})",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, older_than: float | None, dry_run: bool, **options) -> None:
        hours = settings.ATTACHMENT_ORPHAN_HOURS if older_than is None else older_than
        if hours < 0:
            raise CommandError("--older-than must not be negative.")
        count = purge_orphans(older_than=timedelta(hours=hours), dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {count} unsent attachment(s) older than {hours:g} hour(s).")
