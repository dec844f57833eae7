import pytest
from rest_framework.test import APIClient

from realtime import actions, topic_channel
from realtime.models import StoredEvent, Topic, TopicSubscription
from tests.factories import UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def news(db) -> Topic:
    return Topic.objects.create(name="news", is_public=True)


@pytest.fixture
def private(db) -> Topic:
    return Topic.objects.create(name="ops", is_public=False)


def publisher(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def test_user_subscribes_and_unsubscribes_to_a_public_topic(alice_client, alice, news):
    response = alice_client.post("/api/v1/channels/news/subscribe")
    assert response.status_code == 200
    assert response.json() == {"topic": "news", "subscribed": True}
    assert TopicSubscription.objects.filter(user=alice, topic=news).exists()
    # Their open streams are told to reconnect so they pick the topic up.
    control = StoredEvent.objects.filter(channel=f"user-{alice.id}")
    assert not control.exists()  # control messages are ephemeral, never stored

    assert alice_client.post("/api/v1/channels/news/unsubscribe").json()["subscribed"] is False
    assert not TopicSubscription.objects.filter(user=alice).exists()


def test_private_and_unknown_topics_are_not_found_for_users(alice_client, private):
    assert alice_client.post("/api/v1/channels/ops/subscribe").status_code == 404
    assert alice_client.post("/api/v1/channels/nothing/subscribe").status_code == 404
    assert not TopicSubscription.objects.exists()


def test_staff_may_subscribe_to_a_private_topic(private):
    staff = UserFactory(is_staff=True)
    assert client_for(staff).post("/api/v1/channels/ops/subscribe").status_code == 200


def test_subscribing_needs_authentication(api_client, news):
    assert api_client.post("/api/v1/channels/news/subscribe").status_code == 401


def test_publish_with_an_api_key_stores_one_event_on_the_topic(news):
    _, raw_key = actions.create_api_key(name="billing")
    response = publisher(raw_key).post(
        "/api/v1/channels/news/publish", {"event": "invoice.paid", "data": {"n": 1}}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["duplicate"] is False
    stored = StoredEvent.objects.get(channel=topic_channel("news"))
    assert stored.type == "topic.message"
    assert stored.seq == response.json()["event_id"]


def test_a_retried_publish_with_the_same_idempotency_key_is_delivered_once(news):
    _, raw_key = actions.create_api_key(name="billing")
    client = publisher(raw_key)
    body = {"data": {"n": 1}}
    first = client.post(
        "/api/v1/channels/news/publish", body, format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    again = client.post(
        "/api/v1/channels/news/publish", body, format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}
    assert StoredEvent.objects.filter(channel="topic-news").count() == 1


def test_publish_is_refused_without_a_key_with_a_revoked_key_and_for_plain_users(
    api_client, alice_client, news
):
    api_key, raw_key = actions.create_api_key(name="old")
    actions.revoke_api_key(api_key=api_key)
    body = {"data": {}}
    assert api_client.post("/api/v1/channels/news/publish", body, format="json").status_code == 401
    revoked = publisher(raw_key).post("/api/v1/channels/news/publish", body, format="json")
    assert revoked.status_code == 401
    forged = publisher("pk_nothing_real").post("/api/v1/channels/news/publish", body, format="json")
    assert forged.status_code == 401
    assert (
        alice_client.post("/api/v1/channels/news/publish", body, format="json").status_code == 403
    )
    assert not StoredEvent.objects.exists()


def test_staff_publish_to_broadcast_reaches_the_broadcast_channel():
    staff = UserFactory(is_staff=True)
    response = client_for(staff).post(
        "/api/v1/channels/broadcast/publish", {"data": {"text": "maintenance at 6"}}, format="json"
    )
    assert response.status_code == 201
    assert StoredEvent.objects.filter(channel="broadcast").count() == 1


def test_publish_validates_its_input(news):
    _, raw_key = actions.create_api_key(name="svc")
    client = publisher(raw_key)
    assert client.post("/api/v1/channels/news/publish", {}, format="json").status_code == 400
    bad_name = client.post(
        "/api/v1/channels/news/publish", {"event": "no spaces!", "data": 1}, format="json"
    )
    assert bad_name.status_code == 400
    assert (
        client.post("/api/v1/channels/none/publish", {"data": 1}, format="json").status_code == 404
    )


def test_api_keys_are_stored_hashed():
    api_key, raw_key = actions.create_api_key(name="svc")
    assert raw_key not in api_key.hashed_key
    assert len(api_key.hashed_key) == 64


def test_nodes_dashboard_is_for_staff_only(alice_client):
    assert alice_client.get("/api/v1/nodes").status_code == 403
    staff = UserFactory(is_staff=True)
    assert client_for(staff).get("/api/v1/nodes").status_code == 200


def test_poll_and_stream_refuse_missing_and_bad_credentials(api_client):
    assert api_client.get("/api/v1/poll").status_code == 401
    assert api_client.get("/events/").status_code == 401
    assert api_client.get("/events/", {"token": "garbage"}).status_code == 401
    assert api_client.get("/api/v1/poll", HTTP_AUTHORIZATION="Bearer garbage").status_code == 401


def test_poll_validates_timeout_and_last_event_id(alice_client):
    assert alice_client.get("/api/v1/poll", {"timeout": "abc"}).status_code == 400
    assert alice_client.get("/api/v1/poll", {"timeout": "31"}).status_code == 400
    bad_id = alice_client.get("/api/v1/poll", {"timeout": 0, "last_event_id": "user-1:x:y"})
    assert bad_id.status_code == 400
    assert bad_id.json()["error"]["code"] == "invalid_last_event_id"
    huge = alice_client.get("/api/v1/poll", {"timeout": 0, "last_event_id": f"user-1:{10**30}"})
    assert huge.status_code == 400
