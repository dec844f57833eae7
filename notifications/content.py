"""Words of notifications: titles and bodies per type, kept out of the receivers."""

from collections.abc import Sequence

from django.utils.text import Truncator

BODY_EXCERPT = 200
ROLE_WORDS = {"owner": "the owner", "admin": "an admin", "member": "a member"}


def excerpt(text: str, length: int = BODY_EXCERPT) -> str:
    return Truncator(" ".join(text.split())).chars(length)


def where(group_name: str | None) -> str:
    return f" in {group_name}" if group_name else ""


def names(people: Sequence[str], *, limit: int = 3) -> str:
    """ "Carol", "Carol and Dave", "Carol, Dave and Erin", "Carol, Dave, Erin and 2 others"."""
    people = list(people)
    if len(people) <= 1:
        return "".join(people)
    if len(people) <= limit:
        return f"{', '.join(people[:-1])} and {people[-1]}"
    rest = len(people) - limit
    return f"{', '.join(people[:limit])} and {rest} other{'s' if rest > 1 else ''}"


def new_message_title(*, author: str, group_name: str | None) -> str:
    return f"{author}{where(group_name)}"


def mention_title(*, author: str, group_name: str | None) -> str:
    return f"{author} mentioned you{where(group_name)}"


def receipt_title(*, reader: str, read: bool, count: int) -> str:
    verb = "read" if read else "received"
    what = "your message" if count == 1 else f"{count} of your messages"
    return f"{reader} {verb} {what}"


def message_deleted_title(*, deleter: str, group_name: str | None) -> str:
    return f"{deleter} deleted a message{where(group_name)}"


def invite_title(*, actor: str, group_name: str) -> str:
    return f"{actor} added you to {group_name}"


def members_added_body(*, actor: str, added: Sequence[str]) -> str:
    return f"{actor} added {names(added)}"


def removed_you_title(*, actor: str, group_name: str) -> str:
    return f"{actor} removed you from {group_name}"


def removed_member_body(*, actor: str, removed: str) -> str:
    return f"{actor} removed {removed}"


def left_body(*, who: str) -> str:
    return f"{who} left"


def role_title(*, actor: str | None, role: str, group_name: str) -> str:
    role_words = ROLE_WORDS.get(role, role)
    if actor is None:
        return f"You are now {role_words} of {group_name}"
    return f"{actor} made you {role_words} of {group_name}"


def group_updated_body(*, actor: str, changed: Sequence[str], name: str) -> str:
    changed = set(changed)
    if "name" in changed:
        return f'{actor} renamed the group to "{name}"'
    parts = [field for field in ("description", "avatar") if field in changed] or ["details"]
    return f"{actor} changed the group's {' and '.join(parts)}"


def group_deleted_title(*, actor: str, group_name: str) -> str:
    return f"{actor} deleted the group {group_name}"
