"""The event names of the public contract (API.md, "Real time"): one list for every transport."""

MESSAGE_NEW = "message.new"
MESSAGE_UPDATED = "message.updated"
MESSAGE_DELETED = "message.deleted"
MESSAGE_DELIVERED = "message.delivered"
MESSAGE_READ = "message.read"
MESSAGE_REACTIONS = "message.reactions"
GROUP_INVITE = "group.invite"
GROUP_MEMBER_ADDED = "group.member_added"
GROUP_MEMBER_REMOVED = "group.member_removed"
GROUP_MEMBER_LEFT = "group.member_left"
GROUP_ROLE_UPDATED = "group.role_updated"
GROUP_UPDATED = "group.updated"
GROUP_DELETED = "group.deleted"
NOTIFICATION_NEW = "notification.new"
TYPING = "typing"
PRESENCE = "presence"
TOPIC_MESSAGE = "topic.message"

ALL = (
    MESSAGE_NEW, MESSAGE_UPDATED, MESSAGE_DELETED, MESSAGE_DELIVERED, MESSAGE_READ,
    MESSAGE_REACTIONS,
    GROUP_INVITE, GROUP_MEMBER_ADDED, GROUP_MEMBER_REMOVED, GROUP_MEMBER_LEFT,
    GROUP_ROLE_UPDATED, GROUP_UPDATED, GROUP_DELETED, NOTIFICATION_NEW, TYPING, PRESENCE,
    TOPIC_MESSAGE,
)  # fmt: skip

# --- Stream control events --------------------------------------------------------------------
# Sent by a stream itself (SSE, WebSocket, long poll), not published by a domain action.
STREAM_OPEN = "stream-open"
STREAM_RESET = "stream-reset"
STREAM_RECONNECT = "stream-reconnect"
KEEP_ALIVE = "keep-alive"

STREAM_CONTROL = (STREAM_OPEN, STREAM_RESET, STREAM_RECONNECT, KEEP_ALIVE)

# Published (ephemeral) on a user's channel to make their open streams reconnect, e.g. after
# their topic subscriptions changed; the streams turn it into STREAM_RECONNECT.
RECONNECT_REQUEST = "stream.control"
