"""Many users in direct conversations, made fast: one password hash, bulk inserts."""

from dataclasses import dataclass

import pytest

from accounts.models import User, colour_for
from chat.actions import get_or_create_direct_conversation
from tests.realtime.conftest import token_for


@dataclass
class Pair:
    sender: User
    recipient: User
    conversation_id: int
    sender_token: str
    recipient_token: str


def make_pairs(count: int, *, prefix: str) -> list[Pair]:
    template = User(username="template")
    template.set_password("not-used-by-these-tests")
    users = User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{n}",
                password=template.password,
                avatar_colour=colour_for(f"{prefix}{n}"),
            )
            for n in range(2 * count)
        ]
    )
    pairs = []
    for n in range(count):
        sender, recipient = users[2 * n], users[2 * n + 1]
        conversation, _ = get_or_create_direct_conversation(user=sender, other_id=recipient.pk)
        pairs.append(
            Pair(sender, recipient, conversation.pk, token_for(sender), token_for(recipient))
        )
    return pairs


@pytest.fixture
def cluster(daphne_nodes, nginx_proxy):
    """Three nodes behind nginx (the config from docker/), round robin, no stickiness."""
    nodes = [daphne_nodes(f"node-{n}", SSE_RETRY_MS="200") for n in (1, 2, 3)]
    return nodes, nginx_proxy(nodes)
