"""What the chat API accepts: request bodies and query strings, strictly typed."""

from typing import Any

from django.conf import settings
from rest_framework import serializers

from config.api import MAX_ID, StrictCharField


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


class OpenDirectInput(serializers.Serializer):
    user_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class SendInput(serializers.Serializer):
    body = StrictCharField(
        trim_whitespace=True,
        required=False,
        allow_blank=True,
        default="",
        help_text=f"1..{settings.MESSAGE_MAX_LENGTH} characters after stripping whitespace; "
        "may be empty (or left out) when `attachment_ids` are given.",
    )
    client_id = StrictUUIDField(help_text="The client's id for this message (UUID).")
    reply_to = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="The id of the message (of this conversation) this one answers.",
    )
    attachment_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        help_text="The caller's own uploads to this conversation not yet sent "
        "(POST .../attachments).",
    )

    def validate_body(self, body: str) -> str:
        return _check_length(body)

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("body") and not attrs.get("attachment_ids"):
            raise serializers.ValidationError({"body": ["This field may not be blank."]})
        return attrs


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
