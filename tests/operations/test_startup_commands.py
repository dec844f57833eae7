"""The container start-up commands: `wait_for_db` and `migrate_locked`."""

import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from config.operations.management.commands.migrate_locked import MIGRATION_LOCK_KEY
from tests.operations.commands import run_manage
from tests.servers import database_url_from_settings


def test_wait_for_db_returns_when_the_database_answers(db):
    out = StringIO()
    call_command("wait_for_db", "--timeout", "5", stdout=out)
    assert "database is up (attempt 1)" in out.getvalue()


def test_wait_for_db_fails_after_its_timeout_when_the_database_is_down():
    result = run_manage(
        "wait_for_db",
        "--timeout",
        "1.5",
        "--interval",
        "0.5",
        env={"DATABASE_URL": "postgres://postgres@127.0.0.1:9/parley"},
    )

    assert result.returncode == 1
    assert "waiting for the database (attempt 1)" in result.stdout
    assert "database unreachable after" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_migrate_locked_migrates_when_nobody_holds_the_lock():
    result = run_manage(
        "migrate_locked", "--noinput", env={"DATABASE_URL": database_url_from_settings()}
    )

    assert result.returncode == 0, result.stderr
    assert "Running migrations:" in result.stdout


@pytest.mark.django_db(transaction=True)
def test_migrate_locked_waits_for_another_nodes_lock_and_gives_up_after_its_timeout():
    # Another node is migrating: it holds the advisory lock on its own session.
    other_node = connections.create_connection("default")
    try:
        with other_node.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])

        result = run_manage(
            "migrate_locked",
            "--noinput",
            "--lock-timeout",
            "1",
            env={"DATABASE_URL": database_url_from_settings()},
        )
    finally:
        other_node.close()

    assert result.returncode == 1
    assert "another node is migrating" in result.stdout
    assert "held the migration lock for more than 1s" in result.stderr
    assert "Running migrations:" not in result.stdout


def test_startup_commands_have_help():
    for command in ("wait_for_db", "migrate_locked"):
        result = run_manage(command, "--help", env={"PATH": os.environ["PATH"]})
        assert result.returncode == 0
        assert "--timeout" in result.stdout or "--lock-timeout" in result.stdout
