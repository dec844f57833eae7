"""What a message carries beyond its body: the quote it replies to, mentions, reactions, files.

Every message payload (chat.events.message_data) has `reply_to`, `mentions`, `reactions` and
`attachments`. They are loaded for a whole page of messages at once by `load_extras` (a fixed
number of queries whatever the page size) and hung on each message as `message.extras`;
message_data only reads that attribute and never queries.

`reactions[].me` depends on who looks. Lists built here are for one viewer; events that go to
every member are published per group of members who see the same thing
(`publish_per_viewer`): everyone who did not react shares one payload, and each distinct
set of the message's emoji that members used gets its own. See chat/actions/reactions.py.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.text import Truncator

import realtime
from accounts.models import User
from chat.models import Attachment, Message, MessageMention, MessageReaction
from config.api import user_data

QUOTE_LENGTH = 100


@dataclass(frozen=True)
class ReactionCount:
    emoji: str
    count: int
    me: bool

    def data(self) -> dict[str, Any]:
        return {"emoji": self.emoji, "count": self.count, "me": self.me}


@dataclass(frozen=True)
class MessageExtras:
    reply_to: dict[str, Any] | None = None
    mention_ids: list[int] = field(default_factory=list)
    reactions: list[ReactionCount] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)

    def data(self, *, deleted: bool) -> dict[str, Any]:
        if deleted:  # a deleted message keeps its place, nothing of what it said
            return {"reply_to": None, "mentions": [], "reactions": [], "attachments": []}
        return {
            "reply_to": self.reply_to,
            "mentions": self.mention_ids,
            "reactions": [reaction.data() for reaction in self.reactions],
            "attachments": self.attachments,
        }


NO_EXTRAS = MessageExtras()


def quote_data(message: Message) -> dict[str, Any]:
    """The short quote of a replied-to message (`message.author` must be loaded)."""
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "author": user_data(message.author),
        "body": "" if deleted else Truncator(" ".join(message.body.split())).chars(QUOTE_LENGTH),
        "is_deleted": deleted,
    }


def attachment_data(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse("attachment-file", kwargs={"attachment_id": attachment.pk}),
        "thumbnail_url": (
            reverse("attachment-thumbnail", kwargs={"attachment_id": attachment.pk})
            if attachment.thumbnail
            else None
        ),
        "width": attachment.width,
        "height": attachment.height,
    }


def reaction_counts(message_ids: Sequence[int], *, viewer_id: int) -> dict[int, list]:
    """Per message: its emoji with counts and whether the viewer is among them, in one query.

    Emoji are listed in the order they were first used on the message.
    """
    rows = (
        MessageReaction.objects.filter(message_id__in=message_ids)
        .values("message_id", "emoji")
        .annotate(count=Count("id"), mine=Count("id", filter=Q(user_id=viewer_id)), first=Min("id"))
        .order_by("message_id", "first")
    )
    counts: dict[int, list[ReactionCount]] = defaultdict(list)
    for row in rows:
        counts[row["message_id"]].append(
            ReactionCount(emoji=row["emoji"], count=row["count"], me=row["mine"] > 0)
        )
    return counts


def load_extras(messages: Iterable[Message], *, viewer_id: int) -> None:
    """Set `message.extras` on each message for `viewer_id`: at most four queries in all."""
    messages = [message for message in messages if message is not None]
    ids = [message.pk for message in messages if message.deleted_at is None]
    if not ids:
        for message in messages:
            message.extras = NO_EXTRAS
        return
    reply_ids = {message.reply_to_id for message in messages if message.reply_to_id}
    quotes = {}
    if reply_ids:
        quoted_messages = Message.objects.filter(pk__in=reply_ids).select_related("author")
        quotes = {quoted.pk: quote_data(quoted) for quoted in quoted_messages}
    mentions: dict[int, list[int]] = defaultdict(list)
    for message_id, user_id in (
        MessageMention.objects.filter(message_id__in=ids)
        .order_by("message_id", "user_id")
        .values_list("message_id", "user_id")
    ):
        mentions[message_id].append(user_id)
    files: dict[int, list[dict]] = defaultdict(list)
    for attachment in Attachment.objects.filter(message_id__in=ids).order_by("id"):
        files[attachment.message_id].append(attachment_data(attachment))
    reactions = reaction_counts(ids, viewer_id=viewer_id)
    for message in messages:
        message.extras = MessageExtras(
            reply_to=quotes.get(message.reply_to_id),
            mention_ids=mentions.get(message.pk, []),
            reactions=reactions.get(message.pk, []),
            attachments=files.get(message.pk, []),
        )


def reactions_by_viewer(message_id: int) -> tuple[list[tuple[str, int]], dict[int, set[str]]]:
    """The message's (emoji, count) in first-use order and each reactor's emoji (one query)."""
    order: dict[str, int] = {}
    used_by: dict[int, set[str]] = defaultdict(set)
    for emoji, user_id in (
        MessageReaction.objects.filter(message_id=message_id)
        .order_by("id")
        .values_list("emoji", "user_id")
    ):
        order[emoji] = order.get(emoji, 0) + 1
        used_by[user_id].add(emoji)
    return list(order.items()), used_by


def publish_per_viewer(
    event_type: str,
    message: Message,
    *,
    member_ids: Sequence[int],
    build: Callable[[Message], dict[str, Any]],
) -> None:
    """Publish `build(message)` to the members, each with their own `reactions[].me`.

    `message.extras` must be loaded (its reactions are replaced per group). Members who
    used the same emoji on the message share one payload: one publish for everyone who
    did not react, plus one per distinct set of emoji among those who did.
    """
    counts, used_by = reactions_by_viewer(message.pk)
    base = getattr(message, "extras", NO_EXTRAS)
    audiences: dict[frozenset[str], list[int]] = defaultdict(list)
    for member_id in member_ids:
        audiences[frozenset(used_by.get(member_id, ()))].append(member_id)
    for mine, user_ids in audiences.items():
        message.extras = replace(
            base,
            reactions=[
                ReactionCount(emoji=emoji, count=count, me=emoji in mine) for emoji, count in counts
            ],
        )
        realtime.publish(event_type, build(message), user_ids=user_ids)
    message.extras = base


def reactors(*, message_id: int) -> dict[str, list[User]]:
    """Who used each emoji on the message, first first (the who-reacted list)."""
    people: dict[str, list[User]] = defaultdict(list)
    for reaction in (
        MessageReaction.objects.filter(message_id=message_id).select_related("user").order_by("id")
    ):
        people[reaction.emoji].append(reaction.user)
    return people
