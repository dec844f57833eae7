"""The names of event channels: one per user, one per topic, and `broadcast`."""

BROADCAST_CHANNEL = "broadcast"


def user_channel(user_id: int) -> str:
    return f"user-{user_id}"


def topic_channel(name: str) -> str:
    return f"topic-{name}"
