"""The documented output shapes of the chat API.

Output bodies are built by chat/events.py (the same dicts the real-time events carry) and,
per viewer, by chat/api/bodies.py; the serializers here describe those shapes for the
OpenAPI schema, and tests keep the two in step.
"""

from rest_framework import serializers

from chat.models import Membership
from config.api import UserRefSerializer


class QuoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = UserRefSerializer()
    body = serializers.CharField(help_text="The start of the quoted message (empty if deleted).")
    is_deleted = serializers.BooleanField()


class ReactionSerializer(serializers.Serializer):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    me = serializers.BooleanField(help_text="Whether the caller (the event's recipient) is one.")


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="The file name as uploaded.")
    content_type = serializers.CharField(help_text="Sniffed from the bytes.")
    size = serializers.IntegerField()
    url = serializers.CharField(help_text="GET: the file (members of the conversation only).")
    thumbnail_url = serializers.CharField(allow_null=True, help_text="Images: a WebP preview.")
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


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
    reply_to = QuoteSerializer(allow_null=True)
    mentions = serializers.ListField(
        child=serializers.IntegerField(), help_text="The ids of the members @mentioned."
    )
    reactions = ReactionSerializer(many=True)
    attachments = AttachmentSerializer(many=True)


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
    unread_mention_count = serializers.IntegerField(
        help_text="Unread messages that @mention the caller (the chat list's badge)."
    )
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
