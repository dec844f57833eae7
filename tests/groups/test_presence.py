"""Presence for group members: asked for when the member list opens, pushed while it is open."""

import time

import pytest
import time_machine

from chat.selectors import presence_audiences
from groups import actions as group_actions
from realtime import presence
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def presence_url(team) -> str:
    return f"/api/v1/groups/{team.pk}/presence"


def test_opening_the_member_list_tells_who_is_online(alice_client, alice, bob, carol, team):
    presence.cache.set(presence._key(bob.pk), 1, timeout=60)
    body = alice_client.get(presence_url(team)).json()
    assert body["group_id"] == team.pk
    online = {row["user_id"]: row["online"] for row in body["results"]}
    assert online == {alice.pk: False, bob.pk: True, carol.pk: False}


def test_the_member_list_presence_reads_a_fixed_number_of_queries(
    alice_client, alice, team, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6) as few:
        alice_client.get(presence_url(team))
    group_actions.add_members(
        actor=alice, group_id=team.pk, user_ids=[u.pk for u in UserFactory.create_batch(20)]
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(alice_client.get(presence_url(team)).json()["results"]) == 23


def test_outsiders_get_404_for_a_groups_presence(team):
    from tests.helpers import client_for

    outsider = client_for(UserFactory())
    assert outsider.get(presence_url(team)).status_code == 404
    assert outsider.put(f"{presence_url(team)}/watch").status_code == 404
    assert presence.watchers_of([team.conversation_id]) == {team.conversation_id: []}


def test_without_a_watch_group_members_hear_nothing_of_each_other(alice, bob, team):
    assert presence_audiences(user_ids=[bob.pk]) == {bob.pk: []}


def test_a_watcher_hears_the_members_presence_until_it_stops(alice_client, alice, bob, team):
    response = alice_client.put(f"{presence_url(team)}/watch")
    assert response.status_code == 200 and response.json()["expires_in"] == 60
    assert presence_audiences(user_ids=[bob.pk]) == {bob.pk: [alice.pk]}
    assert alice_client.delete(f"{presence_url(team)}/watch").status_code == 204
    assert presence_audiences(user_ids=[bob.pk]) == {bob.pk: []}


def test_a_watch_lapses_unless_renewed(alice_client, alice, bob, team):
    alice_client.put(f"{presence_url(team)}/watch")
    with time_machine.travel(time.time(), tick=False) as clock:
        clock.shift(59)
        assert presence_audiences(user_ids=[bob.pk]) == {bob.pk: [alice.pk]}
        clock.shift(2)
        assert presence_audiences(user_ids=[bob.pk]) == {bob.pk: []}


def test_a_watcher_is_not_told_of_themself_nor_twice(alice_client, alice, bob, team):
    from chat.actions import get_or_create_direct_conversation

    get_or_create_direct_conversation(user=alice, other_id=bob.pk)  # a direct peer as well
    alice_client.put(f"{presence_url(team)}/watch")
    assert presence_audiences(user_ids=[bob.pk, alice.pk]) == {
        bob.pk: [alice.pk],
        alice.pk: [bob.pk],
    }


def test_a_former_member_no_longer_reaches_the_watchers(alice_client, alice, bob, team):
    alice_client.put(f"{presence_url(team)}/watch")
    group_actions.leave_group(user=bob, group_id=team.pk)
    assert presence_audiences(user_ids=[bob.pk]) == {bob.pk: []}
