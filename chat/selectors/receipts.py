"""Who has received and read what: the ticks of the caller's messages, one message's receipts."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case, F, Min, When

from accounts.models import User
from chat.models import Membership, Message, MessageReceipt


@dataclass(frozen=True)
class Ticks:
    """The lowest pointers among the other members: a message at or below them is delivered/read.

    A member who turned off read receipts counts as having read nothing, so others
    never see read ticks for them; their delivered ticks still show.
    """

    delivered_up_to: int | None
    read_up_to: int | None


def ticks_by_conversation(*, conversation_ids: Sequence[int], viewer_id: int) -> dict[int, Ticks]:
    """Ticks for the viewer's own messages in each conversation, in one query."""
    rows = (
        Membership.objects.filter(conversation_id__in=conversation_ids, left_at__isnull=True)
        .exclude(user_id=viewer_id)
        .values("conversation_id")
        .annotate(
            delivered=Min("last_delivered_message_id"),
            read=Min(
                Case(
                    When(user__send_read_receipts=True, then=F("last_read_message_id")),
                    default=0,
                )
            ),
        )
        .order_by()
    )
    ticks = {row["conversation_id"]: Ticks(row["delivered"], row["read"]) for row in rows}
    return {cid: ticks.get(cid, Ticks(None, None)) for cid in conversation_ids}


@dataclass(frozen=True)
class Receipt:
    user: User
    delivered_at: object
    read_at: object


def receipts_for(*, message: Message) -> list[Receipt]:
    """Per current member but the author: when the message reached and was read by them.

    Members who joined after the message was sent are left out; read times of
    members who keep read receipts off are hidden.
    """
    memberships = (
        Membership.objects.filter(
            conversation_id=message.conversation_id,
            left_at__isnull=True,
            joined_at__lte=message.created_at,
        )
        .exclude(user_id=message.author_id)
        .select_related("user")
        .order_by("user__username")
    )
    by_user = {
        receipt.user_id: receipt
        for receipt in MessageReceipt.objects.filter(message=message).only(
            "user_id", "delivered_at", "read_at"
        )
    }
    receipts = []
    for membership in memberships:
        receipt = by_user.get(membership.user_id)
        read_at = receipt.read_at if receipt else None
        if not membership.user.send_read_receipts:
            read_at = None
        receipts.append(
            Receipt(
                user=membership.user,
                delivered_at=receipt.delivered_at if receipt else None,
                read_at=read_at,
            )
        )
    return receipts
