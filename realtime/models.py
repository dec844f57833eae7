from django.db import models


class ChannelCounter(models.Model):
    """The last event id of one channel; its row lock orders a channel's appends."""

    channel = models.CharField(max_length=200, primary_key=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.channel}@{self.last_id}"


class StoredEvent(models.Model):
    """One event on one channel, kept for Last-Event-ID replay until retention ends."""

    channel = models.CharField(max_length=200)
    seq = models.BigIntegerField()
    type = models.CharField(max_length=64)
    data = models.TextField(help_text="JSON, encoded once at publish time")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "seq"], name="storedevent_channel_seq_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}#{self.seq} {self.type}"


class Topic(models.Model):
    """A channel that services publish to and users subscribe to (`topic-<name>`)."""

    name = models.SlugField(max_length=64, unique=True)
    description = models.CharField(max_length=200, blank=True)
    is_public = models.BooleanField(
        default=True, help_text="Public topics can be subscribed to by any signed-in user."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class TopicSubscription(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="topic_subscriptions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="topicsubscription_user_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.topic_id}"


class ApiKey(models.Model):
    """A server-to-server publisher's key; only its SHA-256 is stored."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True, help_text="Shown to identify the key")
    hashed_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class TopicPublication(models.Model):
    """Remembers a publish's Idempotency-Key so a retried publish is delivered once."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="publications")
    idempotency_key = models.CharField(max_length=128)
    event_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "idempotency_key"], name="topicpublication_topic_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.idempotency_key}"


class UserPublication(models.Model):
    """Remembers the key of a publish to a list of users (message-bus ingest), as
    TopicPublication does for topics, so a redelivered bus message is delivered once."""

    idempotency_key = models.CharField(max_length=128, unique=True)
    event_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.idempotency_key
