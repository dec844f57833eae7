"""Parsed bus events onto Parley's streams, once per bus message id."""

from collections.abc import Sequence

from django.db import transaction

from config.errors import NotFound
from realtime import actions
from realtime.ingest.messages import BusEvent, Malformed


def idempotency_key(message_id: str) -> str:
    return f"bus:{message_id}"


def deliver(*, event: BusEvent) -> actions.Publication:
    """Publish as the publish API does; a redelivered id returns the first publication.

    The key row is written in the event's own transaction (TopicPublication for topics and
    broadcast, UserPublication for user ids), so a crash between commit and ack leaves a
    redelivery that finds the row and publishes nothing.
    """
    key = idempotency_key(event.message_id)
    try:
        if event.user_ids:
            return actions.publish_to_users(
                user_ids=list(event.user_ids),
                event=event.event,
                data=event.data,
                idempotency_key=key,
            )
        return actions.publish_to_topic(
            topic_name=actions.BROADCAST_TOPIC if event.broadcast else event.topic,
            event=event.event,
            data=event.data,
            idempotency_key=key,
        )
    except NotFound as exc:
        raise Malformed("unknown_target", exc.message) from exc


def deliver_batch(*, events: Sequence[BusEvent | Malformed]) -> list[bool | Malformed]:
    """Deliver a fetched batch in one transaction: per event True (published), False (a
    duplicate id) or the Malformed to dead-letter. One commit per batch instead of one per
    message; the batch's events reach open streams when it commits, and an outage rolls
    the whole batch back (it is redelivered, and nothing of it was published)."""
    outcomes: list[bool | Malformed] = []
    with transaction.atomic():
        for event in events:
            if isinstance(event, Malformed):
                outcomes.append(event)
                continue
            try:
                outcomes.append(deliver(event=event).created)
            except Malformed as exc:  # raised before any write of this event
                outcomes.append(exc)
    return outcomes
