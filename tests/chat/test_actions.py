import datetime as dt
import uuid

import pytest
import time_machine
from django.utils import timezone

from chat import actions, selectors, signals
from chat.errors import (
    CannotChatWithSelf,
    ClientIdReused,
    EditWindowClosed,
    InvalidAck,
    InvalidMessage,
    MessageDeleted,
    MessageNotFound,
    NotAllowed,
    NotAMember,
    NotTheAuthor,
    UserNotFound,
)
from chat.models import Conversation, Membership, Message, MessageReceipt
from groups import actions as group_actions
from groups.models import Role
from realtime.models import StoredEvent
from tests.chat.helpers import clear_events, direct, event_types_for, events_for, send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def membership(user, conversation) -> Membership:
    return Membership.objects.get(user=user, conversation=conversation)


# --- direct conversations -----------------------------------------------------


def test_direct_conversation_is_the_same_whoever_opens_it(alice, bob):
    first, created = actions.get_or_create_direct_conversation(user=alice, other_id=bob.pk)
    second, created_again = actions.get_or_create_direct_conversation(user=bob, other_id=alice.pk)
    assert created and not created_again
    assert first.pk == second.pk
    assert first.kind == Conversation.Kind.DIRECT
    assert set(first.memberships.values_list("user_id", flat=True)) == {alice.pk, bob.pk}


def test_cannot_open_a_conversation_with_oneself(alice):
    with pytest.raises(CannotChatWithSelf):
        actions.get_or_create_direct_conversation(user=alice, other_id=alice.pk)


def test_cannot_open_a_conversation_with_an_unknown_or_inactive_user(alice):
    gone = UserFactory(is_active=False)
    for other_id in (gone.pk, 999_999):
        with pytest.raises(UserNotFound):
            actions.get_or_create_direct_conversation(user=alice, other_id=other_id)


# --- sending ------------------------------------------------------------------


def test_send_stores_the_message_counts_it_unread_and_tells_both_sides(alice, bob, chat):
    message, created = actions.send_message(
        author=alice, conversation_id=chat.pk, body="  hi bob  ", client_id=uuid.uuid4()
    )
    assert created
    assert message.body == "hi bob"
    chat.refresh_from_db()
    assert chat.last_message_id == message.pk
    assert chat.last_message_at == message.created_at
    assert membership(bob, chat).unread_count == 1
    assert membership(alice, chat).unread_count == 0

    (to_bob,) = events_for(bob, "message.new")
    (to_alice,) = events_for(alice, "message.new")
    # Each side sees the conversation titled by the other person.
    assert to_bob["conversation"] == {"id": chat.pk, "kind": "direct", "title": "Alice"}
    assert to_alice["conversation"]["title"] == "Bob"
    assert to_bob["message"]["id"] == message.pk
    assert to_bob["message"]["body"] == "hi bob"
    assert to_bob["message"]["author"]["username"] == "alice"
    assert to_bob["message"]["client_id"] == str(message.client_id)


def test_resending_the_same_client_id_returns_the_first_message(alice, bob, chat):
    client_id = uuid.uuid4()
    first, created = actions.send_message(
        author=alice, conversation_id=chat.pk, body="once", client_id=client_id
    )
    again, created_again = actions.send_message(
        author=alice, conversation_id=chat.pk, body="twice?", client_id=client_id
    )
    assert created and not created_again
    assert again.pk == first.pk and again.body == "once"
    assert Message.objects.count() == 1
    assert membership(bob, chat).unread_count == 1
    assert event_types_for(bob) == ["message.new"]


def test_a_client_id_cannot_be_reused_in_another_conversation(alice, bob, carol, chat):
    client_id = uuid.uuid4()
    actions.send_message(author=alice, conversation_id=chat.pk, body="one", client_id=client_id)
    with pytest.raises(ClientIdReused):
        actions.send_message(
            author=alice, conversation_id=direct(alice, carol).pk, body="two", client_id=client_id
        )


def test_the_same_client_id_from_two_authors_makes_two_messages(alice, bob, chat):
    client_id = uuid.uuid4()
    actions.send_message(author=alice, conversation_id=chat.pk, body="a", client_id=client_id)
    actions.send_message(author=bob, conversation_id=chat.pk, body="b", client_id=client_id)
    assert Message.objects.count() == 2


def test_outsider_cannot_send(alice, carol, chat):
    with pytest.raises(NotAMember):
        send(carol, chat)
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n ", None, 42, "x" * 4001])
def test_send_refuses_an_invalid_body(alice, chat, body):
    with pytest.raises(InvalidMessage):
        actions.send_message(
            author=alice, conversation_id=chat.pk, body=body, client_id=uuid.uuid4()
        )


def test_a_body_of_exactly_the_maximum_length_is_accepted(alice, chat, settings):
    assert len(send(alice, chat, "x" * settings.MESSAGE_MAX_LENGTH).body) == 4000


def test_message_sent_signal_names_every_recipient_but_the_author(alice, bob, carol, captured):
    sent = captured(signals.message_sent)
    group = group_actions.create_group(creator=alice, name="g", member_ids=[bob.pk, carol.pk])
    message = send(bob, group.conversation)
    (call,) = sent
    assert call["sender"] is Conversation
    assert call["message"].pk == message.pk
    assert sorted(call["recipient_ids"]) == sorted([alice.pk, carol.pk])


def test_group_message_event_is_titled_by_the_group(alice, bob):
    group = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk])
    send(alice, group.conversation)
    (event,) = events_for(bob, "message.new")
    assert event["conversation"] == {
        "id": group.conversation_id,
        "kind": "group",
        "title": "Team",
    }


# --- editing ------------------------------------------------------------------


def test_author_edits_within_the_window_and_members_hear_of_it(alice, bob, chat, captured):
    edited = captured(signals.message_edited)
    message = send(alice, chat, "helo")
    updated = actions.edit_message(user=alice, message_id=message.pk, body=" hello ")
    assert updated.body == "hello"
    assert updated.edited_at is not None
    (event,) = events_for(bob, "message.updated")
    assert event["message"]["body"] == "hello"
    assert event["message"]["edited_at"] is not None
    assert sorted(edited[0]["member_ids"]) == sorted([alice.pk, bob.pk])


def test_only_the_author_can_edit(alice, bob, chat):
    message = send(alice, chat)
    with pytest.raises(NotTheAuthor):
        actions.edit_message(user=bob, message_id=message.pk, body="mine now")


def test_edit_after_the_window_is_refused(alice, chat, settings):
    message = send(alice, chat, "typo")
    later = timezone.now() + settings.MESSAGE_EDIT_WINDOW + dt.timedelta(seconds=1)
    with time_machine.travel(later), pytest.raises(EditWindowClosed):
        actions.edit_message(user=alice, message_id=message.pk, body="fixed")
    message.refresh_from_db()
    assert message.body == "typo"


def test_edit_just_inside_the_window_is_accepted(alice, chat, settings):
    message = send(alice, chat, "typo")
    later = timezone.now() + settings.MESSAGE_EDIT_WINDOW - dt.timedelta(seconds=5)
    with time_machine.travel(later):
        assert actions.edit_message(user=alice, message_id=message.pk, body="fixed").body == "fixed"


def test_a_deleted_message_cannot_be_edited(alice, chat):
    message = send(alice, chat)
    actions.delete_message(user=alice, message_id=message.pk)
    with pytest.raises(MessageDeleted):
        actions.edit_message(user=alice, message_id=message.pk, body="back")


def test_outsider_cannot_edit_or_delete(alice, carol, chat):
    message = send(alice, chat)
    with pytest.raises(MessageNotFound):
        actions.edit_message(user=carol, message_id=message.pk, body="x")
    with pytest.raises(MessageNotFound):
        actions.delete_message(user=carol, message_id=message.pk)


# --- deleting -----------------------------------------------------------------


def test_author_deletes_and_the_unread_count_drops(alice, bob, chat, captured):
    deleted = captured(signals.message_deleted)
    send(alice, chat, "one")
    second = send(alice, chat, "two")
    assert membership(bob, chat).unread_count == 2
    actions.delete_message(user=alice, message_id=second.pk)
    second.refresh_from_db()
    assert second.deleted_at is not None and second.deleted_by == alice
    assert membership(bob, chat).unread_count == 1
    (event,) = events_for(bob, "message.deleted")
    assert event["message_id"] == second.pk
    assert event["message"]["body"] == "" and event["message"]["is_deleted"] is True
    assert deleted[0]["deleted_by"] == alice


def test_deleting_a_message_already_read_leaves_the_unread_count(alice, bob, chat):
    first = send(alice, chat, "one")
    send(alice, chat, "two")
    actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=first.pk)
    assert membership(bob, chat).unread_count == 1
    actions.delete_message(user=alice, message_id=first.pk)
    assert membership(bob, chat).unread_count == 1


def test_deleting_twice_changes_nothing_the_second_time(alice, bob, chat):
    message = send(alice, chat)
    actions.delete_message(user=alice, message_id=message.pk)
    actions.delete_message(user=alice, message_id=message.pk)
    assert len(events_for(bob, "message.deleted")) == 1
    assert membership(bob, chat).unread_count == 0


def test_the_other_person_in_a_direct_chat_cannot_delete(alice, bob, chat):
    message = send(alice, chat)
    with pytest.raises(NotAllowed):
        actions.delete_message(user=bob, message_id=message.pk)


def test_group_admin_and_owner_may_delete_others_messages_but_members_may_not(alice, bob, carol):
    group = group_actions.create_group(creator=alice, name="g", member_ids=[bob.pk, carol.pk])
    group_actions.change_role(actor=alice, group_id=group.pk, user_id=bob.pk, role=Role.ADMIN)
    first = send(carol, group.conversation)
    second = send(carol, group.conversation)
    by_owner = send(alice, group.conversation)
    actions.delete_message(user=bob, message_id=first.pk)
    actions.delete_message(user=alice, message_id=second.pk)
    with pytest.raises(NotAllowed):
        actions.delete_message(user=carol, message_id=by_owner.pk)
    assert Message.objects.filter(deleted_at__isnull=False).count() == 2


def test_moderator_deletes_and_restores_a_message(alice, bob, chat):
    moderator = UserFactory(is_staff=True)
    message = send(alice, chat, "rude")
    actions.moderate_delete_message(moderator=moderator, message_id=message.pk)
    assert membership(bob, chat).unread_count == 0
    actions.restore_message(moderator=moderator, message_id=message.pk)
    message.refresh_from_db()
    assert message.deleted_at is None and message.body == "rude"
    assert membership(bob, chat).unread_count == 1
    assert event_types_for(bob) == ["message.new", "message.deleted", "message.updated"]


# --- receipts -----------------------------------------------------------------


def test_delivered_writes_receipts_for_the_others_messages_in_the_range(alice, bob, chat, captured):
    delivered = captured(signals.messages_delivered)
    first = send(alice, chat)
    own = send(bob, chat)
    third = send(alice, chat)
    clear_events()
    result = actions.mark_delivered_up_to(user=bob, conversation_id=chat.pk, up_to=third.pk)
    assert result.last_delivered_message_id == third.pk
    assert result.last_read_message_id == 0
    receipts = MessageReceipt.objects.filter(user=bob).order_by("message_id")
    assert [r.message_id for r in receipts] == [first.pk, third.pk]
    assert all(r.delivered_at and r.read_at is None for r in receipts)
    assert not MessageReceipt.objects.filter(message=own).exists()
    (call,) = delivered
    assert call["message_ids"] == [first.pk, third.pk]
    assert call["author_ids"] == [alice.pk]
    assert call["reader"] == bob
    for user in (alice, bob):
        (event,) = events_for(user, "message.delivered")
        assert event["conversation_id"] == chat.pk
        assert event["user_id"] == bob.pk
        assert event["up_to"] == third.pk
        assert event["at"]


def test_delivered_never_moves_backwards_and_repeats_are_silent(alice, bob, chat):
    first = send(alice, chat)
    second = send(alice, chat)
    actions.mark_delivered_up_to(user=bob, conversation_id=chat.pk, up_to=second.pk)
    clear_events()
    actions.mark_delivered_up_to(user=bob, conversation_id=chat.pk, up_to=first.pk)
    actions.mark_delivered_up_to(user=bob, conversation_id=chat.pk, up_to=second.pk)
    assert membership(bob, chat).last_delivered_message_id == second.pk
    assert MessageReceipt.objects.filter(user=bob).count() == 2
    assert not StoredEvent.objects.exists()


def test_read_implies_delivered_and_recounts_unread(alice, bob, chat, captured):
    read = captured(signals.messages_read)
    delivered = captured(signals.messages_delivered)
    first = send(alice, chat)
    second = send(alice, chat)
    send(alice, chat)
    actions.mark_delivered_up_to(user=bob, conversation_id=chat.pk, up_to=first.pk)
    clear_events()
    state = actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=second.pk)
    assert state.last_read_message_id == state.last_delivered_message_id == second.pk
    assert state.unread_count == 1
    receipts = {r.message_id: r for r in MessageReceipt.objects.filter(user=bob)}
    assert receipts[first.pk].read_at >= receipts[first.pk].delivered_at
    assert receipts[second.pk].read_at == receipts[second.pk].delivered_at
    assert [call["message_ids"] for call in read] == [[first.pk, second.pk]]
    assert [call["message_ids"] for call in delivered] == [[first.pk], [second.pk]]
    assert event_types_for(alice) == ["message.delivered", "message.read"]
    (to_bob,) = events_for(bob, "message.read")
    assert to_bob["unread_count"] == 1
    (to_alice,) = events_for(alice, "message.read")
    assert "unread_count" not in to_alice and to_alice["up_to"] == second.pk


def test_read_never_moves_backwards(alice, bob, chat):
    first = send(alice, chat)
    second = send(alice, chat)
    actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=second.pk)
    state = actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=first.pk)
    assert state.last_read_message_id == second.pk
    assert membership(bob, chat).last_read_message_id == second.pk
    assert membership(bob, chat).unread_count == 0


def test_read_with_receipts_off_is_kept_for_the_reader_but_shown_to_nobody(
    alice, bob, chat, captured
):
    read = captured(signals.messages_read)
    bob.send_read_receipts = False
    bob.save(update_fields=["send_read_receipts"])
    message = send(alice, chat)
    clear_events()
    state = actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)
    assert state.unread_count == 0
    # The signal still goes out (receivers clear bob's own bell and check the setting).
    assert [(call["reader"], call["message_ids"]) for call in read] == [(bob, [message.pk])]
    assert event_types_for(alice) == ["message.delivered"]
    assert event_types_for(bob) == ["message.delivered", "message.read"]
    ticks = selectors.ticks_by_conversation(conversation_ids=[chat.pk], viewer_id=alice.pk)
    assert ticks[chat.pk].delivered_up_to == message.pk
    assert ticks[chat.pk].read_up_to == 0
    (receipt,) = selectors.receipts_for(message=message)
    assert receipt.delivered_at is not None and receipt.read_at is None


def test_acks_need_a_message_of_that_conversation(alice, bob, carol, chat):
    elsewhere = send(alice, direct(alice, carol))
    with pytest.raises(InvalidAck):
        actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=elsewhere.pk)
    with pytest.raises(InvalidAck):
        actions.mark_delivered_up_to(user=bob, conversation_id=chat.pk, up_to=10**12)


def test_outsider_cannot_ack(alice, carol, chat):
    message = send(alice, chat)
    with pytest.raises(NotAMember):
        actions.mark_read_up_to(user=carol, conversation_id=chat.pk, up_to=message.pk)


def test_read_skips_deleted_messages_in_the_unread_count(alice, bob, chat):
    first = send(alice, chat)
    second = send(alice, chat)
    third = send(alice, chat)
    actions.delete_message(user=alice, message_id=third.pk)
    state = actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=first.pk)
    assert state.unread_count == 1  # the second; the third was deleted
    assert MessageReceipt.objects.filter(user=bob).count() == 1
    actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=second.pk)
    assert membership(bob, chat).unread_count == 0


def test_ticks_need_every_other_member(alice, bob, carol):
    group = group_actions.create_group(creator=alice, name="g", member_ids=[bob.pk, carol.pk])
    message = send(alice, group.conversation)
    conversation_id = group.conversation_id
    actions.mark_read_up_to(user=bob, conversation_id=conversation_id, up_to=message.pk)
    ticks = selectors.ticks_by_conversation(conversation_ids=[conversation_id], viewer_id=alice.pk)
    assert ticks[conversation_id].read_up_to < message.pk
    actions.mark_delivered_up_to(user=carol, conversation_id=conversation_id, up_to=message.pk)
    ticks = selectors.ticks_by_conversation(conversation_ids=[conversation_id], viewer_id=alice.pk)
    assert ticks[conversation_id].delivered_up_to >= message.pk
    assert ticks[conversation_id].read_up_to < message.pk


# --- typing and presence audience -----------------------------------------------


def test_typing_is_not_stored_and_outsiders_cannot_type(alice, carol, chat):
    actions.publish_typing(user=alice, conversation_id=chat.pk)
    assert not StoredEvent.objects.exists()
    with pytest.raises(NotAMember):
        actions.publish_typing(user=carol, conversation_id=chat.pk)


def test_presence_is_shown_to_direct_peers_only(alice, bob, carol, django_assert_num_queries):
    direct(alice, bob)
    direct(carol, bob)
    group_actions.create_group(creator=carol, name="g", member_ids=[alice.pk])
    lonely = UserFactory()
    with django_assert_num_queries(1):
        audiences = selectors.presence_audiences(user_ids=[alice.pk, bob.pk, lonely.pk])
    # Sharing a group is not enough: presence shows in one-to-one chats, as in WhatsApp.
    assert audiences[alice.pk] == [bob.pk]
    assert sorted(audiences[bob.pk]) == sorted([alice.pk, carol.pk])
    assert audiences[lonely.pk] == []
