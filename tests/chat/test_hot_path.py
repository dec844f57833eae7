"""The hot writes: their statement counts, and the lean endpoints on real daphne nodes.

The statements are counted without the test transaction's savepoints (in production the
action's transaction is BEGIN … COMMIT around the same statements).
"""

import time
import uuid

import httpx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import actions
from chat.errors import NotAMember
from chat.models import Message
from groups import actions as group_actions
from notifications.models import Delivery, Notification
from realtime.models import StoredEvent
from tests.chat.helpers import direct, send
from tests.factories import UserFactory
from tests.realtime.conftest import token_for
from tests.realtime.test_streams import stream
from tests.waiting import wait_until


def statements_of(work) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        work()
    return [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]


@pytest.fixture
def big_group(alice):
    members = UserFactory.create_batch(40)
    group = group_actions.create_group(
        creator=alice, name="Big", member_ids=[member.pk for member in members]
    )
    return group.conversation, members


def test_a_send_is_three_statements_in_a_direct_chat_and_a_big_group(alice, bob, big_group):
    chat = direct(alice, bob)
    conversation, _members = big_group

    assert len(statements_of(lambda: send(alice, chat))) == 3
    assert len(statements_of(lambda: send(alice, conversation))) == 3
    # ...and that third statement wrote every recipient's event, notification and delivery.
    last = Message.objects.filter(conversation=conversation).latest("id")
    new_events = StoredEvent.objects.filter(
        type="message.new", data__contains=f'"message":{{"id":{last.pk},'
    )
    assert new_events.count() == 41
    assert Notification.objects.filter(message_id=last.pk).count() == 40
    assert Delivery.objects.filter(notification__message_id=last.pk).count() == 40  # emails


def test_acks_are_two_statements_whatever_the_range_or_group(alice, bob, big_group):
    conversation, members = big_group
    for _ in range(5):
        send(alice, conversation)
    newest = Message.objects.filter(conversation=conversation).latest("id").pk
    reader = members[0]

    delivered = statements_of(
        lambda: actions.mark_delivered_up_to(
            user=reader, conversation_id=conversation.pk, up_to=newest
        )
    )
    read = statements_of(
        lambda: actions.mark_read_up_to(user=reader, conversation_id=conversation.pk, up_to=newest)
    )

    # The ack, and one write of events and notification updates (plus the authors'
    # receipt preferences, read only when there are acked messages of others).
    assert len(delivered) <= 3
    assert len(read) <= 3
    assert not Notification.objects.filter(
        recipient=reader, type="message.new", read_at__isnull=True
    ).exists()


def test_a_repeated_ack_writes_nothing(alice, bob):
    chat = direct(alice, bob)
    message = send(alice, chat)
    actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)

    again = statements_of(
        lambda: actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)
    )

    assert len(again) <= 2  # the ack statement finds nothing to move, and the unread count


def test_typing_is_one_statement(alice, bob, big_group):
    conversation, _ = big_group
    assert (
        len(
            statements_of(
                lambda: actions.publish_typing(user=alice, conversation_id=conversation.pk)
            )
        )
        == 1
    )


def test_a_send_from_a_member_removed_meanwhile_is_refused_whole(alice, bob, big_group):
    conversation, members = big_group
    leaver = members[1]
    group = conversation.group
    group_actions.leave_group(user=leaver, group_id=group.pk)
    before = Message.objects.count()

    with pytest.raises(NotAMember):
        send(leaver, conversation)

    assert Message.objects.count() == before


# --- the lean endpoints on a real node ------------------------------------------------------


def client(node, user) -> httpx.Client:
    return httpx.Client(
        base_url=f"{node.url}/api/v1",
        headers={"Authorization": f"Bearer {token_for(user)}"},
        timeout=10,
    )


@pytest.fixture
def committed_pair(transactional_db):
    """h-alice, h-bob and their direct chat, committed for the nodes to read."""
    alice = UserFactory(username="h-alice")
    bob = UserFactory(username="h-bob")
    return alice, bob, direct(alice, bob)


@pytest.fixture(autouse=True)
def _no_revoked_users_left():
    """The revoked set is per process; a test that revokes must not leak into the next."""
    from realtime import revocations

    yield
    revocations._revoked.clear()


@pytest.mark.multinode
def test_the_lean_send_answers_like_the_drf_view(daphne_nodes, committed_pair):
    from rest_framework.test import APIClient

    alice, _bob, chat = committed_pair
    node = daphne_nodes("lean-send")
    drf = APIClient()
    drf.force_authenticate(alice)
    url = f"/api/v1/conversations/{chat.pk}/messages"
    bad_bodies = [
        {},
        {"body": "", "client_id": str(uuid.uuid4())},
        {"body": 5, "client_id": str(uuid.uuid4())},
        {"body": "x" * 5000, "client_id": str(uuid.uuid4())},
        {"body": "hi", "client_id": "not-a-uuid"},
        {"body": "hi", "client_id": 7},
        {"body": "nul\x00", "client_id": str(uuid.uuid4())},
        [],
    ]
    with client(node, alice) as lean:
        for body in bad_bodies:
            lean_answer = lean.post(url.removeprefix("/api/v1"), json=body)
            drf_answer = drf.post(url, body, format="json")
            assert lean_answer.status_code == drf_answer.status_code == 400, body
            assert lean_answer.json() == drf_answer.json(), body
        broken = lean.post(
            url.removeprefix("/api/v1"),
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        assert broken.status_code == 400 and broken.json()["error"]["code"] == "parse_error"

        client_id = str(uuid.uuid4())
        sent = lean.post(url.removeprefix("/api/v1"), json={"body": " hi ", "client_id": client_id})
        assert sent.status_code == 201
        assert sent.headers["X-Parley-Node"] and sent.headers["X-Request-ID"]
        body = sent.json()
        assert body["body"] == "hi" and body["status"] == "sent" and body["client_id"] == client_id
        again = lean.post(url.removeprefix("/api/v1"), json={"body": "hi", "client_id": client_id})
        assert again.status_code == 200 and again.json()["id"] == body["id"]
        assert set(again.json()) == set(body)
        assert Message.objects.filter(client_id=client_id).count() == 1

        # GET on the same path is still Django's history, with django-csp's header, which
        # the lean answer carries too.
        history = lean.get(url.removeprefix("/api/v1"))
        assert history.json()["results"][-1]["id"] == body["id"]
        assert sent.headers["Content-Security-Policy"] == history.headers["Content-Security-Policy"]


@pytest.mark.multinode
def test_lean_writes_refuse_outsiders_bad_tokens_and_bad_ids(daphne_nodes, committed_pair):
    alice, bob, chat = committed_pair
    eve = UserFactory(username="h-eve")
    node = daphne_nodes("lean-deny")
    message = send(alice, chat)
    with client(node, eve) as outsider:
        for path, body in [
            (f"/conversations/{chat.pk}/messages", {"body": "x", "client_id": str(uuid.uuid4())}),
            (f"/conversations/{chat.pk}/messages", {"body": ""}),
            (f"/conversations/{chat.pk}/delivered", {"up_to": message.pk}),
            (f"/conversations/{chat.pk}/read", {"up_to": "x"}),
            (f"/conversations/{chat.pk}/typing", None),
        ]:
            answer = outsider.post(path, json=body)
            assert answer.status_code == 404, path
            assert answer.json()["error"]["code"] == "conversation_not_found"
        assert outsider.post(f"/conversations/{2**63}/typing").status_code == 404
    with httpx.Client(base_url=f"{node.url}/api/v1", timeout=10) as anonymous:
        assert anonymous.post(f"/conversations/{chat.pk}/typing").status_code == 401
        forged = anonymous.post(
            f"/conversations/{chat.pk}/typing", headers={"Authorization": "Bearer abc.def.ghi"}
        )
        assert forged.status_code == 401
        assert forged.json()["error"]["code"] == "token_not_valid"
    with client(node, bob) as member:
        bad_ack = member.post(f"/conversations/{chat.pk}/read", json={"up_to": 2**63})
        assert bad_ack.status_code == 400 and "up_to" in bad_ack.json()["error"]["fields"]
        foreign = member.post(f"/conversations/{chat.pk}/read", json={"up_to": 10**12})
        assert foreign.status_code == 400
        ok = member.post(f"/conversations/{chat.pk}/read", json={"up_to": message.pk})
        assert ok.status_code == 200
        assert ok.json() == {
            "conversation_id": chat.pk,
            "last_delivered_message_id": message.pk,
            "last_read_message_id": message.pk,
            "unread_count": 0,
        }


@pytest.mark.multinode
def test_a_browser_session_needs_csrf_on_lean_writes(daphne_nodes, committed_pair):
    alice, _bob, chat = committed_pair
    alice.set_password("pw-for-session-1")
    alice.save()
    node = daphne_nodes("lean-csrf")
    with httpx.Client(base_url=node.url, timeout=10) as browser:
        page = browser.get("/login/")
        csrf = browser.cookies["csrftoken"]
        logged_in = browser.post(
            "/login/",
            data={
                "username": alice.username,
                "password": "pw-for-session-1",
                "csrfmiddlewaretoken": csrf,
            },
            headers={"Referer": f"{node.url}/login/", "Origin": node.url},
        )
        assert logged_in.status_code in (200, 302), page.status_code
        csrf = browser.cookies["csrftoken"]
        url = f"/api/v1/conversations/{chat.pk}/messages"
        body = {"body": "from the page", "client_id": str(uuid.uuid4())}

        refused = browser.post(url, json=body, headers={"Origin": node.url})
        assert refused.status_code == 403
        assert refused.json()["error"]["message"].startswith("CSRF Failed")
        assert not Message.objects.filter(body="from the page").exists()

        sent = browser.post(
            url,
            json=body,
            headers={"X-CSRFToken": csrf, "Origin": node.url, "Referer": f"{node.url}/"},
        )
        assert sent.status_code == 201, sent.text
        assert Message.objects.filter(body="from the page").count() == 1


@pytest.mark.multinode
def test_the_lean_send_is_throttled_with_retry_after(daphne_nodes, committed_pair):
    alice, _bob, chat = committed_pair
    node = daphne_nodes("lean-throttle", THROTTLE_SEND="2/min")
    with client(node, alice) as lean:
        answers = [
            lean.post(
                f"/conversations/{chat.pk}/messages",
                json={"body": "x", "client_id": str(uuid.uuid4())},
            )
            for _ in range(3)
        ]
    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert int(answers[2].headers["Retry-After"]) > 0
    assert answers[2].json()["error"]["code"] == "throttled"
    assert Message.objects.filter(conversation=chat).count() == 2


@pytest.mark.multinode
def test_lean_typing_reaches_the_other_members_stream_and_is_throttled(
    daphne_nodes, committed_pair
):
    """Typing runs on the node's loop (its statement, throttle and publish): same answers."""
    alice, bob, chat = committed_pair
    node = daphne_nodes("lean-typing", THROTTLE_TYPING="2/min")
    with stream(node, bob) as bobs, client(node, alice) as lean:
        answers = [lean.post(f"/conversations/{chat.pk}/typing") for _ in range(3)]
        event = bobs.next("typing")
    assert [answer.status_code for answer in answers] == [204, 204, 429]
    assert answers[2].json()["error"]["code"] == "throttled"
    assert int(answers[2].headers["Retry-After"]) > 0
    assert event.json["conversation_id"] == chat.pk
    assert event.json["user_id"] == alice.pk
    assert event.json["display_name"] == (alice.display_name or alice.username)


@pytest.mark.multinode
@pytest.mark.parametrize(
    "limits",
    [{"NODE_MAX_IN_FLIGHT": "0"}, {"NODE_MAX_QUEUE_WAIT_MS": "0"}],
    ids=["in-flight", "queue-wait"],
)
def test_an_overloaded_node_refuses_at_once_and_stores_nothing(
    daphne_nodes, committed_pair, limits
):
    alice, _bob, chat = committed_pair
    node = daphne_nodes("lean-shed", **limits)
    client_id = str(uuid.uuid4())
    with client(node, alice) as lean:
        started = time.monotonic()
        refused = lean.post(
            f"/conversations/{chat.pk}/messages", json={"body": "later", "client_id": client_id}
        )
        elapsed = time.monotonic() - started
        history = lean.get(f"/conversations/{chat.pk}/messages")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["error"]["code"] == "overloaded"
    assert elapsed < 1
    assert history.status_code == 503  # the Django path sheds as well
    assert not Message.objects.filter(client_id=client_id).exists()


@pytest.mark.multinode
def test_a_deactivated_user_is_refused_and_their_streams_close_on_every_node(
    daphne_nodes, committed_pair
):
    from accounts import services

    _alice, bob, chat = committed_pair
    node_a, node_b = daphne_nodes("revoke-a"), daphne_nodes("revoke-b")
    with stream(node_a, bob) as on_a, stream(node_b, bob) as on_b:
        # 2 s is the promise (closed within 2 s on every node), not a speed
        # measurement: the close takes tens of milliseconds here.
        closed_by = time.monotonic() + 2
        services.deactivate_users(user_ids=[bob.pk])
        for opened in (on_a, on_b):
            event = opened.next("stream-reconnect", timeout=closed_by - time.monotonic())
            assert event.json["reason"] == "revoked"
            assert opened.ended.wait(timeout=max(0.0, closed_by - time.monotonic()))
    for node in (node_a, node_b):
        with client(node, bob) as revoked:
            answer = revoked.post(
                f"/conversations/{chat.pk}/messages",
                json={"body": "still here?", "client_id": str(uuid.uuid4())},
            )
            assert answer.status_code == 401
            assert revoked.post(f"/conversations/{chat.pk}/typing").status_code == 401
        reopened = httpx.get(f"{node.url}/events/", params={"token": token_for(bob)}, timeout=5)
        assert reopened.status_code == 401
    # A node started afterwards loads the revoked users from the database.
    node_c = daphne_nodes("revoke-c")
    with client(node_c, bob) as revoked:
        assert revoked.post(f"/conversations/{chat.pk}/typing").status_code == 401
    services.reactivate_users(user_ids=[bob.pk])

    def typing_accepted() -> bool:
        with client(node_a, bob) as restored:
            return restored.post(f"/conversations/{chat.pk}/typing").status_code == 204

    wait_until(typing_accepted, what="node-a to accept the reactivated user again")


@pytest.mark.parametrize(
    "stored",
    [
        None,
        {},
        {"message.delivered": {"in_app": True}},
        {"message.delivered": {"in_app": False}},
        {"message.delivered": {"in_app": "yes"}},
        {"message.delivered": ["in_app"]},
        {"message.read": {"in_app": True}},
    ],
)
def test_the_ack_statement_s_receipt_rule_is_the_preferences_rule(alice, bob, stored):
    """notifications.audience says in SQL whether an author may want receipt notifications;
    it must agree with preferences.merged_channels for every kind of stored value."""
    from notifications.models import NotificationPreferences
    from notifications.preferences import IN_APP, recipient_settings

    if stored is not None:
        NotificationPreferences.objects.update_or_create(user=alice, defaults={"channels": stored})
    chat = direct(alice, bob)
    message = send(alice, chat)
    seen: dict = {}

    def capture(sender, audience=None, **kwargs):
        seen.update(audience or {})

    from chat import signals

    signals.messages_delivered.connect(capture)
    try:
        actions.mark_delivered_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)
    finally:
        signals.messages_delivered.disconnect(capture)

    wants = recipient_settings([alice.pk])[alice.pk]
    assert seen["n_wants_delivered"] == wants.wants("message.delivered", IN_APP)
    assert seen["n_wants_read"] == wants.wants("message.read", IN_APP)


def test_the_lean_throttle_keeps_drf_s_sliding_window(alice, time_machine):
    from config.throttling import SlidingWindowThrottle

    throttle = SlidingWindowThrottle("send")  # 120/min by default, as for the DRF view
    time_machine.move_to("2026-12-02 12:00:00", tick=False)
    assert all(throttle.wait(alice.pk) is None for _ in range(throttle.limit))
    refused = throttle.wait(alice.pk)
    assert refused is not None and 59 <= refused <= 60
    time_machine.move_to("2026-12-02 12:00:30", tick=False)
    assert throttle.wait(alice.pk) is not None  # the refused ones were not counted...
    time_machine.move_to("2026-12-02 12:01:00.5", tick=False)
    assert throttle.wait(alice.pk) is None  # ...and a minute after the first, one more goes


def test_the_loop_s_throttle_is_the_same_window(alice, time_machine):
    import asyncio

    from config.throttling import SlidingWindowThrottle

    throttle = SlidingWindowThrottle("typing")
    time_machine.move_to("2026-12-02 12:00:00", tick=False)

    async def calls(n: int) -> list[float | None]:
        return [await throttle.await_wait(alice.pk) for _ in range(n)]

    answers = asyncio.run(calls(throttle.limit + 1))
    assert answers[: throttle.limit] == [None] * throttle.limit
    assert 59 <= answers[-1] <= 60
    assert throttle.wait(alice.pk) is not None  # the sync path sees the same window


def test_the_typing_throttle_publishes_only_what_it_counts_in(alice, bob, time_machine):
    """The throttle and the publish in one script: the window is the same, a refused request
    publishes nothing, and the events reach the channel layer as `apush` sends them."""
    import asyncio

    import redis.asyncio
    from channels.layers import get_channel_layer
    from django.conf import settings
    from django_eventstream.event import Event

    from config.throttling import SlidingWindowThrottle
    from realtime import fanout
    from realtime.channel_names import user_channel

    throttle = SlidingWindowThrottle("typing")
    layer_config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    (layer_url,) = layer_config["hosts"]
    assert throttle.publishes_on(layer_url)
    time_machine.move_to("2026-12-02 12:00:00", tick=False)
    events = [Event(user_channel(bob.pk), "typing", '{"n": 1}')]
    # channels_redis's name for a group's pub/sub channel (as the cross-node tests pin it)
    group_channel = f"{layer_config['prefix']}__group__{fanout.group_name(user_channel(bob.pk))}"

    async def calls(n: int) -> tuple[list[float | None], list[dict]]:
        subscriber = redis.asyncio.Redis.from_url(layer_url).pubsub()
        await subscriber.subscribe(group_channel)
        await subscriber.get_message(timeout=1)  # the subscription's confirmation
        answers = [
            await fanout.apush_unless_throttled(events, throttle=throttle, user_id=alice.pk)
            for _ in range(n)
        ]
        received = []
        while (message := await subscriber.get_message(timeout=0.5)) is not None:
            received.append(get_channel_layer().deserialize(message["data"]))
        await subscriber.aclose()
        return answers, received

    answers, received = asyncio.run(calls(throttle.limit + 1))
    assert answers[: throttle.limit] == [None] * throttle.limit
    assert 59 <= answers[-1] <= 60
    assert len(received) == throttle.limit  # the refused one published nothing
    assert fanout.from_message(received[0]).data == '{"n": 1}'
    assert throttle.wait(alice.pk) is not None  # and counted nothing: the window is full
