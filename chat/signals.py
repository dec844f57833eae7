"""Domain signals of chat, sent by chat.actions inside the action's transaction.

They exist so that apps downstream of chat (notifications) can fan out without
chat importing them. Receivers run in the same transaction: they must only
add their own rows (in bulk) and publish, never call back into chat actions.

Every signal is sent with `sender=Conversation` and these keyword arguments:
"""

from django.dispatch import Signal

# message: chat.Message (author, body, conversation loaded), recipient_ids: list[int]
# (every current member but the author).
message_sent = Signal()

# message: chat.Message (already updated), member_ids: list[int] (every current member).
message_edited = Signal()

# message: chat.Message (soft-deleted), deleted_by: accounts.User, member_ids: list[int].
message_deleted = Signal()

# conversation: chat.Conversation, reader: accounts.User, message_ids: list[int]
# (the messages newly acknowledged by this call, oldest first), author_ids: list[int]
# (distinct authors of those messages, never the reader).
messages_delivered = Signal()
messages_read = Signal()

# message: chat.Message (author, body, conversation loaded), user_ids: list[int] (the
# members newly @mentioned in it, maybe the author): on send, and on edit for added names.
message_mentioned = Signal()
