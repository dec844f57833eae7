from rest_framework import serializers


class SubscriptionOutput(serializers.Serializer):
    topic = serializers.CharField()
    subscribed = serializers.BooleanField()


class PublishInput(serializers.Serializer):
    event = serializers.RegexField(r"^[a-zA-Z0-9_.-]{1,64}$", required=False, default="message")
    data = serializers.JSONField()


class PublishOutput(serializers.Serializer):
    topic = serializers.CharField()
    event_id = serializers.IntegerField()
    duplicate = serializers.BooleanField()


class NodeOutput(serializers.Serializer):
    node = serializers.CharField()
    version = serializers.CharField()
    open_streams = serializers.IntegerField()
    uptime_seconds = serializers.FloatField()
    draining = serializers.BooleanField()
    database = serializers.CharField()
    redis = serializers.CharField()
    seen_at = serializers.FloatField()


class NodesOutput(serializers.Serializer):
    node = serializers.CharField(help_text="The node that answered")
    nodes = NodeOutput(many=True)
