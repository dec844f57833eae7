"""Domain signals of groups, sent by groups.actions inside the action's transaction.

Same rules as chat.signals: receivers (notifications) add their own rows in bulk
and publish; they never call back into groups actions. Sent with `sender=Group`.
"""

from django.dispatch import Signal

# group: groups.Group, actor: accounts.User, added_ids: list[int] (new members; they get
# group.invite), member_ids: list[int] (every member after the change, new ones included).
# Also sent by create_group with the initial members (the creator excluded) as added_ids.
members_added = Signal()

# group, actor, user_id: int (the removed member), member_ids: list[int] (remaining members).
member_removed = Signal()

# group, user_id: int (who left), member_ids: list[int] (remaining members),
# new_owner_id: int | None (when ownership passed on).
member_left = Signal()

# group, actor, user_id: int, role: str ("owner" | "admin" | "member"), member_ids: list[int].
role_updated = Signal()

# group, actor, changed: list[str] (field names), member_ids: list[int].
group_updated = Signal()

# group_id: int, name: str, conversation_id: int, actor, member_ids: list[int]
# (former members). Sent before the rows are deleted, in the same transaction.
group_deleted = Signal()
