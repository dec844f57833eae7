"""Which outbound deliveries a new notification gets, and when they are due."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django_tasks_db.models import DBTaskResult

from notifications import actions
from notifications.models import (
    ConversationMute,
    Delivery,
    Notification,
)
from realtime import presence
from tests.chat.helpers import send
from tests.factories import PushSubscriptionFactory
from tests.notifications.helpers import T0, deliveries_of, queued_jobs, with_sms

pytestmark = pytest.mark.django_db

# --- planning -------------------------------------------------------------------


def test_offline_recipient_gets_an_email_after_the_read_grace(clock, alice, bob, chat, settings):
    settings.DELIVERY_EMAIL_DELAY_SECONDS = 600

    send(alice, chat)

    (email,) = deliveries_of(bob)
    assert (email.channel, email.status) == ("email", "pending")
    assert email.next_attempt_at == T0 + timedelta(seconds=600)
    (job,) = queued_jobs()
    assert job.args_kwargs["args"] == [[email.pk]]
    assert job.run_after == email.next_attempt_at
    assert deliveries_of(alice) == []


def test_push_needs_a_subscription_and_goes_at_once(clock, alice, bob, chat):
    send(alice, chat, "no subscription yet")
    assert [d.channel for d in deliveries_of(bob)] == ["email"]

    PushSubscriptionFactory(user=bob)
    send(alice, chat, "now subscribed")

    push = deliveries_of(bob, "push")[0]
    assert push.next_attempt_at == T0


def test_someone_online_is_only_reached_after_the_online_delay(clock, alice, bob, chat, settings):
    settings.DELIVERY_ONLINE_DELAY_SECONDS = 120
    PushSubscriptionFactory(user=bob)
    async_to_sync(presence.refresh)([bob.pk])  # as a node holding bob's stream does
    assert presence.is_online(bob.pk)

    send(alice, chat)

    assert deliveries_of(bob, "push")[0].next_attempt_at == T0 + timedelta(seconds=120)


def test_quiet_hours_delay_outbound_until_they_end_in_the_users_time_zone(alice, bob, chat):
    paris = ZoneInfo("Europe/Paris")
    PushSubscriptionFactory(user=bob)
    actions.update_preferences(
        user=bob,
        quiet_hours=(datetime(2000, 1, 1, 22).time(), datetime(2000, 1, 1, 7).time()),
        time_zone="Europe/Paris",
    )
    late_evening = datetime(2026, 3, 2, 23, 30, tzinfo=paris)

    with time_machine.travel(late_evening, tick=False):
        send(alice, chat, "good night")

    push = deliveries_of(bob, "push")[0]
    assert push.next_attempt_at == datetime(2026, 3, 3, 7, 0, tzinfo=paris)
    # The in-app notification is never quiet.
    assert Notification.objects.get(recipient=bob).created_at == late_evening


def test_preferences_choose_the_channels(clock, alice, bob, carol, team):
    actions.update_preferences(user=bob, channels={"message.new": {"email": False}})
    with_sms(carol)
    PushSubscriptionFactory(user=carol)

    send(alice, team.conversation)

    assert deliveries_of(bob, kind="message.new") == []
    assert sorted(d.channel for d in deliveries_of(carol, kind="message.new")) == ["push", "sms"]


def test_muted_conversation_gets_no_deliveries(clock, alice, bob, chat):
    ConversationMute.objects.create(user=bob, conversation=chat, until=None)
    PushSubscriptionFactory(user=bob)

    send(alice, chat)

    assert deliveries_of(bob) == []


def test_user_without_email_gets_no_email(clock, alice, bob, chat):
    bob.email = ""
    bob.save()

    send(alice, chat)

    assert deliveries_of(bob) == []


def test_deliveries_of_a_big_group_are_one_insert_and_few_jobs(
    clock, alice, settings, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from groups import actions as group_actions
    from tests.factories import UserFactory

    settings.DELIVERY_BATCH_SIZE = 25
    members = UserFactory.create_batch(60, password=None)
    group = group_actions.create_group(
        creator=alice, name="Big", member_ids=[member.pk for member in members]
    )
    DBTaskResult.objects.all().delete()

    with CaptureQueriesContext(connection) as queries:
        send(alice, group.conversation)

    # The whole send is three statements; the deliveries are inserted by the last one.
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 3
    inserts = [sql for sql in statements if "INSERT INTO" in sql]
    assert sum(sql.count('INSERT INTO "notifications_delivery"') for sql in inserts) == 1
    assert Delivery.objects.filter(notification__type="message.new").count() == 60
    assert len(queued_jobs()) == 3  # 60 emails due at the same time, 25 per job
