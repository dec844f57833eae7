"""`manage.py check_deploy`, run as a subprocess so each case gets its own settings."""

import secrets
from pathlib import Path

import pytest

from tests.operations.commands import run_manage
from tests.servers import database_url_from_settings

PRODUCTION_SECRET = secrets.token_urlsafe(50)


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real `collectstatic` with production settings (the Dockerfile's build step)."""
    root = tmp_path_factory.mktemp("staticfiles")
    result = run_manage(
        "collectstatic",
        "--noinput",
        env={"DEBUG": "0", "SECRET_KEY": PRODUCTION_SECRET, "STATIC_ROOT": str(root)},
    )
    assert result.returncode == 0, result.stderr
    assert (root / "staticfiles.json").exists()
    return root


@pytest.fixture
def production_env(db, collected_static: Path) -> dict[str, str]:
    import os

    return {
        "DEBUG": "0",
        "SECRET_KEY": PRODUCTION_SECRET,
        "DATABASE_URL": database_url_from_settings(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "ALLOWED_HOSTS": "chat.example.com,localhost",
        "STATIC_ROOT": str(collected_static),
        "NODE_ID": "deploy-check",
    }


def test_check_deploy_fails_on_the_development_configuration(tmp_path: Path):
    result = run_manage(
        "check_deploy",
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "DEBUG": "1"},
    )

    assert result.returncode == 1
    problems = result.stderr
    assert "DEBUG is on" in problems
    assert "SECRET_KEY is the development key" in problems
    assert "not PostgreSQL" in problems
    assert "REDIS_URL is not set" in problems
    assert "ALLOWED_HOSTS has only local names" in problems
    assert "5 deployment problem(s)" in problems


def test_check_deploy_passes_on_a_production_configuration(production_env):
    result = run_manage("check_deploy", env=production_env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "settings   ok" in result.stdout
    assert "database   ok" in result.stdout
    assert "redis      ok" in result.stdout
    assert "node deploy-check is configured for production" in result.stdout


def test_check_deploy_fails_when_redis_is_unreachable(production_env):
    # Port 9 (discard) is closed on loopback: the connection is refused at once.
    env = {**production_env, "REDIS_URL": "redis://127.0.0.1:9/0"}

    result = run_manage("check_deploy", env=env)

    assert result.returncode == 1
    assert "redis      FAIL" in result.stdout
    assert "Redis is unreachable" in result.stderr


def test_check_deploy_fails_when_the_database_is_unreachable(production_env):
    env = {**production_env, "DATABASE_URL": "postgres://postgres@127.0.0.1:9/parley"}

    result = run_manage("check_deploy", env=env)

    assert result.returncode == 1
    assert "the database is unreachable" in result.stderr


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS contains '*'"),
        ({"ALLOWED_HOSTS": "localhost,127.0.0.1"}, "ALLOWED_HOSTS has only local names"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is weak"),
        ({"STATIC_ROOT": "/nonexistent/static"}, "collectstatic has not run"),
    ],
)
def test_check_deploy_names_each_unsafe_setting(production_env, overrides, problem):
    result = run_manage("check_deploy", "--skip-connections", env={**production_env, **overrides})

    assert result.returncode == 1
    assert problem in result.stderr
    assert "1 deployment problem(s)" in result.stderr


def test_check_deploy_has_help():
    result = run_manage("check_deploy", "--help", env={})

    assert result.returncode == 0
    assert "--skip-connections" in result.stdout
