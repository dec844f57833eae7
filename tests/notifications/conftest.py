import pytest

from chat import actions as chat_actions
from groups import actions as group_actions
from tests.factories import UserFactory
from tests.notifications.fakes import Recorder


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", display_name="Carol")


@pytest.fixture
def dave(db):
    return UserFactory(username="dave", display_name="Dave")


@pytest.fixture
def chat(alice, bob):
    conversation, _ = chat_actions.get_or_create_direct_conversation(user=alice, other_id=bob.pk)
    return conversation


@pytest.fixture
def team(alice, bob, carol):
    """alice (owner), bob and carol (members)."""
    return group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk, carol.pk])


@pytest.fixture
def recorder():
    Recorder.reset()
    yield Recorder
    Recorder.reset()


@pytest.fixture
def fake_sms(settings, recorder):
    """SMS goes to the flaky fake; every other channel is off unless a test enables it."""
    settings.DELIVERY_PROVIDERS = {
        **settings.DELIVERY_PROVIDERS,
        "sms": "tests.notifications.fakes.FlakyProvider",
    }
    settings.DELIVERY_SMS_DELAY_SECONDS = 0
    return recorder


@pytest.fixture
def local_server():
    from tests.notifications.servers import LocalServer

    server = LocalServer().start()
    yield server
    server.stop()


@pytest.fixture
def vapid_keys(settings):
    from notifications.management.commands.generate_vapid_keys import new_key_pair

    public, private = new_key_pair()
    settings.VAPID_PUBLIC_KEY = public
    settings.VAPID_PRIVATE_KEY = private
    settings.VAPID_SUBJECT = "mailto:ops@parley.test"
    return public
