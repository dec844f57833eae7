"""Chat's data: conversations, who is in them, their messages and per-recipient receipts.

- `conversation.py`: `Conversation`, `Membership` (the pointers and unread counter);
- `message.py`: `Message` and what each recipient has of it (`MessageReceipt`,
  `MessageReaction`, `MessageMention`);
- `attachment.py`: `Attachment` and the storage its files live in;
- `report.py`: `MessageReport`, the moderation queue.
"""

from chat.models.attachment import (
    ATTACHMENT_STORAGE,
    Attachment,
    AttachmentStorage,
    attachment_storage,
)
from chat.models.conversation import Conversation, Membership
from chat.models.message import Message, MessageMention, MessageReaction, MessageReceipt
from chat.models.report import MessageReport

__all__ = [
    "ATTACHMENT_STORAGE",
    "Attachment",
    "AttachmentStorage",
    "Conversation",
    "Membership",
    "Message",
    "MessageMention",
    "MessageReaction",
    "MessageReceipt",
    "MessageReport",
    "attachment_storage",
]
