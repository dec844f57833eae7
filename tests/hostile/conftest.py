"""A small world for hostile-input tests: Alice (staff) and Bob, a direct conversation with a
message, a group Alice owns with Bob in it, and a public topic; and every API write."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from chat import actions as chat_actions
from chat.models import Conversation, Message
from groups import actions as group_actions
from groups.models import Group
from realtime.models import Topic
from tests.factories import UserFactory
from tests.helpers import client_for


@dataclass
class World:
    alice: User
    bob: User
    direct: Conversation
    message: Message
    group: Group

    def client(self) -> APIClient:
        client = client_for(self.alice)
        # A server error must come back as a response to assert on, not raise in the test.
        client.raise_request_exception = False
        return client


@pytest.fixture
def world(db) -> World:
    # No passwords: hashing them (Argon2) for every one of hundreds of tests would dominate.
    alice = UserFactory(username="h-alice", display_name="Alice", is_staff=True, password=None)
    bob = UserFactory(username="h-bob", display_name="Bob", password=None)
    direct, _ = chat_actions.get_or_create_direct_conversation(user=alice, other_id=bob.pk)
    message, _ = chat_actions.send_message(
        author=alice, conversation_id=direct.pk, body="hello", client_id=uuid.uuid4()
    )
    group = group_actions.create_group(creator=alice, name="Crew", member_ids=[bob.pk])
    Topic.objects.create(name="news", is_public=True)
    return World(alice=alice, bob=bob, direct=direct, message=message, group=group)


def writes(world: World) -> dict[str, tuple[str, str, dict]]:
    """Every API operation that takes a JSON body: name -> (method, path, a valid body)."""
    conversation = world.direct.pk
    return {
        "signup": ("post", "/api/v1/auth/signup", {"username": "carol", "password": "x7!Kq9#mZ2"}),
        "login": ("post", "/api/v1/auth/login", {"username": "h-bob", "password": "nope"}),
        "refresh": ("post", "/api/v1/auth/refresh", {"refresh": "not-a-token"}),
        "logout": ("post", "/api/v1/auth/logout", {"refresh": "not-a-token"}),
        "password": ("post", "/api/v1/auth/password", {"old_password": "x", "new_password": "y"}),
        "password-reset": ("post", "/api/v1/auth/password-reset", {"email": "a@example.com"}),
        "me": ("patch", "/api/v1/auth/me", {"display_name": "Al"}),
        "open-direct": ("post", "/api/v1/conversations", {"user_id": world.bob.pk}),
        "send": (
            "post",
            f"/api/v1/conversations/{conversation}/messages",
            {"body": "hi", "client_id": str(uuid.uuid4())},
        ),
        "delivered": (
            "post",
            f"/api/v1/conversations/{conversation}/delivered",
            {"up_to": world.message.pk},
        ),
        "read": ("post", f"/api/v1/conversations/{conversation}/read", {"up_to": world.message.pk}),
        "edit": ("patch", f"/api/v1/messages/{world.message.pk}", {"body": "edited"}),
        "report": ("post", f"/api/v1/messages/{world.message.pk}/report", {"reason": "spam"}),
        "create-group": ("post", "/api/v1/groups", {"name": "G", "member_ids": []}),
        "update-group": ("patch", f"/api/v1/groups/{world.group.pk}", {"description": "d"}),
        "add-members": (
            "post",
            f"/api/v1/groups/{world.group.pk}/members",
            {"user_ids": [world.bob.pk]},
        ),
        "change-role": (
            "patch",
            f"/api/v1/groups/{world.group.pk}/members/{world.bob.pk}",
            {"role": "admin"},
        ),
        "preferences": ("put", "/api/v1/notifications/preferences", {"time_zone": "UTC"}),
        "read-all": ("post", "/api/v1/notifications/read-all", {}),
        "push-subscribe": (
            "post",
            "/api/v1/notifications/push-subscriptions",
            {"endpoint": "https://push.example.com/1", "keys": {"p256dh": "k", "auth": "a"}},
        ),
        "retry-all": ("post", "/api/v1/deliveries/retry-all", {}),
        "publish": ("post", "/api/v1/channels/news/publish", {"data": {"n": 1}}),
    }


# The names of writes(), for parametrizing at collection time (a test keeps them in step).
WRITE_NAMES = [
    "signup",
    "login",
    "refresh",
    "logout",
    "password",
    "password-reset",
    "me",
    "open-direct",
    "send",
    "delivered",
    "read",
    "edit",
    "report",
    "create-group",
    "update-group",
    "add-members",
    "change-role",
    "preferences",
    "read-all",
    "push-subscribe",
    "retry-all",
    "publish",
]
