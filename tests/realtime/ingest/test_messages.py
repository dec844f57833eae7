"""What makes a bus message deliverable, and the reason it is dead-lettered when not."""

import json

import pytest

from realtime.ingest.messages import BusEvent, Malformed, parse


def parsed(message, *, max_bytes: int = 65536, max_user_ids: int = 1000) -> BusEvent:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return parse(body, max_bytes=max_bytes, max_user_ids=max_user_ids)


def reason(message, **limits) -> str:
    with pytest.raises(Malformed) as caught:
        parsed(message, **limits)
    return caught.value.reason


def test_each_target_parses():
    assert parsed({"id": "a", "event": "e", "data": 1, "topic": "news"}) == BusEvent(
        message_id="a", event="e", data=1, topic="news"
    )
    assert parsed({"id": 7, "data": {}, "user_ids": [3, 2, 3]}) == BusEvent(
        message_id="7", event="message", data={}, user_ids=(3, 2)
    )  # the publish API's default event name; repeated ids once
    assert parsed({"id": "b", "data": [], "broadcast": True}).broadcast is True


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (b"{not json", "bad_json"),
        (b"\xff\xfe", "bad_json"),
        ([1, 2], "bad_json"),
        ({"event": "e", "data": 1, "topic": "t"}, "bad_id"),
        ({"id": True, "data": 1, "topic": "t"}, "bad_id"),
        ({"id": "x" * 121, "data": 1, "topic": "t"}, "bad_id"),
        ({"id": "a", "data": 1}, "bad_target"),
        ({"id": "a", "data": 1, "topic": "t", "broadcast": True}, "bad_target"),
        ({"id": "a", "data": 1, "topic": "no spaces"}, "bad_target"),
        ({"id": "a", "data": 1, "broadcast": "yes"}, "bad_target"),
        ({"id": "a", "data": 1, "user_ids": []}, "bad_target"),
        ({"id": "a", "data": 1, "user_ids": [1, "2"]}, "bad_target"),
        ({"id": "a", "data": 1, "user_ids": [True]}, "bad_target"),
        ({"id": "a", "data": 1, "user_ids": [0]}, "bad_target"),
        ({"id": "a", "event": "bad name!", "data": 1, "topic": "t"}, "bad_event"),
        ({"id": "a", "topic": "t"}, "bad_event"),
    ],
)
def test_malformed_messages_name_their_reason(message, expected):
    assert reason(message) == expected


def test_limits_on_size_and_recipients():
    assert reason({"id": "a", "data": "x" * 200, "topic": "t"}, max_bytes=100) == "oversized"
    assert reason({"id": "a", "data": 1, "user_ids": [1, 2, 3]}, max_user_ids=2) == "bad_target"
