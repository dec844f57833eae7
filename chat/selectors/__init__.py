"""Reused reads of chat, by what they select.

- `memberships.py`: the caller's membership check, the current members;
- `conversation_list.py`: the caller's conversations, direct peers, unread mentions;
- `messages.py`: one visible message or attachment, history pages, the export;
- `receipts.py`: ticks and per-member receipts;
- `presence.py`: who sees each user's online / last-seen.
"""

from chat.selectors.conversation_list import (
    conversation_list,
    direct_peer_id,
    peers_by_conversation,
    unread_mention_counts,
)
from chat.selectors.memberships import active_member_ids, active_membership, current_members
from chat.selectors.messages import (
    message_page,
    messages_by_author,
    visible_attachment,
    visible_message,
)
from chat.selectors.presence import presence_audiences
from chat.selectors.receipts import Receipt, Ticks, receipts_for, ticks_by_conversation

__all__ = [
    "Receipt",
    "Ticks",
    "active_member_ids",
    "active_membership",
    "conversation_list",
    "current_members",
    "direct_peer_id",
    "message_page",
    "messages_by_author",
    "peers_by_conversation",
    "presence_audiences",
    "receipts_for",
    "ticks_by_conversation",
    "unread_mention_counts",
    "visible_attachment",
    "visible_message",
]
