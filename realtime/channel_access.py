"""Which event channels a user may read, plugged into django-eventstream as its ChannelManager.

A user reads their own `user-<id>` channel, the `broadcast` channel and the
topics they subscribed to; a private topic needs a subscription, which only
staff can create for others.
"""

import re

from django_eventstream.channelmanager import ChannelManagerBase

from realtime.channel_names import BROADCAST_CHANNEL, topic_channel, user_channel
from realtime.models import Topic, TopicSubscription

USER_CHANNEL = re.compile(r"^user-(\d+)$")
TOPIC_CHANNEL = re.compile(r"^topic-([-a-zA-Z0-9_]{1,64})$")
MAX_TOPICS_PER_STREAM = 50


def channels_for_user(user_id: int) -> list[str]:
    """Every channel a user's stream carries (one query)."""
    topics = TopicSubscription.objects.filter(user_id=user_id).values_list("topic__name", flat=True)
    topic_channels = [topic_channel(name) for name in topics[:MAX_TOPICS_PER_STREAM]]
    return [user_channel(user_id), BROADCAST_CHANNEL, *topic_channels]


class ParleyChannelManager(ChannelManagerBase):
    def get_channels_for_request(self, request, view_kwargs: dict) -> set[str]:
        # Channels are decided by the server from the authenticated user, never by the client.
        return set(view_kwargs.get("channels", ()))

    def can_read_channel(self, user, channel: str) -> bool:
        if user is None or not user.is_authenticated:
            return False
        if channel == BROADCAST_CHANNEL:
            return True
        if match := USER_CHANNEL.match(channel):
            return int(match.group(1)) == user.pk
        if match := TOPIC_CHANNEL.match(channel):
            return (
                TopicSubscription.objects.filter(
                    user_id=user.pk, topic__name=match.group(1)
                ).exists()
                or Topic.objects.filter(name=match.group(1), is_public=True).exists()
            )
        return False

    def is_channel_reliable(self, channel: str) -> bool:
        return True
