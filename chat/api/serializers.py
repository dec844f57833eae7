"""Input validation and the documented output shapes of the chat API.

Output bodies are built by chat/events.py (the same dicts the real-time events
carry); the output serializers here describe those shapes for the OpenAPI schema
and tests keep the two in step.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from rest_framework import serializers

from accounts.models import User
from chat import events, selectors
from chat.models import Membership, Message

MAX_ID = 2**63 - 1  # the largest BIGINT: larger ids cannot exist and must not reach SQL


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A UUID in its text form only (DRF would also take an integer as a UUID)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


def message_body_field() -> StrictCharField:
    return StrictCharField(
        trim_whitespace=True,
        help_text=f"1..{settings.MESSAGE_MAX_LENGTH} characters after stripping whitespace.",
    )


def _check_length(body: str) -> str:
    # Read at request time, so the limit follows the setting.
    if len(body) > settings.MESSAGE_MAX_LENGTH:
        raise serializers.ValidationError(
            f"Ensure this field has no more than {settings.MESSAGE_MAX_LENGTH} characters."
        )
    return body


# --- inputs ---------------------------------------------------------------------


class OpenDirectInput(serializers.Serializer):
    user_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class SendInput(serializers.Serializer):
    body = message_body_field()
    client_id = StrictUUIDField(help_text="The client's id for this message (UUID).")

    def validate_body(self, body: str) -> str:
        return _check_length(body)


class EditInput(serializers.Serializer):
    body = message_body_field()

    def validate_body(self, body: str) -> str:
        return _check_length(body)


class AckInput(serializers.Serializer):
    up_to = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="A message id of this conversation."
    )


class HistoryQuery(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    after = serializers.IntegerField(required=False, min_value=0, max_value=MAX_ID)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)

    def validate(self, attrs: dict) -> dict:
        if "before" in attrs and "after" in attrs:
            raise serializers.ValidationError("Give `before` or `after`, not both.")
        return attrs


# --- outputs (documentation of the dicts chat.events builds) ----------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    initials = serializers.CharField()
    avatar_colour = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    author = UserRefSerializer()
    body = serializers.CharField(help_text="Empty once the message is deleted.")
    client_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted_at = serializers.DateTimeField(allow_null=True)
    is_deleted = serializers.BooleanField()
    status = serializers.ChoiceField(
        choices=["sent", "delivered", "read"],
        allow_null=True,
        help_text="The caller's own messages: sent, delivered to / read by every other "
        "member. Null for others' messages.",
    )


class GroupRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    avatar = serializers.CharField()


class ConversationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["direct", "group"])
    title = serializers.CharField(help_text="The group's name, or the other person's name.")
    peer = UserRefSerializer(allow_null=True, help_text="The other person (direct only).")
    group = GroupRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    last_message_at = serializers.DateTimeField(allow_null=True)
    last_message = MessageSerializer(allow_null=True)
    unread_count = serializers.IntegerField()
    last_delivered_message_id = serializers.IntegerField()
    last_read_message_id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class ConversationPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ConversationSerializer(many=True)


class MemberPointersSerializer(serializers.Serializer):
    user = UserRefSerializer()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    joined_at = serializers.DateTimeField()
    last_delivered_message_id = serializers.IntegerField()
    last_read_message_id = serializers.IntegerField(
        allow_null=True, help_text="Null for members who keep read receipts off."
    )


class ConversationDetailSerializer(ConversationSerializer):
    members = MemberPointersSerializer(many=True)


class MessagePageSerializer(serializers.Serializer):
    results = MessageSerializer(many=True, help_text="Oldest first: the newest message is last.")
    next = serializers.URLField(allow_null=True, help_text="The newer messages, if any.")
    previous = serializers.URLField(allow_null=True, help_text="The older messages, if any.")


class AckOutput(serializers.Serializer):
    conversation_id = serializers.IntegerField()
    last_delivered_message_id = serializers.IntegerField()
    last_read_message_id = serializers.IntegerField()
    unread_count = serializers.IntegerField()


class ReceiptSerializer(serializers.Serializer):
    user = UserRefSerializer()
    delivered_at = serializers.DateTimeField(allow_null=True)
    read_at = serializers.DateTimeField(allow_null=True)


class ReceiptListSerializer(serializers.Serializer):
    message_id = serializers.IntegerField()
    results = ReceiptSerializer(many=True)


# --- building the bodies ------------------------------------------------------------


def conversation_rows(memberships: Sequence[Membership], *, viewer: User) -> list[dict]:
    """The conversation list items for `viewer`, in three queries whatever their number."""
    conversations = [membership.conversation for membership in memberships]
    peers = selectors.peers_by_conversation(conversations, viewer_id=viewer.pk)
    ticks = selectors.ticks_by_conversation(
        conversation_ids=[conversation.pk for conversation in conversations], viewer_id=viewer.pk
    )
    rows = []
    for membership in memberships:
        conversation = membership.conversation
        last = conversation.last_message
        status = None
        if last is not None and last.author_id == viewer.pk:
            tick = ticks[conversation.pk]
            status = events.message_status(
                last, delivered_up_to=tick.delivered_up_to, read_up_to=tick.read_up_to
            )
        rows.append(
            events.conversation_data(
                membership, peer=peers.get(conversation.pk), last_message_status=status
            )
        )
    return rows


def message_rows(messages: Sequence[Message], *, viewer: User, ticks: selectors.Ticks) -> list:
    return [
        events.message_data(
            message,
            status=(
                events.message_status(
                    message, delivered_up_to=ticks.delivered_up_to, read_up_to=ticks.read_up_to
                )
                if message.author_id == viewer.pk
                else None
            ),
        )
        for message in messages
    ]


def member_pointer_rows(memberships: Sequence[Membership], *, viewer: User) -> list[dict]:
    return [
        {
            "user": events.user_data(membership.user),
            "role": membership.role,
            "joined_at": events.iso(membership.joined_at),
            "last_delivered_message_id": membership.last_delivered_message_id,
            "last_read_message_id": (
                membership.last_read_message_id
                if membership.user.send_read_receipts or membership.user_id == viewer.pk
                else None
            ),
        }
        for membership in memberships
    ]


def receipt_rows(receipts: Sequence[selectors.Receipt]) -> list[dict]:
    return [
        {
            "user": events.user_data(receipt.user),
            "delivered_at": events.iso(receipt.delivered_at),
            "read_at": events.iso(receipt.read_at),
        }
        for receipt in receipts
    ]
