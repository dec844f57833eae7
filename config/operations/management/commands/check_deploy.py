from collections.abc import Callable
from pathlib import Path

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0", ".localhost"}  # noqa: S104
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5


def settings_problems() -> list[str]:
    """What in the settings is unfit for production (empty when nothing is)."""
    problems = []
    if settings.DEBUG:
        problems.append("DEBUG is on: set DEBUG=0")
    secret = settings.SECRET_KEY
    if secret == getattr(settings, "DEV_SECRET_KEY", None):
        problems.append("SECRET_KEY is the development key: set SECRET_KEY")
    elif (
        len(secret) < MIN_SECRET_KEY_LENGTH
        or len(set(secret)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS
        or secret.startswith("django-insecure-")
    ):
        problems.append(
            f"SECRET_KEY is weak: use at least {MIN_SECRET_KEY_LENGTH} random characters"
        )
    if connection.vendor != "postgresql":
        problems.append(
            f"the database is {connection.vendor}, not PostgreSQL: set DATABASE_URL=postgres://..."
        )
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set: nodes cannot share events, presence or rate limits")
    hosts = list(settings.ALLOWED_HOSTS)
    if "*" in hosts:
        problems.append("ALLOWED_HOSTS contains '*': list the public host names")
    elif not [host for host in hosts if host not in LOCAL_HOSTS]:
        problems.append(
            f"ALLOWED_HOSTS has only local names ({', '.join(hosts) or 'none'}): "
            "add the public host name"
        )
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not settings.DEBUG and not manifest.exists():
        problems.append(f"collectstatic has not run: {manifest} is missing")
    return problems


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        return f"the database is unreachable: {type(exc).__name__}: {_first_line(exc)}"
    return None


def check_redis() -> str | None:
    if not settings.REDIS_URL:
        return None  # already reported as a settings problem
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
        client.close()
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        return f"Redis is unreachable at REDIS_URL: {type(exc).__name__}: {_first_line(exc)}"
    return None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


class Command(BaseCommand):
    help = (
        "Check that this node's configuration is fit for production: DEBUG off, a real "
        "SECRET_KEY, PostgreSQL, Redis, public ALLOWED_HOSTS, collected static files, and that "
        "the database and Redis answer. Lists every problem and exits 1 when there is any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--skip-connections",
            action="store_true",
            help="check the settings only; do not connect to the database or Redis",
        )

    def handle(self, *args, skip_connections: bool, **options) -> None:
        checks: list[tuple[str, Callable[[], list[str]]]] = [("settings", settings_problems)]
        if not skip_connections:
            checks += [
                ("database", lambda: [p for p in [check_database()] if p]),
                ("redis", lambda: [p for p in [check_redis()] if p]),
            ]
        problems: list[str] = []
        for name, check in checks:
            found = check()
            mark = self.style.SUCCESS("ok") if not found else self.style.ERROR("FAIL")
            self.stdout.write(f"{name:<10} {mark}")
            problems += found
        if problems:
            for problem in problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError(f"{len(problems)} deployment problem(s) on node {settings.NODE_ID}")
        self.stdout.write(
            self.style.SUCCESS(f"node {settings.NODE_ID} is configured for production")
        )
