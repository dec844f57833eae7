"""Reports of messages and how moderators settle them (the queue is in the Django admin)."""

from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from chat import selectors
from chat.actions.messages import moderate_delete_message
from chat.errors import CannotReportOwnMessage, MessageDeleted
from chat.models import MessageReport

Status = MessageReport.Status


def report_message(*, reporter: User, message_id: int, reason: str) -> tuple[MessageReport, bool]:
    """File (or, reporting again, update) the reporter's report of a message they can see.

    Returns (report, created). A settled report that is filed again opens again.
    """
    message, _ = selectors.visible_message(user=reporter, message_id=message_id)
    if message.author_id == reporter.pk:
        raise CannotReportOwnMessage()
    if message.deleted_at is not None:
        raise MessageDeleted()
    report, created = MessageReport.objects.update_or_create(
        message=message,
        reporter=reporter,
        defaults={
            "reason": reason,
            "status": Status.OPEN,
            "resolved_at": None,
            "resolved_by": None,
        },
    )
    return report, created


def _settle(report_ids: list[int], *, moderator: User, status: str) -> int:
    return MessageReport.objects.filter(pk__in=report_ids, status=Status.OPEN).update(
        status=status, resolved_at=timezone.now(), resolved_by=moderator
    )


def resolve_reports(*, moderator: User, report_ids: list[int]) -> int:
    """Close open reports without acting on the message; returns how many closed."""
    return _settle(report_ids, moderator=moderator, status=Status.RESOLVED)


def delete_reported_messages(*, moderator: User, report_ids: list[int]) -> int:
    """Soft-delete the reported messages (members hear `message.deleted`) and close every
    open report of them; returns how many messages were deleted."""
    message_ids = sorted(
        set(MessageReport.objects.filter(pk__in=report_ids).values_list("message_id", flat=True))
    )
    with transaction.atomic():
        for message_id in message_ids:
            moderate_delete_message(moderator=moderator, message_id=message_id)
        open_reports = MessageReport.objects.filter(message_id__in=message_ids, status=Status.OPEN)
        _settle(list(open_reports.values_list("pk", flat=True)), moderator=moderator,
                status=Status.MESSAGE_DELETED)  # fmt: skip
    return len(message_ids)


def deactivate_reported_authors(*, moderator: User, report_ids: list[int]) -> int:
    """Deactivate the authors of the reported messages (never the moderator themself) and
    close every open report of their messages; returns how many authors."""
    author_ids = sorted(
        set(
            MessageReport.objects.filter(pk__in=report_ids)
            .exclude(message__author_id=moderator.pk)
            .values_list("message__author_id", flat=True)
        )
    )
    with transaction.atomic():
        account_services.deactivate_users(user_ids=author_ids)
        open_reports = MessageReport.objects.filter(
            message__author_id__in=author_ids, status=Status.OPEN
        )
        _settle(list(open_reports.values_list("pk", flat=True)), moderator=moderator,
                status=Status.AUTHOR_DEACTIVATED)  # fmt: skip
    return len(author_ids)
