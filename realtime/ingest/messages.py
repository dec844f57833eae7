"""What a bus message must look like: JSON `{id, event, data}` plus exactly one target."""

import json
import re
from dataclasses import dataclass
from typing import Any

from realtime.api.serializers import PublishInput

TOPIC_NAME = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")  # the publish URL's slug, as Topic.name
MESSAGE_ID_MAX_LENGTH = 120  # it becomes a 128-character key: "bus:" + id
TARGETS = ("topic", "user_ids", "broadcast")


class Malformed(Exception):
    """A message that can never be delivered: dead-lettered with `reason`, then acked."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class BusEvent:
    message_id: str
    event: str
    data: Any
    topic: str | None = None
    user_ids: tuple[int, ...] = ()
    broadcast: bool = False


def _is_user_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _message_id(raw: dict) -> str:
    value = raw.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Malformed("bad_id", "`id` must be a string or an integer")
    message_id = str(value).strip()
    if not message_id or len(message_id) > MESSAGE_ID_MAX_LENGTH:
        raise Malformed("bad_id", f"`id` must be 1 to {MESSAGE_ID_MAX_LENGTH} characters")
    return message_id


def _target(raw: dict, *, max_user_ids: int) -> dict:
    named = [name for name in TARGETS if name in raw]
    if len(named) != 1:
        raise Malformed("bad_target", "give exactly one of `topic`, `user_ids`, `broadcast: true`")
    name, value = named[0], raw[named[0]]
    if name == "topic":
        if not isinstance(value, str) or not TOPIC_NAME.match(value):
            raise Malformed("bad_target", "`topic` must be a topic name (letters, digits, - _)")
        return {"topic": value}
    if name == "broadcast":
        if value is not True:
            raise Malformed("bad_target", "`broadcast` must be true")
        return {"broadcast": True}
    if not isinstance(value, list) or not value or not all(_is_user_id(v) for v in value):
        raise Malformed("bad_target", "`user_ids` must be a non-empty list of user ids")
    if len(value) > max_user_ids:
        raise Malformed("bad_target", f"at most {max_user_ids} `user_ids` per message")
    return {"user_ids": tuple(dict.fromkeys(value))}


def parse(body: bytes, *, max_bytes: int, max_user_ids: int) -> BusEvent:
    """The event a bus message carries; Malformed if it cannot be delivered as it is."""
    if len(body) > max_bytes:
        raise Malformed("oversized", f"{len(body)} bytes, the limit is {max_bytes}")
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("bad_json", str(exc)[:200]) from exc
    if not isinstance(raw, dict):
        raise Malformed("bad_json", "the message must be a JSON object")
    message_id = _message_id(raw)
    fields = PublishInput(data={key: raw[key] for key in ("event", "data") if key in raw})
    if not fields.is_valid():  # the publish API's own rules for `event` and `data`
        errors = "; ".join(
            f"{key}: {' '.join(map(str, msgs))}" for key, msgs in fields.errors.items()
        )
        raise Malformed("bad_event", errors)
    return BusEvent(
        message_id=message_id,
        event=fields.validated_data["event"],
        data=fields.validated_data["data"],
        **_target(raw, max_user_ids=max_user_ids),
    )
