"""Every write of chat: one function per change, one transaction each.

Views, groups.actions, the admin and management commands call these; nothing
else writes chat's tables.
"""

from chat.actions.conversations import (
    create_group_conversation,
    end_membership,
    ensure_may_write,
    get_or_create_direct_conversation,
    join_members,
    lock_conversation,
)
from chat.actions.messages import (
    clean_body,
    delete_message,
    edit_message,
    moderate_delete_message,
    restore_message,
)
from chat.actions.receipts import mark_delivered_up_to, mark_read_up_to
from chat.actions.sending import send_message
from chat.actions.typing import apublish_typing, publish_typing

__all__ = [
    "apublish_typing",
    "clean_body",
    "create_group_conversation",
    "delete_message",
    "edit_message",
    "end_membership",
    "ensure_may_write",
    "get_or_create_direct_conversation",
    "join_members",
    "lock_conversation",
    "mark_delivered_up_to",
    "mark_read_up_to",
    "moderate_delete_message",
    "publish_typing",
    "restore_message",
    "send_message",
]
