import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

# Any fixed 64-bit key shared by every node; this is "parley" in ASCII.
MIGRATION_LOCK_KEY = 0x7061726C6579


class Command(BaseCommand):
    help = (
        "Run `migrate` while holding a PostgreSQL advisory lock, so that when every node of a "
        "deploy starts at once exactly one migrates and the others wait, then find nothing to "
        "apply. On SQLite (one process) it is plain `migrate`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", default=True
        )
        parser.add_argument(
            "--lock-timeout",
            type=float,
            default=600.0,
            help="seconds to wait for another node's migration (default 600)",
        )

    def handle(self, *args, interactive: bool, lock_timeout: float, **options) -> None:
        verbosity = options["verbosity"]
        if connection.vendor != "postgresql":
            call_command("migrate", interactive=interactive, verbosity=verbosity)
            return
        self._acquire(lock_timeout)
        try:
            call_command("migrate", interactive=interactive, verbosity=verbosity)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])

    def _acquire(self, timeout: float) -> None:
        """Take the session-level lock, reporting while another node holds it."""
        deadline = time.monotonic() + timeout
        waited = False
        while True:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
                (acquired,) = cursor.fetchone()
            if acquired:
                if waited:
                    self.stdout.write("migration lock acquired")
                return
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"another node held the migration lock for more than {timeout:g}s"
                )
            if not waited:
                self.stdout.write("another node is migrating; waiting for the migration lock")
                waited = True
            time.sleep(0.5)
