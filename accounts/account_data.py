"""A user's data as a whole: deleting the account and exporting it.

These two span every app that holds something of the user (chat, groups, notifications),
so this module sits above them all, as a management command does: only the accounts API
imports it, and nothing in chat, groups or notifications imports it back. Each app's part
is a public action or selector of that app.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import blocking, services
from accounts.api.serializers import MeSerializer
from accounts.models import User
from chat import actions as chat_actions
from chat import selectors as chat_selectors
from chat.models import Conversation, Membership
from groups import actions as group_actions
from groups.models import Group
from notifications import actions as notification_actions
from notifications import selectors as notification_selectors
from notifications.api.serializers import NotificationSerializer
from notifications.api.views import preferences_data
from realtime import revocations


def delete_account(*, user: User, password: str) -> None:
    """Delete the account: the user leaves every conversation, their data goes, the row
    stays as a "Deleted user" tombstone that their messages keep as author.

    Group ownership passes on as when an owner leaves (groups.actions.leave_group); the
    last member out deletes the group. One transaction; open streams close once it commits.
    """
    if not user.check_password(password):
        raise services.WrongPassword("password")
    user_id = user.pk
    with transaction.atomic():
        memberships = list(
            Membership.objects.filter(user=user, left_at__isnull=True).select_related(
                "conversation"
            )
        )
        group_ids = dict(
            Group.objects.filter(
                conversation_id__in=[m.conversation_id for m in memberships]
            ).values_list("conversation_id", "pk")
        )
        for membership in memberships:
            if membership.conversation.kind == Conversation.Kind.GROUP:
                group_actions.leave_group(user=user, group_id=group_ids[membership.conversation_id])
            else:
                chat_actions.end_membership(membership=membership)
        notification_actions.erase_user_data(user=user)
        services.anonymize_user(user=user)
        revocations.revoke_users([user_id])  # on commit: every node closes their streams


def export_account(*, user: User) -> dict[str, Any]:
    """The user's own data as JSON: profile, preferences, blocks, messages, notifications."""
    notifications = notification_selectors.inbox(user_id=user.pk)
    return {
        "exported_at": timezone.now().isoformat(),
        "profile": MeSerializer(user).data,
        "preferences": preferences_data(user),
        "blocked_users": [
            {"id": blocked.pk, "username": blocked.username}
            for blocked in blocking.blocked_users(user_id=user.pk)
        ],
        "messages": [
            {
                "id": message.pk,
                "conversation_id": message.conversation_id,
                "body": message.body,
                "created_at": message.created_at.isoformat(),
                "edited_at": message.edited_at.isoformat() if message.edited_at else None,
                "deleted_at": message.deleted_at.isoformat() if message.deleted_at else None,
            }
            for message in chat_selectors.messages_by_author(user_id=user.pk).iterator(2000)
        ],
        "notifications": NotificationSerializer(notifications, many=True).data,
    }
