"""Shared helpers for chat and groups tests: sending, and reading the stored events."""

import importlib
import json
import uuid

from django.apps import apps
from django.contrib.auth.models import Group as AuthGroup

from accounts.models import User
from chat import actions
from chat.models import Conversation, Message
from realtime.models import StoredEvent


def send(author: User, conversation: Conversation, body: str = "hello") -> Message:
    message, _ = actions.send_message(
        author=author, conversation_id=conversation.pk, body=body, client_id=uuid.uuid4()
    )
    return message


def direct(user: User, other: User) -> Conversation:
    conversation, _ = actions.get_or_create_direct_conversation(user=user, other_id=other.pk)
    return conversation


def event_types_for(user: User) -> list[str]:
    """The chat and group events stored for `user`'s channel, oldest first.

    `notification.new` is left out: the notifications app adds those from the
    domain signals, and its own tests cover them.
    """
    return list(
        StoredEvent.objects.filter(channel=f"user-{user.pk}")
        .exclude(type="notification.new")
        .order_by("seq")
        .values_list("type", flat=True)
    )


def events_for(user: User, event_type: str | None = None) -> list[dict]:
    """The payloads stored for `user` (optionally of one type), oldest first."""
    events = StoredEvent.objects.filter(channel=f"user-{user.pk}").order_by("seq")
    if event_type:
        events = events.filter(type=event_type)
    return [json.loads(event.data) for event in events]


def recipients_of(event_type: str) -> set[int]:
    """The user ids that got at least one event of `event_type`."""
    channels = StoredEvent.objects.filter(type=event_type).values_list("channel", flat=True)
    return {int(channel.removeprefix("user-")) for channel in channels}


def clear_events() -> None:
    StoredEvent.objects.all().delete()


class Captured(list):
    """A real signal receiver that records each call's keyword arguments (see `captured`)."""

    def __call__(self, sender, **kwargs) -> None:
        self.append({"sender": sender, **kwargs})


def moderators_group() -> AuthGroup:
    """The "Moderators" group as chat's data migration makes it.

    Transactional tests empty every table when they end, rows of data migrations
    included, so tests that need the group run the migration's function again
    (it is idempotent).
    """
    migration = importlib.import_module("chat.migrations.0002_moderators_group")
    migration.create_moderators(apps, None)
    importlib.import_module("chat.migrations.0004_moderators_review_reports").grant(apps, None)
    return AuthGroup.objects.get(name=migration.MODERATORS)
