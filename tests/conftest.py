"""The people and places most tests share: Alice, Bob, Carol and Dave, their direct chat and
their team, an API client for each, a moderator, and a recorder for domain signals.

A fixture used by one package only lives in that package's conftest.py;
tests/test_fixtures_defined_once.py keeps every fixture name defined in one place.
"""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from chat.models import Conversation
from groups import actions as group_actions
from groups.models import Group
from tests.chat.helpers import Captured, direct, moderators_group
from tests.factories import UserFactory
from tests.helpers import client_for

# Real daphne nodes, a throwaway redis-server and nginx for multi-node tests.
pytest_plugins = ["tests.servers"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and presence live in Redis; each test starts without them."""
    cache.clear()
    yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", display_name="Alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", display_name="Bob")


@pytest.fixture
def alice_client(alice) -> APIClient:
    return client_for(alice)


@pytest.fixture
def bob_client(bob) -> APIClient:
    return client_for(bob)


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", display_name="Carol")


@pytest.fixture
def dave(db):
    return UserFactory(username="dave", display_name="Dave")


@pytest.fixture
def chat(alice, bob) -> Conversation:
    """Alice and Bob's direct conversation."""
    return direct(alice, bob)


@pytest.fixture
def team(alice, bob, carol) -> Group:
    """A group: alice (owner), bob and carol (members)."""
    return group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk, carol.pk])


@pytest.fixture
def moderator(db):
    """Staff, in the "Moderators" group as chat's data migration makes it."""
    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(moderators_group())
    return user


@pytest.fixture
def moderator_client(moderator) -> Client:
    """The admin site, logged in as the moderator."""
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def captured():
    """`captured(signal) -> Captured`: a real receiver on `signal`, disconnected afterwards."""
    connected = []

    def connect(signal) -> Captured:
        receiver = Captured()
        signal.connect(receiver, weak=False)
        connected.append((signal, receiver))
        return receiver

    yield connect
    for signal, receiver in connected:
        signal.disconnect(receiver)
