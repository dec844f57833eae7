import pytest

from chat import actions as chat_actions
from chat.errors import NotAMember
from chat.models import Conversation, Membership, Message
from groups import actions, signals
from groups.errors import (
    GroupFull,
    GroupNotFound,
    InvalidGroup,
    InvalidMembers,
    MemberNotFound,
    NotAGroupAdmin,
    OwnerOnly,
    RoleNotAllowed,
)
from groups.models import Group, Role
from realtime.models import StoredEvent
from tests.chat.helpers import clear_events, event_types_for, events_for, recipients_of, send
from tests.factories import UserFactory
from tests.groups.helpers import role_of

pytestmark = pytest.mark.django_db


def test_create_makes_the_creator_owner_and_invites_the_others(alice, bob, carol, captured):
    added = captured(signals.members_added)
    group = actions.create_group(
        creator=alice, name="  Team ", description="d", member_ids=[bob.pk, carol.pk, alice.pk]
    )
    assert group.name == "Team"
    assert group.conversation.kind == Conversation.Kind.GROUP
    assert group.created_by == alice
    assert (role_of(alice, group), role_of(bob, group), role_of(carol, group)) == (
        Role.OWNER,
        Role.MEMBER,
        Role.MEMBER,
    )
    assert recipients_of("group.invite") == {bob.pk, carol.pk}
    assert recipients_of("group.member_added") == {alice.pk}
    (invite,) = events_for(bob, "group.invite")
    assert invite["group"]["name"] == "Team"
    assert invite["group"]["conversation_id"] == group.conversation_id
    assert [m["user"]["username"] for m in invite["group"]["members"]] == ["alice", "bob", "carol"]
    assert invite["actor"]["id"] == alice.pk
    (call,) = added
    assert call["sender"] is Group
    assert call["added_ids"] == sorted([bob.pk, carol.pk])
    assert sorted(call["member_ids"]) == sorted([alice.pk, bob.pk, carol.pk])


def test_create_refuses_unknown_users_and_blank_names(alice):
    with pytest.raises(InvalidMembers):
        actions.create_group(creator=alice, name="x", member_ids=[999_999])
    with pytest.raises(InvalidGroup):
        actions.create_group(creator=alice, name="   ", member_ids=[])
    assert not Group.objects.exists() and not Conversation.objects.exists()


def test_groups_have_a_maximum_size(alice, bob, carol, settings):
    settings.GROUP_MAX_MEMBERS = 2
    with pytest.raises(GroupFull):
        actions.create_group(creator=alice, name="x", member_ids=[bob.pk, carol.pk])
    group = actions.create_group(creator=alice, name="x", member_ids=[bob.pk])
    with pytest.raises(GroupFull):
        actions.add_members(actor=alice, group_id=group.pk, user_ids=[carol.pk])


def test_admin_adds_members_who_start_caught_up(alice, bob, carol, dave, team):
    send(bob, team.conversation)
    actions.change_role(actor=alice, group_id=team.pk, user_id=bob.pk, role=Role.ADMIN)
    clear_events()
    joined = actions.add_members(actor=bob, group_id=team.pk, user_ids=[dave.pk, carol.pk])
    assert joined == [dave.pk]
    assert role_of(dave, team) == Role.MEMBER
    row = Membership.objects.get(conversation=team.conversation, user=dave)
    assert row.unread_count == 0
    assert row.last_read_message_id == team.conversation.messages.get().pk
    assert recipients_of("group.invite") == {dave.pk}
    assert recipients_of("group.member_added") == {alice.pk, bob.pk, carol.pk}
    (added,) = events_for(carol, "group.member_added")
    assert [m["user"]["id"] for m in added["members"]] == [dave.pk]


def test_adding_only_existing_members_is_silent(alice, bob, team):
    clear_events()
    assert actions.add_members(actor=alice, group_id=team.pk, user_ids=[bob.pk]) == []
    assert not StoredEvent.objects.exists()


def test_plain_member_cannot_add_remove_or_change_roles(alice, bob, carol, dave, team):
    with pytest.raises(NotAGroupAdmin):
        actions.add_members(actor=bob, group_id=team.pk, user_ids=[dave.pk])
    with pytest.raises(NotAGroupAdmin):
        actions.remove_member(actor=bob, group_id=team.pk, user_id=carol.pk)
    with pytest.raises(NotAGroupAdmin):
        actions.change_role(actor=bob, group_id=team.pk, user_id=carol.pk, role=Role.ADMIN)
    with pytest.raises(NotAGroupAdmin):
        actions.update_group(actor=bob, group_id=team.pk, name="Mine")
    with pytest.raises(OwnerOnly):
        actions.delete_group(actor=bob, group_id=team.pk)


def test_outsider_gets_not_found_for_everything(alice, dave, team):
    for call in (
        lambda: actions.add_members(actor=dave, group_id=team.pk, user_ids=[dave.pk]),
        lambda: actions.remove_member(actor=dave, group_id=team.pk, user_id=alice.pk),
        lambda: actions.change_role(actor=dave, group_id=team.pk, user_id=alice.pk, role="admin"),
        lambda: actions.update_group(actor=dave, group_id=team.pk, name="x"),
        lambda: actions.leave_group(user=dave, group_id=team.pk),
        lambda: actions.delete_group(actor=dave, group_id=team.pk),
    ):
        with pytest.raises(GroupNotFound):
            call()


def test_admin_rules_for_roles(alice, bob, carol, dave, team):
    actions.add_members(actor=alice, group_id=team.pk, user_ids=[dave.pk])
    actions.change_role(actor=alice, group_id=team.pk, user_id=bob.pk, role=Role.ADMIN)
    # An admin may make a member an admin...
    actions.change_role(actor=bob, group_id=team.pk, user_id=carol.pk, role=Role.ADMIN)
    assert role_of(carol, team) == Role.ADMIN
    # ...but not demote or remove another admin, nor touch the owner.
    with pytest.raises(RoleNotAllowed):
        actions.change_role(actor=bob, group_id=team.pk, user_id=carol.pk, role=Role.MEMBER)
    with pytest.raises(RoleNotAllowed):
        actions.remove_member(actor=bob, group_id=team.pk, user_id=carol.pk)
    with pytest.raises(RoleNotAllowed):
        actions.change_role(actor=bob, group_id=team.pk, user_id=alice.pk, role=Role.MEMBER)
    with pytest.raises(RoleNotAllowed):
        actions.remove_member(actor=bob, group_id=team.pk, user_id=alice.pk)
    with pytest.raises(OwnerOnly):
        actions.change_role(actor=bob, group_id=team.pk, user_id=dave.pk, role=Role.OWNER)
    with pytest.raises(RoleNotAllowed):
        actions.change_role(actor=bob, group_id=team.pk, user_id=bob.pk, role=Role.MEMBER)
    with pytest.raises(RoleNotAllowed):
        actions.change_role(actor=alice, group_id=team.pk, user_id=bob.pk, role="king")
    with pytest.raises(MemberNotFound):
        actions.change_role(actor=alice, group_id=team.pk, user_id=999_999, role=Role.ADMIN)
    # The owner may demote an admin.
    actions.change_role(actor=alice, group_id=team.pk, user_id=carol.pk, role=Role.MEMBER)
    assert role_of(carol, team) == Role.MEMBER


def test_owner_hands_over_ownership(alice, bob, team, captured):
    roles = captured(signals.role_updated)
    clear_events()
    actions.change_role(actor=alice, group_id=team.pk, user_id=bob.pk, role=Role.OWNER)
    assert (role_of(bob, team), role_of(alice, team)) == (Role.OWNER, Role.ADMIN)
    assert [(call["user_id"], call["role"]) for call in roles] == [
        (bob.pk, Role.OWNER),
        (alice.pk, Role.ADMIN),
    ]
    assert event_types_for(alice) == ["group.role_updated", "group.role_updated"]


def test_removed_member_hears_once_then_nothing_and_sees_nothing(alice, bob, carol, team):
    message = send(alice, team.conversation)
    clear_events()
    actions.remove_member(actor=alice, group_id=team.pk, user_id=carol.pk)
    assert recipients_of("group.member_removed") == {alice.pk, bob.pk, carol.pk}
    (event,) = events_for(carol, "group.member_removed")
    assert event["user_id"] == carol.pk and event["actor"]["id"] == alice.pk

    send(alice, team.conversation)
    actions.update_group(actor=alice, group_id=team.pk, name="Renamed")
    assert event_types_for(carol) == ["group.member_removed"]
    with pytest.raises(NotAMember):
        send(carol, team.conversation)
    with pytest.raises(NotAMember):
        chat_actions.mark_read_up_to(
            user=carol, conversation_id=team.conversation_id, up_to=message.pk
        )
    with pytest.raises(GroupNotFound):
        actions.leave_group(user=carol, group_id=team.pk)


def test_removed_member_can_be_added_back(alice, bob, carol, team):
    actions.remove_member(actor=alice, group_id=team.pk, user_id=carol.pk)
    send(alice, team.conversation)
    assert actions.add_members(actor=alice, group_id=team.pk, user_ids=[carol.pk]) == [carol.pk]
    row = Membership.objects.get(conversation=team.conversation, user=carol)
    assert row.left_at is None and row.removed_by is None and row.unread_count == 0
    send(bob, team.conversation)
    assert Membership.objects.get(pk=row.pk).unread_count == 1


def test_owner_leaving_hands_ownership_to_the_oldest_admin(alice, bob, carol, dave, team):
    actions.add_members(actor=alice, group_id=team.pk, user_ids=[dave.pk])
    actions.change_role(actor=alice, group_id=team.pk, user_id=dave.pk, role=Role.ADMIN)
    clear_events()
    assert actions.leave_group(user=alice, group_id=team.pk) == dave.pk
    assert role_of(dave, team) == Role.OWNER
    assert role_of(alice, team) is None
    assert recipients_of("group.member_left") == {alice.pk, bob.pk, carol.pk, dave.pk}
    (event,) = events_for(bob, "group.member_left")
    assert event == {**event, "user_id": alice.pk, "new_owner_id": dave.pk}


def test_owner_leaving_without_admins_hands_ownership_to_the_oldest_member(alice, bob, team):
    assert actions.leave_group(user=alice, group_id=team.pk) == bob.pk
    assert role_of(bob, team) == Role.OWNER


def test_last_member_leaving_deletes_the_group(alice, bob, carol, team, captured):
    deleted = captured(signals.group_deleted)
    send(bob, team.conversation)
    actions.leave_group(user=bob, group_id=team.pk)
    actions.leave_group(user=carol, group_id=team.pk)
    clear_events()
    assert actions.leave_group(user=alice, group_id=team.pk) is None
    assert not Group.objects.exists()
    assert not Conversation.objects.exists() and not Message.objects.exists()
    assert recipients_of("group.deleted") == {alice.pk}
    assert deleted[0]["member_ids"] == [alice.pk]


def test_update_tells_members_what_changed(alice, bob, team, captured):
    updated = captured(signals.group_updated)
    clear_events()
    actions.update_group(
        actor=alice, group_id=team.pk, name="New", description=team.description, avatar=None
    )
    team.refresh_from_db()
    assert team.name == "New"
    (event,) = events_for(bob, "group.updated")
    assert event["changed"] == ["name"] and event["group"]["name"] == "New"
    assert updated[0]["changed"] == ["name"]
    # No change, no event.
    actions.update_group(actor=alice, group_id=team.pk, name="New")
    assert len(events_for(bob, "group.updated")) == 1
    with pytest.raises(InvalidGroup):
        actions.update_group(actor=alice, group_id=team.pk, name="  ")


def test_only_the_owner_deletes_and_every_member_hears_of_it(alice, bob, carol, dave, team):
    actions.change_role(actor=alice, group_id=team.pk, user_id=bob.pk, role=Role.ADMIN)
    with pytest.raises(OwnerOnly):
        actions.delete_group(actor=bob, group_id=team.pk)
    clear_events()
    actions.delete_group(actor=alice, group_id=team.pk)
    assert not Group.objects.exists()
    assert recipients_of("group.deleted") == {alice.pk, bob.pk, carol.pk}
    (event,) = events_for(carol, "group.deleted")
    assert event["group_id"] == team.pk and event["name"] == "Team"


def test_lifecycle_reaches_the_right_people_and_no_others(alice, bob, carol, dave):
    outsider = UserFactory()
    group = actions.create_group(creator=alice, name="Life", member_ids=[bob.pk])
    actions.add_members(actor=alice, group_id=group.pk, user_ids=[carol.pk, dave.pk])
    actions.change_role(actor=alice, group_id=group.pk, user_id=bob.pk, role=Role.ADMIN)
    actions.remove_member(actor=bob, group_id=group.pk, user_id=dave.pk)
    actions.leave_group(user=carol, group_id=group.pk)
    actions.delete_group(actor=alice, group_id=group.pk)

    assert event_types_for(alice) == [
        "group.member_added", "group.member_added", "group.role_updated",
        "group.member_removed", "group.member_left", "group.deleted",
    ]  # fmt: skip
    assert event_types_for(bob) == [
        "group.invite", "group.member_added", "group.role_updated",
        "group.member_removed", "group.member_left", "group.deleted",
    ]  # fmt: skip
    assert event_types_for(carol) == [
        "group.invite", "group.role_updated", "group.member_removed", "group.member_left",
    ]  # fmt: skip
    assert event_types_for(dave) == ["group.invite", "group.role_updated", "group.member_removed"]
    assert event_types_for(outsider) == []
