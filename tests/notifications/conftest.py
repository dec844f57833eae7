import pytest
import time_machine

from tests.notifications.fakes import Recorder
from tests.notifications.helpers import T0


@pytest.fixture
def clock():
    """Time stands still at T0 until the test moves it (`clock.shift(...)`)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


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
