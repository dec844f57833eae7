import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.utils import OperationalError


class Command(BaseCommand):
    help = (
        "Wait until the database accepts connections (container start-up, before migrate). "
        "Exits 1 if it does not within --timeout seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between tries (default 1)"
        )

    def handle(self, *args, timeout: float, interval: float, **options) -> None:
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            attempt += 1
            try:
                connection.ensure_connection()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            except OperationalError as exc:
                # Only the first line: psycopg's message can span several.
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
                connection.close()
                if time.monotonic() + interval > deadline:
                    raise CommandError(
                        f"database unreachable after {attempt} attempts: {reason}"
                    ) from exc
                self.stdout.write(f"waiting for the database (attempt {attempt}): {reason}")
                time.sleep(interval)
                continue
            self.stdout.write(self.style.SUCCESS(f"database is up (attempt {attempt})"))
            return
