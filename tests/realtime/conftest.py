import pytest
from django.db import transaction
from rest_framework_simplejwt.tokens import RefreshToken

import realtime
from realtime import actions
from realtime.models import Topic, TopicSubscription
from tests.factories import UserFactory


def token_for(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def publish_to_user(user_id: int, n: int, event_type: str = "message.new") -> None:
    """Publish as a domain action would: stored in a transaction, pushed after commit."""
    with transaction.atomic():
        realtime.publish(event_type, {"n": n}, user_ids=[user_id])


@pytest.fixture
def stream_users(transactional_db):
    alice = UserFactory(username="s-alice")
    bob = UserFactory(username="s-bob")
    return alice, bob


@pytest.fixture
def news_topic(transactional_db):
    topic = Topic.objects.create(name="news", is_public=True)
    return topic


@pytest.fixture
def publisher_key(transactional_db) -> str:
    _, raw_key = actions.create_api_key(name="tests")
    return raw_key


def subscribe(user, topic) -> None:
    TopicSubscription.objects.get_or_create(user=user, topic=topic)
