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

# Stream control: what the transports themselves send a client around the events above (the
# SSE `event:` name, a WebSocket frame's `event`). Never stored, never replayed; not in ALL.
STREAM_OPEN = "stream-open"  # the stream is open (its id is the position to resume from)
KEEP_ALIVE = "keep-alive"  # nothing for SSE_HEARTBEAT_SECONDS; the connection is alive
STREAM_RESET = "stream-reset"  # the resume id is past retention: refetch state
STREAM_RECONNECT = "stream-reconnect"  # the node drains, or the stream's channels changed
STREAM_ERROR = "stream-error"  # django-eventstream's error frame (sse_encode_error)

STREAM_CONTROL = (STREAM_OPEN, KEEP_ALIVE, STREAM_RESET, STREAM_RECONNECT, STREAM_ERROR)

# Internal: published on a user's channel to make their open streams end with STREAM_RECONNECT
# (e.g. their topic subscriptions changed). A stream consumes it; no client ever sees it.
STREAM_RECONNECT_REQUEST = "stream.control"
