"""Chat and groups events become notifications. Connected in NotificationsConfig.ready().

Each receiver runs inside the sender's transaction (chat/signals.py, groups/signals.py):
it adds its rows in bulk and publishes, and never calls back into chat or groups.
"""

from chat import audience as chat_audience
from chat import signals as chat_signals
from groups import signals as group_signals
from notifications.audience import receipt_wanted_columns, recipient_columns
from notifications.receivers.chat import (
    on_message_deleted,
    on_message_edited,
    on_message_sent,
    on_messages_delivered,
    on_messages_read,
)
from notifications.receivers.groups import (
    on_group_deleted,
    on_group_updated,
    on_member_left,
    on_member_removed,
    on_members_added,
    on_role_updated,
)

CONNECTIONS = [
    (chat_signals.message_sent, on_message_sent),
    (chat_signals.message_edited, on_message_edited),
    (chat_signals.message_deleted, on_message_deleted),
    (chat_signals.messages_delivered, on_messages_delivered),
    (chat_signals.messages_read, on_messages_read),
    (group_signals.members_added, on_members_added),
    (group_signals.member_removed, on_member_removed),
    (group_signals.member_left, on_member_left),
    (group_signals.role_updated, on_role_updated),
    (group_signals.group_updated, on_group_updated),
    (group_signals.group_deleted, on_group_deleted),
]


def connect() -> None:
    chat_audience.add_recipient_columns(recipient_columns)
    chat_audience.add_ack_columns(receipt_wanted_columns)
    for signal, receiver in CONNECTIONS:
        signal.connect(receiver, dispatch_uid=f"notifications.{receiver.__name__}")
