"""@mentions: which members a message body names.

`@username` counts when it starts the text or follows a character that cannot be part of
an address or a name (so `bob@example.com` mentions nobody), matched case-insensitively
against the usernames of the conversation's current members; anyone else is plain text.
"""

import re

from django.db.models.functions import Lower

from chat.models import Membership

# Usernames are Django's: letters, digits and @.+-_ ; a mention stops at the first
# character outside [\w.+-] and never ends with a dot (the end of a sentence).
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]*[\w+-])", re.UNICODE)
MAX_MENTIONS = 50


def mentioned_usernames(body: str) -> list[str]:
    """The lower-cased usernames written as @mentions in `body`, first appearance first."""
    names: dict[str, None] = {}
    for match in MENTION.finditer(body):
        names.setdefault(match.group(1).lower(), None)
        if len(names) >= MAX_MENTIONS:
            break
    return list(names)


def member_ids_named(*, conversation_id: int, usernames: list[str]) -> list[int]:
    """The current members whose username (any case) is one of `usernames` (one query)."""
    if not usernames:
        return []
    return list(
        Membership.objects.filter(conversation_id=conversation_id, left_at__isnull=True)
        .annotate(username_lower=Lower("user__username"))
        .filter(username_lower__in=usernames)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
