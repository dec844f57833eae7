"""Creating notifications for many people at once: one INSERT, then deliveries and events.

Runs inside the domain action's transaction (receivers of chat/groups signals):
a constant number of queries whatever the number of recipients.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import realtime
from accounts.models import User
from config.bulk import BulkWrite, model_row
from notifications import selectors
from notifications.delivery.planning import plan_deliveries
from notifications.events import new_notification_event
from notifications.metrics import NOTIFICATIONS_CREATED
from notifications.models import Notification
from notifications.preferences import IN_APP, RecipientSettings, recipient_settings
from realtime import event_types


@dataclass
class Audience:
    """People who get the same words. `personal` ones (about the recipient themself:
    invited, removed, promoted, the group deleted) come through a conversation mute."""

    user_ids: Iterable[int]
    title: str
    body: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    personal: bool = False
    # Overrides notify()'s message_id for this audience (receipts: each author's latest).
    message_id: int | None = None


@dataclass(frozen=True)
class RecipientFacts:
    """What the fan-out needs of one recipient, read beforehand with the domain action's own
    query (notifications.audience): then the fan-out itself reads nothing."""

    settings: RecipientSettings
    muted: bool
    push_subscribed: bool
    unread_notifications: int
    notification_id: int
    delivery_ids: tuple[int, ...]


def notify(
    *,
    kind: str,
    audiences: list[Audience],
    actor: User | None,
    conversation_id: int | None = None,
    group_id: int | None = None,
    message_id: int | None = None,
    recipients: dict[int, RecipientSettings] | None = None,
    facts: dict[int, RecipientFacts] | None = None,
    writes: BulkWrite | None = None,
) -> list[Notification]:
    """Create `kind` notifications for every audience member but the actor.

    Honours each recipient's in-app preference for `kind` and conversation mutes,
    plans the outbound deliveries and publishes `notification.new`. Pass
    `recipients` when the caller has already loaded their settings; or `facts` (every
    recipient's settings, mute, push subscription, unread count and preallocated ids) and
    `writes`, and the rows join that one statement instead of being read and written here.
    """
    if facts is not None:
        recipients = {user_id: fact.settings for user_id, fact in facts.items()}
    audience_of = _audience_of_each_recipient(audiences, actor=actor)
    if not audience_of:
        return []
    if recipients is None:
        recipients = recipient_settings(list(audience_of))
    chosen = _wanting_in_app(kind, audience_of=audience_of, recipients=recipients)
    now = timezone.now()
    chosen = _without_muted(
        chosen, audience_of=audience_of, conversation_id=conversation_id, facts=facts, now=now
    )
    if not chosen:
        return []
    notifications = [
        Notification(
            id=facts[user_id].notification_id if facts is not None else None,
            recipient_id=user_id,
            type=kind,
            title=audience_of[user_id].title[:200],
            body=audience_of[user_id].body,
            data=audience_of[user_id].data,
            actor=actor,
            conversation_id=conversation_id,
            group_id=group_id,
            message_id=audience_of[user_id].message_id or message_id,
            created_at=now,
        )
        for user_id in chosen
    ]
    if facts is None:
        Notification.objects.bulk_create(notifications)
        plan_deliveries(notifications=notifications, recipients=recipients, now=now)
        publish_new(notifications)
    else:
        _stage_in_writes(notifications, recipients=recipients, facts=facts, writes=writes, now=now)
    count = len(notifications)
    transaction.on_commit(lambda: NOTIFICATIONS_CREATED.labels(type=kind).inc(count))
    return notifications


def _audience_of_each_recipient(
    audiences: list[Audience], *, actor: User | None
) -> dict[int, Audience]:
    """Each recipient's first audience; the actor is never notified of their own doing."""
    actor_id = actor.pk if actor is not None else None
    audience_of: dict[int, Audience] = {}
    for audience in audiences:
        for user_id in audience.user_ids:
            if user_id != actor_id:
                audience_of.setdefault(user_id, audience)
    return audience_of


def _wanting_in_app(
    kind: str, *, audience_of: dict[int, Audience], recipients: dict[int, RecipientSettings]
) -> list[int]:
    """Those who want `kind` in the app, by id."""
    return [
        user_id
        for user_id in sorted(audience_of)
        if user_id in recipients and recipients[user_id].wants(kind, IN_APP)
    ]


def _without_muted(
    chosen: list[int],
    *,
    audience_of: dict[int, Audience],
    conversation_id: int | None,
    facts: dict[int, RecipientFacts] | None,
    now: datetime,
) -> list[int]:
    """`chosen` but those who muted the conversation (personal notifications pass a mute)."""
    mutable = [user_id for user_id in chosen if not audience_of[user_id].personal]
    if conversation_id is None or not mutable:
        return chosen
    if facts is not None:
        muted = {user_id for user_id in mutable if facts[user_id].muted}
    else:
        muted = selectors.muted_user_ids(conversation_id=conversation_id, user_ids=mutable, now=now)
    return [user_id for user_id in chosen if user_id not in muted]


def _stage_in_writes(
    notifications: list[Notification],
    *,
    recipients: dict[int, RecipientSettings],
    facts: dict[int, RecipientFacts],
    writes: BulkWrite,
    now: datetime,
) -> None:
    """The notifications, their deliveries and events into the caller's one statement,
    from facts read beforehand: nothing is read here."""
    chosen = [notification.recipient_id for notification in notifications]
    writes.insert(Notification, [model_row(notification) for notification in notifications])
    plan_deliveries(
        notifications=notifications,
        recipients=recipients,
        now=now,
        subscribed={user_id for user_id in chosen if facts[user_id].push_subscribed},
        delivery_ids={user_id: list(facts[user_id].delivery_ids) for user_id in chosen},
        writes=writes,
    )
    publish_new(
        notifications,
        counts={user_id: facts[user_id].unread_notifications + 1 for user_id in chosen},
    )


def publish_new(notifications: list[Notification], *, counts: dict[int, int] | None = None) -> None:
    """One `notification.new` per distinct payload (same words, same capped count)."""
    if counts is None:
        counts = selectors.unread_counts(
            [notification.recipient_id for notification in notifications]
        )
    cap = settings.NOTIFICATION_EVENT_COUNT_CAP
    groups: dict[tuple, list[Notification]] = defaultdict(list)
    for notification in notifications:
        count = min(counts.get(notification.recipient_id, 0), cap)
        key = (
            notification.message_id,
            notification.title,
            notification.body,
            json.dumps(notification.data, sort_keys=True),
            count,
        )
        groups[key].append(notification)
    for (*_, count), members in groups.items():
        realtime.publish(
            event_types.NOTIFICATION_NEW,
            new_notification_event(members[0], unread_count=count),
            user_ids=[notification.recipient_id for notification in members],
        )
