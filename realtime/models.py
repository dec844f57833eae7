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
