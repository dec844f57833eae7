"""Who sees each user's presence."""

from collections.abc import Sequence

from chat.models import Conversation, Membership
from realtime import presence


def presence_audiences(*, user_ids: Sequence[int]) -> dict[int, list[int]]:
    """Who sees each user's online / last-seen: their direct-conversation peers (one query).

    As in WhatsApp, presence shows in one-to-one chats only: announcing it to every
    co-member of large groups would cost members x members events per reconnect storm.
    """
    keys = (
        Conversation.objects.filter(
            kind=Conversation.Kind.DIRECT, memberships__user_id__in=user_ids
        )
        .values_list("direct_key", flat=True)
        .distinct()
    )
    audiences: dict[int, list[int]] = {user_id: [] for user_id in user_ids}
    for key in keys:
        first, second = (int(part) for part in key.split(":"))
        if first in audiences:
            audiences[first].append(second)
        if second in audiences:
            audiences[second].append(first)
    _add_group_watchers(audiences)
    return audiences


def _add_group_watchers(audiences: dict[int, list[int]]) -> None:
    """Those with one of the users' groups' member panel open see them too (see
    realtime.presence.watch): one query, only when some panel is open at all."""
    watched = presence.watched_conversation_ids()
    if not watched:
        return
    rows = list(
        Membership.objects.filter(
            user_id__in=list(audiences), conversation_id__in=watched, left_at__isnull=True
        ).values_list("user_id", "conversation_id")
    )
    watchers = presence.watchers_of({conversation_id for _, conversation_id in rows})
    for user_id, conversation_id in rows:
        known = set(audiences[user_id])
        for viewer in watchers.get(conversation_id, []):
            if viewer != user_id and viewer not in known:
                audiences[user_id].append(viewer)
                known.add(viewer)
