import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.utils import DatabaseError, OperationalError


def _probe() -> None:
    """One connection attempt. PostgreSQL is probed directly, not through the node's pool,
    whose getconn() would wait its own timeout instead of failing at once."""
    if connection.vendor != "postgresql":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return
    import psycopg

    db = connection.settings_dict
    try:
        with psycopg.connect(
            dbname=db["NAME"],
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            connect_timeout=5,
        ) as probe:
            probe.execute("SELECT 1")
    except psycopg.Error as exc:
        raise OperationalError(str(exc)) from exc


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
                _probe()
            except (OperationalError, DatabaseError) as exc:
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
