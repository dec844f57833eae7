"""Bus events published as the publish API publishes, each bus message id once."""

import json

import pytest

from realtime import BROADCAST_CHANNEL, user_channel
from realtime.ingest.delivery import deliver, deliver_batch
from realtime.ingest.messages import BusEvent, Malformed
from realtime.models import StoredEvent, Topic, TopicPublication, UserPublication
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def stored(channel: str) -> list[tuple[str, dict]]:
    rows = StoredEvent.objects.filter(channel=channel).order_by("seq")
    return [(row.type, json.loads(row.data)) for row in rows]


def test_a_topic_event_is_stored_exactly_as_the_publish_api_stores_it(api_client):
    Topic.objects.create(name="news")
    staff = UserFactory(is_staff=True)
    api_client.force_authenticate(staff)
    response = api_client.post(
        "/api/v1/channels/news/publish", {"event": "e", "data": {"a": 1}}, format="json"
    )
    assert response.status_code == 201

    deliver(event=BusEvent(message_id="1", event="e", data={"a": 1}, topic="news"))

    via_api, via_bus = stored("topic-news")
    assert (
        via_api == via_bus == ("topic.message", {"topic": "news", "event": "e", "data": {"a": 1}})
    )
    assert TopicPublication.objects.get().idempotency_key == "bus:1"  # the Idempotency-Key rows


def test_a_redelivered_id_is_published_once():
    Topic.objects.create(name="news")
    event = BusEvent(message_id="same", event="e", data=1, topic="news")
    first, again = deliver(event=event), deliver(event=event)
    assert (first.created, again.created) == (True, False)
    assert again.event_id == first.event_id
    assert len(stored("topic-news")) == 1


def test_user_ids_reach_each_existing_user_once():
    alice, bob = UserFactory(), UserFactory()
    event = BusEvent(message_id="u1", event="e", data=2, user_ids=(alice.pk, bob.pk, 99999))
    assert deliver(event=event).created
    assert not deliver(event=event).created
    payload = ("topic.message", {"topic": None, "event": "e", "data": 2})
    assert stored(user_channel(alice.pk)) == stored(user_channel(bob.pk)) == [payload]
    assert not StoredEvent.objects.filter(channel=user_channel(99999)).exists()
    assert UserPublication.objects.get().idempotency_key == "bus:u1"


def test_broadcast_goes_to_the_broadcast_channel():
    deliver(event=BusEvent(message_id="b", event="e", data=3, broadcast=True))
    assert stored(BROADCAST_CHANNEL) == [
        ("topic.message", {"topic": "broadcast", "event": "e", "data": 3})
    ]


@pytest.mark.parametrize(
    "event",
    [
        BusEvent(message_id="x", event="e", data=1, topic="nope"),
        BusEvent(message_id="y", event="e", data=1, user_ids=(424242,)),
    ],
)
def test_an_unknown_target_is_malformed(event):
    with pytest.raises(Malformed) as caught:
        deliver(event=event)
    assert caught.value.reason == "unknown_target"
    assert not StoredEvent.objects.exists()


def test_a_batch_keeps_each_outcome_in_order_and_writes_the_good_ones(
    django_assert_max_num_queries,
):
    user = UserFactory()
    bad = Malformed("bad_json", "nope")
    events = [
        BusEvent(message_id="1", event="e", data=1, user_ids=(user.pk,)),
        bad,
        BusEvent(message_id="2", event="e", data=2, topic="missing"),
        BusEvent(message_id="1", event="e", data=1, user_ids=(user.pk,)),
    ]
    outcomes = deliver_batch(events=events)
    assert outcomes[0] is True and outcomes[1] is bad and outcomes[3] is False
    assert isinstance(outcomes[2], Malformed) and outcomes[2].reason == "unknown_target"
    assert [data["data"] for _, data in stored(user_channel(user.pk))] == [1]
