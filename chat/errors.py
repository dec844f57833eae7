"""Chat's domain errors; config.errors.api_exception_handler maps them to HTTP."""

from rest_framework import status

from config.errors import Conflict, DomainError, Forbidden, NotFound


class NotAMember(NotFound):
    """The caller is not (or no longer) in the conversation: it does not exist for them."""

    code = "conversation_not_found"
    message = "Conversation not found."


class MessageNotFound(NotFound):
    code = "message_not_found"
    message = "Message not found."


class UserNotFound(NotFound):
    code = "user_not_found"
    message = "User not found."


class NotAllowed(Forbidden):
    pass


class NotTheAuthor(NotAllowed):
    code = "not_the_author"
    message = "Only the author can do that to a message."


class EditWindowClosed(NotAllowed):
    code = "edit_window_closed"
    message = "The time to edit this message has passed."


class MessageDeleted(DomainError):
    status_code = status.HTTP_410_GONE
    code = "message_deleted"
    message = "This message was deleted."


class ClientIdReused(Conflict):
    code = "client_id_reused"
    message = "This client_id was already used for a message in another conversation."


class InvalidMessage(DomainError):
    code = "invalid"
    message = "The message body is invalid."


class InvalidAck(DomainError):
    code = "invalid"
    message = "up_to must be the id of a message in this conversation."


class CannotChatWithSelf(DomainError):
    code = "invalid"
    message = "You cannot open a direct conversation with yourself."


# --- chat essentials: replies, reactions, attachments, search -----------------------


class InvalidReplyTo(DomainError):
    code = "invalid_reply_to"
    message = "reply_to must be the id of a message in this conversation."


class InvalidEmoji(DomainError):
    code = "invalid_emoji"
    message = "A reaction must be exactly one emoji."


class InvalidAttachment(DomainError):
    code = "invalid_attachment"
    message = "attachment_ids must be your own unsent uploads to this conversation."


class AttachmentTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "attachment_too_large"
    message = "The file is larger than the attachment limit."


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    message = "Attachment not found."


class InvalidSearch(DomainError):
    code = "invalid"
    message = "The search query is invalid."


class CannotReportOwnMessage(DomainError):
    code = "invalid"
    message = "You cannot report your own message."
