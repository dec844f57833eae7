"""Every write of groups: one function per change, one transaction each.

Who may do what (owner > admin > member):
- any member: read, send, leave;
- admins and the owner: add members, rename/describe, remove or change the role of
  someone ranked *below* them, make a member an admin;
- the owner only: remove or demote admins, hand over ownership (change someone's role
  to "owner"; the old owner becomes an admin), delete the group.
Nobody can remove or demote the owner; the owner leaves instead, which hands
ownership to the oldest admin, else the oldest member (the last one out deletes it).

Each action checks (`checks.py`: its input, the group's lock, the caller's rank), writes,
then tells the members (`announcements.py`). The actions by topic:
- `lifecycle.py`: create_group, update_group, delete_group;
- `membership.py`: add_members, remove_member, leave_group;
- `roles.py`: change_role.
"""

from groups.actions.lifecycle import create_group, delete_group, update_group
from groups.actions.membership import add_members, leave_group, remove_member
from groups.actions.roles import change_role

__all__ = [
    "add_members",
    "change_role",
    "create_group",
    "delete_group",
    "leave_group",
    "remove_member",
    "update_group",
]
