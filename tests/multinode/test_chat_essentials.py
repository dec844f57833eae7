"""Reactions, mentions and attachments across real daphne nodes, and files sent by nginx."""

import uuid
from urllib.parse import quote

import httpx
import pytest

from groups import actions as group_actions
from tests.chat.essentials import png_bytes
from tests.factories import UserFactory
from tests.realtime.conftest import token_for
from tests.realtime.sse import SSEClient

pytestmark = pytest.mark.multinode


def auth_headers(user) -> dict:
    return {"Authorization": f"Bearer {token_for(user)}"}


@pytest.fixture
def committed_team(transactional_db):
    """alice, bob, carol and their group's conversation, committed for the nodes to read."""
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    group = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk, carol.pk])
    return alice, bob, carol, group.conversation


def send(base: str, user, conversation_id: int, body: str, **extra) -> dict:
    response = httpx.post(
        f"{base}/api/v1/conversations/{conversation_id}/messages",
        json={"body": body, "client_id": str(uuid.uuid4()), **extra},
        headers=auth_headers(user),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_reactions_and_mentions_reach_members_on_another_node(daphne_nodes, committed_team):
    alice, bob, carol, conversation = committed_team
    node_a, node_b = daphne_nodes("essentials-a"), daphne_nodes("essentials-b")
    bob_stream = SSEClient(f"{node_b.url}/events/", token=token_for(bob)).start()
    carol_stream = SSEClient(f"{node_b.url}/events/", token=token_for(carol)).start()
    try:
        message = send(node_a.url, alice, conversation.pk, "lunch, @Bob?")
        assert message["mentions"] == [bob.pk]
        mention = bob_stream.next("notification.new", timeout=10).json
        assert mention["notification"]["type"] == "message.mention"
        assert mention["notification"]["message_id"] == message["id"]

        url = f"{node_a.url}/api/v1/messages/{message['id']}/reactions/{quote('👍')}"
        assert httpx.put(url, headers=auth_headers(carol), timeout=10).status_code == 200
        seen_by_bob = bob_stream.next("message.reactions", timeout=10).json
        seen_by_carol = carol_stream.next("message.reactions", timeout=10).json
        assert seen_by_bob == {
            "conversation_id": conversation.pk,
            "message_id": message["id"],
            "reactions": [{"emoji": "👍", "count": 1, "me": False}],
        }
        assert seen_by_carol["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    finally:
        bob_stream.close()
        carol_stream.close()


def test_nginx_sends_attachment_bytes_only_to_members(
    daphne_nodes, nginx_proxy, committed_team, tmp_path
):
    alice, bob, _carol, conversation = committed_team
    outsider = UserFactory(username="mallory")
    media = tmp_path / "media"
    env = {"MEDIA_ROOT": str(media), "ATTACHMENT_ACCEL_REDIRECT_PREFIX": "/_protected/attachments/"}
    nodes = [daphne_nodes("files-a", **env), daphne_nodes("files-b", **env)]
    proxy = nginx_proxy(nodes, media_root=media)
    image = png_bytes((800, 600))

    uploaded = httpx.post(
        f"{proxy.url}/api/v1/conversations/{conversation.pk}/attachments",
        files={"file": ("beach.png", image, "application/octet-stream")},
        headers=auth_headers(alice),
        timeout=10,
    )
    assert uploaded.status_code == 201, uploaded.text
    attachment = uploaded.json()
    assert attachment["content_type"] == "image/png"
    send(proxy.url, alice, conversation.pk, "", attachment_ids=[attachment["id"]])

    # Through nginx: the bytes, with the node's headers.
    downloaded = httpx.get(f"{proxy.url}{attachment['url']}", headers=auth_headers(bob), timeout=10)
    assert downloaded.status_code == 200
    assert downloaded.content == image
    assert downloaded.headers["content-type"] == "image/png"
    assert downloaded.headers["content-disposition"].startswith("inline")
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    thumbnail = httpx.get(f"{proxy.url}{attachment['thumbnail_url']}", headers=auth_headers(bob))
    assert thumbnail.status_code == 200 and thumbnail.content[:4] == b"RIFF"

    # A node itself only names the file for nginx: it never streams the bytes.
    direct = httpx.get(f"{nodes[0].url}{attachment['url']}", headers=auth_headers(bob), timeout=10)
    assert direct.headers["x-accel-redirect"].startswith("/_protected/attachments/")
    assert direct.content == b""

    # Outsiders, and anyone asking nginx for the internal location, get nothing.
    denied = httpx.get(
        f"{proxy.url}{attachment['url']}", headers=auth_headers(outsider), timeout=10
    )
    assert denied.status_code == 404 and denied.json()["error"]["code"] == "attachment_not_found"
    internal = httpx.get(f"{proxy.url}{direct.headers['x-accel-redirect']}", timeout=10)
    assert internal.status_code == 404
    assert httpx.get(f"{proxy.url}{attachment['url']}", timeout=10).status_code == 401


def test_nginx_lets_big_uploads_through_and_the_node_answers_413(
    daphne_nodes, nginx_proxy, committed_team, tmp_path
):
    alice, _bob, _carol, conversation = committed_team
    env = {"MEDIA_ROOT": str(tmp_path / "media"), "ATTACHMENT_MAX_BYTES": str(2 * 1024 * 1024)}
    proxy = nginx_proxy([daphne_nodes("upload-a", **env)], media_root=tmp_path / "media")
    url = f"{proxy.url}/api/v1/conversations/{conversation.pk}/attachments"
    fits = httpx.post(url, files={"file": ("a.bin", b"a" * 1_500_000)}, headers=auth_headers(alice))
    assert fits.status_code == 201, fits.text  # over nginx's default 1m for other paths
    over = httpx.post(url, files={"file": ("b.bin", b"b" * 3_000_000)}, headers=auth_headers(alice))
    assert over.status_code == 413
    assert over.json()["error"]["code"] == "attachment_too_large"
