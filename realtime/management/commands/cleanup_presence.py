from django.core.management.base import BaseCommand, CommandParser

from realtime import presence


class Command(BaseCommand):
    help = (
        "Settle users whose presence lapsed without a goodbye (their node crashed): stamp "
        "last_seen, send `presence` offline to their contacts. Run every minute or so."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing")

    def handle(self, *args, dry_run: bool, **options) -> None:
        indexed = presence.indexed_user_ids()
        online = presence.online_user_ids(indexed)
        lapsed = [user_id for user_id in indexed if user_id not in online]
        self.stdout.write(f"{len(online)} online, {len(lapsed)} lapsed")
        if dry_run:
            for user_id in lapsed:
                self.stdout.write(f"  would settle user {user_id}")
            return
        settled = presence.expire_lapsed()
        self.stdout.write(self.style.SUCCESS(f"settled {len(settled)} user(s)"))
