"""Typing indicators: ephemeral (never stored or replayed), sent many times a minute per chat.

One statement reads the current members with their names, which also says whether the
caller is one; `typing_event` turns those rows into the event. `publish_typing` runs the
statement through Django's connection (any thread, any database); `apublish_typing` runs
the same statement on the node's loop (realtime.db.fetch_all: PostgreSQL, no thread), for
the lean hot path.
"""

import functools
from typing import TYPE_CHECKING

from django.db import connection
from django.utils import timezone

import realtime
from accounts.models import User
from chat import events
from chat.errors import NotAMember
from chat.models import Membership
from realtime import db as realtime_db
from realtime import event_types

if TYPE_CHECKING:
    from config.throttling import SlidingWindowThrottle


@functools.cache
def members_with_names_sql() -> str:
    """(user id, display name or username) of the current members, by id."""
    membership = connection.ops.quote_name(Membership._meta.db_table)
    users = connection.ops.quote_name(User._meta.db_table)
    return (
        f"SELECT m.user_id, COALESCE(NULLIF(u.display_name, ''), u.username) "  # noqa: S608
        f"FROM {membership} m JOIN {users} u ON u.id = m.user_id "
        "WHERE m.conversation_id = %s AND m.left_at IS NULL ORDER BY m.user_id"
    )


def typing_event(
    *, user_id: int, conversation_id: int, members: list[tuple[int, str]]
) -> tuple[dict, list[int]]:
    """The `typing` payload and who gets it; NotAMember unless `user_id` is a member."""
    names = dict(members)
    if user_id not in names:
        raise NotAMember()
    payload = {
        "conversation_id": conversation_id,
        "user_id": user_id,
        "display_name": names[user_id],
        "at": events.iso(timezone.now()),
    }
    return payload, [member_id for member_id in names if member_id != user_id]


def publish_typing(*, user: User, conversation_id: int) -> None:
    """Tell the other members that `user` is typing (`user` may be built from a token's
    claims: only its pk is read)."""
    with connection.cursor() as cursor:
        cursor.execute(members_with_names_sql(), [conversation_id])
        members = cursor.fetchall()
    payload, recipients = typing_event(
        user_id=user.pk, conversation_id=conversation_id, members=members
    )
    realtime.publish_ephemeral(event_types.TYPING, payload, user_ids=recipients)


async def apublish_typing(
    *, user: User, conversation_id: int, throttle: "SlidingWindowThrottle | None" = None
) -> float | None:
    """`publish_typing` on the node's loop (callers check `realtime.db.async_enabled()`).

    With `throttle` (config.throttling), the event goes out only if the throttle lets the
    member in, in the same Redis round trip: returns None then, else the seconds until it
    would (a non-member is refused before, and counts nothing).
    """
    members = await realtime_db.fetch_all(members_with_names_sql(), [conversation_id])
    payload, recipients = typing_event(
        user_id=user.pk, conversation_id=conversation_id, members=members
    )
    return await realtime.apublish_ephemeral(
        event_types.TYPING,
        payload,
        user_ids=recipients,
        throttle=throttle,
        throttled_user_id=user.pk,
    )
