"""Groups' payloads: one shape for the REST API and the `group.*` events."""

from typing import Any

from accounts.models import User
from chat.models import Membership
from config.api import iso, user_data
from groups.models import Group


def group_data(group: Group) -> dict[str, Any]:
    return {
        "id": group.pk,
        "conversation_id": group.conversation_id,
        "name": group.name,
        "description": group.description,
        "avatar": group.avatar,
        "created_by_id": group.created_by_id,
        "created_at": iso(group.created_at),
        "updated_at": iso(group.updated_at),
    }


def member_data(membership: Membership) -> dict[str, Any]:
    return {
        "user": user_data(membership.user),
        "role": membership.role,
        "joined_at": iso(membership.joined_at),
    }


def group_detail(group: Group, *, members: list[Membership]) -> dict[str, Any]:
    """The group with its current members (`members` with `user` loaded)."""
    return {
        **group_data(group),
        "member_count": len(members),
        "members": [member_data(membership) for membership in members],
    }


def invite(group: Group, *, members: list[Membership], actor: User) -> dict[str, Any]:
    """`group.invite`, to the new members: everything needed to show the group at once."""
    return {"group": group_detail(group, members=members), "actor": user_data(actor)}


def members_added(group: Group, *, added: list[Membership], actor: User) -> dict[str, Any]:
    return {
        "group": group_data(group),
        "actor": user_data(actor),
        "members": [member_data(membership) for membership in added],
    }


def member_removed(group: Group, *, user_id: int, actor: User) -> dict[str, Any]:
    return {"group": group_data(group), "actor": user_data(actor), "user_id": user_id}


def member_left(group: Group, *, user_id: int, new_owner_id: int | None) -> dict[str, Any]:
    return {"group": group_data(group), "user_id": user_id, "new_owner_id": new_owner_id}


def role_updated(group: Group, *, user_id: int, role: str, actor: User) -> dict[str, Any]:
    return {"group": group_data(group), "actor": user_data(actor), "user_id": user_id, "role": role}


def group_updated(group: Group, *, changed: list[str], actor: User) -> dict[str, Any]:
    return {"group": group_data(group), "actor": user_data(actor), "changed": changed}


def group_deleted(*, group_id: int, conversation_id: int, name: str, actor: User) -> dict[str, Any]:
    return {
        "group_id": group_id,
        "conversation_id": conversation_id,
        "name": name,
        "actor": user_data(actor),
    }
