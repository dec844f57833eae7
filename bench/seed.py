"""Set-up that goes straight to the database, so that a run does not wait for 20,000 signups:
users in bulk with one pre-hashed password, and access tokens minted in-process.

Also counts SQL round trips of a group fan-out in-process (nothing of it is committed).
The load itself always goes over HTTP.
"""

from __future__ import annotations

import os
import types
from datetime import timedelta
from typing import Any

USER_PREFIX = "bench"
PASSWORD = "bench-password-not-secret"


def setup_django(*, database_url: str, redis_url: str, secret_key: str) -> None:
    """Django with the project's settings, pointed at the benchmark's database and Redis."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": secret_key,
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def username(index: int, prefix: str = USER_PREFIX) -> str:
    return f"{prefix}{index:06d}"


def ensure_users(count: int, *, offset: int = 0, prefix: str = USER_PREFIX) -> list[int]:
    """Ids of users `prefix`000000+offset ..., creating the missing ones in bulk."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User, colour_for

    wanted = [username(i, prefix) for i in range(offset, offset + count)]
    existing = dict(User.objects.filter(username__in=wanted).values_list("username", "id"))
    missing = [name for name in wanted if name not in existing]
    if missing:
        password = make_password(PASSWORD)  # one Argon2 hash shared by every bench user
        User.objects.bulk_create(
            [
                User(
                    username=name,
                    password=password,
                    display_name=f"Bench {name[len(prefix) :]}",
                    avatar_colour=colour_for(name),
                )
                for name in missing
            ],
            batch_size=2000,
        )
        existing = dict(User.objects.filter(username__in=wanted).values_list("username", "id"))
    return [existing[name] for name in wanted]


def access_tokens(user_ids: list[int], *, hours: float = 12.0) -> list[str]:
    """Signed access tokens (no database row, unlike refresh tokens), valid for `hours`."""
    from rest_framework_simplejwt.tokens import AccessToken

    tokens = []
    for user_id in user_ids:
        token = AccessToken.for_user(types.SimpleNamespace(id=user_id, is_active=True))
        token.set_exp(lifetime=timedelta(hours=hours))
        tokens.append(str(token))
    return tokens


def users_with_tokens(count: int, *, offset: int = 0) -> tuple[list[int], list[str]]:
    ids = ensure_users(count, offset=offset)
    return ids, access_tokens(ids)


class _Rollback(Exception):
    pass


def _captured(run: Any) -> list[str]:
    """SQL statements `run()` sends, inside a transaction that is rolled back afterwards."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    statements: list[str] = []
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                run()
            statements = [q["sql"] for q in captured.captured_queries]
            raise _Rollback
    except _Rollback:
        pass
    return statements


def _shape(statements: list[str]) -> dict[str, Any]:
    return {
        "round_trips": len(statements),
        "statements": [s if len(s) < 160 else s[:157] + "..." for s in statements],
    }


def count_fanout_queries(member_ids: list[int]) -> dict[str, Any]:
    """Round trips of `realtime.publish` of one `message.new` to every member's channel."""
    import realtime

    payload = {"message": {"id": 1, "body": "x" * 40}, "conversation": {"id": 1}}
    statements = _captured(lambda: realtime.publish("message.new", payload, user_ids=member_ids))
    return _shape(statements)


def count_group_send_queries(*, conversation_id: int, author_id: int) -> dict[str, Any]:
    """Round trips of the whole send action (chat.actions) for a message to a group."""
    import uuid

    from accounts.models import User
    from chat.actions import send_message
    from chat.models import Conversation

    author = User.objects.get(pk=author_id)
    conversation = Conversation.objects.get(pk=conversation_id)
    statements = _captured(
        lambda: send_message(
            author=author, conversation_id=conversation.pk, body="counted", client_id=uuid.uuid4()
        )
    )
    return _shape(statements)


def existing_group_conversation(*, name: str, owner_id: int, size: int) -> int | None:
    """The conversation of a bench group from an earlier run, if it still has `size` members."""
    from chat.models import Membership
    from groups.models import Group

    for group in Group.objects.filter(name=name, created_by_id=owner_id).order_by("-pk"):
        members = Membership.objects.filter(
            conversation_id=group.conversation_id, left_at__isnull=True
        ).count()
        if members == size:
            return group.conversation_id
    return None
