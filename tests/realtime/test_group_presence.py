"""Group presence over real streams: a watcher on one node hears a member come online on
another; a member who is not watching hears nothing."""

import pytest

from groups import actions as group_actions
from tests.factories import UserFactory
from tests.realtime.test_chat_streams import api
from tests.realtime.test_streams import stream

pytestmark = pytest.mark.multinode


def test_a_member_list_watcher_hears_presence_across_nodes(daphne_nodes, stream_users):
    alice, bob = stream_users
    carol = UserFactory(username="s-carol")
    team = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk, carol.pk])
    node_a, node_b = daphne_nodes("group-presence-a"), daphne_nodes("group-presence-b")
    with (
        api(node_a, alice) as alice_api,
        stream(node_a, alice) as alice_stream,
        stream(node_a, carol) as carol_stream,
    ):
        alice_stream.drain(quiet_for=1.0)  # carol's own arrival, unwatched: nothing
        assert alice_api.put(f"/groups/{team.pk}/presence/watch").status_code == 200
        with stream(node_b, bob):
            came = alice_stream.next("presence", timeout=5)
            assert came.json["user_id"] == bob.pk and came.json["online"] is True
            assert carol_stream.drain(quiet_for=1.0) == []  # not watching: nothing
            assert alice_api.delete(f"/groups/{team.pk}/presence/watch").status_code == 204
        assert [e for e in alice_stream.drain(quiet_for=1.5) if e.event == "presence"] == []
