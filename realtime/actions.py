"""Writes of the real-time layer: topic subscriptions, topic publishing, API keys."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import Forbidden, NotFound
from realtime import event_types, publish, publish_ephemeral
from realtime.channel_names import BROADCAST_CHANNEL, topic_channel
from realtime.models import ApiKey, Topic, TopicPublication, TopicSubscription, UserPublication

BROADCAST_TOPIC = "broadcast"


def _reconnect_streams(user_id: int, reason: str) -> None:
    # A stream's channel list is fixed when it opens: it reconnects to pick up the change.
    publish_ephemeral(event_types.STREAM_RECONNECT_REQUEST, {"reason": reason}, user_ids=[user_id])


def _visible_topic(*, name: str, user_is_staff: bool) -> Topic:
    topic = Topic.objects.filter(name=name).first()
    if topic is None or not (topic.is_public or user_is_staff):
        raise NotFound("No such topic.")
    return topic


def subscribe(*, user_id: int, user_is_staff: bool, topic_name: str) -> tuple[Topic, bool]:
    """Subscribe a user to a topic; their open streams reconnect to pick it up."""
    topic = _visible_topic(name=topic_name, user_is_staff=user_is_staff)
    with transaction.atomic():
        _, created = TopicSubscription.objects.get_or_create(user_id=user_id, topic=topic)
        if created:
            _reconnect_streams(user_id, "channels-changed")
    return topic, created


def unsubscribe(*, user_id: int, topic_name: str) -> bool:
    with transaction.atomic():
        deleted, _ = TopicSubscription.objects.filter(
            user_id=user_id, topic__name=topic_name
        ).delete()
        if deleted:
            _reconnect_streams(user_id, "channels-changed")
    return bool(deleted)


@dataclass(frozen=True)
class Publication:
    topic: str | None  # None for a publish to users
    event_id: int
    created: bool


def publish_to_topic(
    *, topic_name: str, event: str, data: Any, idempotency_key: str | None
) -> Publication:
    """Publish to a topic's subscribers (or to everyone, for `broadcast`), at most once per key."""
    if topic_name == BROADCAST_TOPIC:
        topic, _ = Topic.objects.get_or_create(
            name=BROADCAST_TOPIC, defaults={"description": "Every connected client"}
        )
        channel = BROADCAST_CHANNEL
    else:
        topic = Topic.objects.filter(name=topic_name).first()
        if topic is None:
            raise NotFound("No such topic.")
        channel = topic_channel(topic.name)
    payload = {"topic": topic.name, "event": event, "data": data}
    try:
        with transaction.atomic():
            if idempotency_key:
                previous = TopicPublication.objects.filter(
                    topic=topic, idempotency_key=idempotency_key
                ).first()
                if previous:
                    return Publication(topic.name, previous.event_id, created=False)
            (stored,) = publish(event_types.TOPIC_MESSAGE, payload, channels=[channel])
            if idempotency_key:
                TopicPublication.objects.create(
                    topic=topic, idempotency_key=idempotency_key, event_id=stored.id
                )
    except IntegrityError:  # the same key raced in from another request
        previous = TopicPublication.objects.get(topic=topic, idempotency_key=idempotency_key)
        return Publication(topic.name, previous.event_id, created=False)
    return Publication(topic.name, stored.id, created=True)


def publish_to_users(
    *, user_ids: list[int], event: str, data: Any, idempotency_key: str
) -> Publication:
    """Publish to these users' streams as a topic publish looks (`topic.message`, `topic`
    null), at most once per key. Ids of users that do not exist are skipped; none left is
    NotFound."""
    existing = list(
        get_user_model().objects.filter(pk__in=user_ids).order_by("pk").values_list("pk", flat=True)
    )
    if not existing:
        raise NotFound("None of these users exist.")
    payload = {"topic": None, "event": event, "data": data}
    try:
        with transaction.atomic():
            previous = UserPublication.objects.filter(idempotency_key=idempotency_key).first()
            if previous:
                return Publication(None, previous.event_id, created=False)
            stored = publish(event_types.TOPIC_MESSAGE, payload, user_ids=existing)
            UserPublication.objects.create(idempotency_key=idempotency_key, event_id=stored[0].id)
    except IntegrityError:  # the same key raced in from another consumer
        previous = UserPublication.objects.get(idempotency_key=idempotency_key)
        return Publication(None, previous.event_id, created=False)
    return Publication(None, stored[0].id, created=True)


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_api_key(*, name: str) -> tuple[ApiKey, str]:
    """Issue a publisher key; the raw key is returned once and only its hash is stored."""
    prefix = secrets.token_hex(4)
    raw_key = f"pk_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(name=name, prefix=prefix, hashed_key=hash_key(raw_key))
    return api_key, raw_key


def revoke_api_key(*, api_key: ApiKey) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])


def authenticate_api_key(raw_key: str) -> ApiKey:
    api_key = ApiKey.objects.filter(hashed_key=hash_key(raw_key), revoked_at=None).first()
    if api_key is None:
        raise Forbidden("Invalid or revoked API key.")
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    return api_key
