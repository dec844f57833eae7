from rest_framework import serializers

from config.api import MAX_ID, UserRefSerializer
from notifications.events import notification_data
from notifications.models import Channel, DeliveryStatus, NotificationType, PushSubscription
from notifications.preferences import CHANNEL_KEYS


class ActorSerializer(UserRefSerializer):
    pass  # the user reference, named "Actor" in the schema


class NotificationSerializer(serializers.Serializer):
    """Output only; the same dict as the `notification.new` event's `notification`."""

    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=NotificationType.choices)
    title = serializers.CharField()
    body = serializers.CharField()
    data = serializers.JSONField()
    actor = ActorSerializer(allow_null=True)
    conversation_id = serializers.IntegerField(allow_null=True)
    group_id = serializers.IntegerField(allow_null=True)
    message_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance) -> dict:
        return notification_data(instance)


class InboxQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False)
    type = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationType.choices), required=False
    )


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class ReadAllInput(serializers.Serializer):
    conversation_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    type = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationType.choices),
        required=False,
        max_length=len(NotificationType.choices),
    )


class ChannelSwitches(serializers.Serializer):
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
    push = serializers.BooleanField()
    sms = serializers.BooleanField()


class MuteSerializer(serializers.Serializer):
    conversation_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    until = serializers.DateTimeField(allow_null=True, required=False, default=None)


class QuietHoursSerializer(serializers.Serializer):
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")


class PreferencesSerializer(serializers.Serializer):
    """Per type and channel switches (every type, defaults filled in), mutes in force,
    quiet hours (null: none) in `time_zone`, SMS number and read receipts."""

    channels = serializers.DictField(child=ChannelSwitches())
    mutes = MuteSerializer(many=True)
    quiet_hours = QuietHoursSerializer(allow_null=True)
    time_zone = serializers.CharField()
    sms_number = serializers.CharField()
    send_read_receipts = serializers.BooleanField()


class PreferencesInput(serializers.Serializer):
    """Every field optional: what is sent changes, the rest stays.

    `channels` ({type: {in_app|email|push|sms: bool}}) merges per type and channel;
    `mutes` replaces the list of muted conversations; `quiet_hours: null` turns
    them off.
    """

    channels = serializers.DictField(
        child=serializers.DictField(child=serializers.BooleanField()), required=False
    )
    mutes = MuteSerializer(many=True, required=False)
    quiet_hours = QuietHoursSerializer(allow_null=True, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    sms_number = serializers.RegexField(
        r"^(\+[1-9]\d{6,14})?$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "An E.164 number such as +14155550100, or empty."},
    )
    send_read_receipts = serializers.BooleanField(required=False)

    def validate_channels(self, value: dict) -> dict:
        unknown = set(value) - set(NotificationType.values)
        if unknown:
            raise serializers.ValidationError(f"Unknown type(s): {', '.join(sorted(unknown))}.")
        for kind, switches in value.items():
            bad = set(switches) - set(CHANNEL_KEYS)
            if bad:
                raise serializers.ValidationError(
                    f"{kind}: unknown channel(s) {', '.join(sorted(bad))}."
                )
        return value


class PushKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)


class PushSubscriptionInput(serializers.Serializer):
    """What the browser's `PushSubscription.toJSON()` gives."""

    endpoint = serializers.URLField(max_length=1000)
    keys = PushKeysSerializer()
    expirationTime = serializers.IntegerField(required=False, allow_null=True)


class PushSubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "user_agent", "created_at", "last_success_at"]
        read_only_fields = fields


class PushUnsubscribeInput(serializers.Serializer):
    endpoint = serializers.URLField(max_length=1000)


class PushConfigSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    vapid_public_key = serializers.CharField()


class DeliveryRecipientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    notification_id = serializers.IntegerField()
    type = serializers.CharField(source="notification.type")
    recipient = DeliveryRecipientSerializer(source="notification.recipient")
    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    provider_message_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class DeliveryQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)


class RetryAllInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
