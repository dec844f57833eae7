import pytest
from django.db import connection

from chat import actions
from groups import actions as group_actions
from tests.chat.helpers import direct, send
from tests.factories import UserFactory
from tests.helpers import client_for, error_of

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search/messages"


def test_search_uses_full_text_search_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'message_search_vector'")
        (definition,) = cursor.fetchone()
    assert "gin (search_vector)" in definition


def test_the_best_match_comes_first_with_a_highlight(alice_client, alice, bob, chat):
    send(bob, chat, "the deployment went fine yesterday")
    best = send(alice, chat, "deployment deployment: the deploy is broken, deploying again")
    send(alice, chat, "lunch?")
    body = alice_client.get(SEARCH, {"q": "deploy"}).json()
    assert body["results"][0]["message"]["id"] == best.pk
    assert len(body["results"]) == 2  # stemming: deployment, deploying, deploy
    assert "<mark>" in body["results"][0]["highlight"]
    assert body["results"][0]["message"]["author"]["username"] == "alice"


def test_websearch_syntax_phrases_and_exclusions(alice_client, alice, chat):
    send(alice, chat, "red apples are sweet")
    send(alice, chat, "green apples are sour")
    hits = alice_client.get(SEARCH, {"q": '"green apples"'}).json()["results"]
    assert [hit["message"]["body"] for hit in hits] == ["green apples are sour"]
    hits = alice_client.get(SEARCH, {"q": "apples -green"}).json()["results"]
    assert [hit["message"]["body"] for hit in hits] == ["red apples are sweet"]


def test_only_the_callers_conversations_are_searched(alice, bob, chat):
    carol = UserFactory(username="carol")
    send(alice, chat, "private banana plan")
    send(carol, direct(carol, UserFactory()), "carol's banana")
    hits = client_for(carol).get(SEARCH, {"q": "banana"}).json()["results"]
    assert [hit["message"]["body"] for hit in hits] == ["carol's banana"]


def test_a_former_member_no_longer_finds_the_groups_messages(alice, bob):
    group = group_actions.create_group(creator=alice, name="g", member_ids=[bob.pk])
    send(alice, group.conversation, "quarterly numbers")
    assert client_for(bob).get(SEARCH, {"q": "quarterly"}).json()["results"]
    group_actions.leave_group(user=bob, group_id=group.pk)
    assert client_for(bob).get(SEARCH, {"q": "quarterly"}).json()["results"] == []


def test_deleted_messages_are_never_found(alice_client, alice, chat):
    message = send(alice, chat, "embarrassing typo")
    actions.delete_message(user=alice, message_id=message.pk)
    assert alice_client.get(SEARCH, {"q": "embarrassing"}).json()["results"] == []


def test_edits_are_searchable_at_once(alice_client, alice, chat):
    message = send(alice, chat, "first words")
    actions.edit_message(user=alice, message_id=message.pk, body="second thoughts")
    assert alice_client.get(SEARCH, {"q": "first"}).json()["results"] == []
    assert alice_client.get(SEARCH, {"q": "thoughts"}).json()["results"]


def test_results_can_be_narrowed_to_one_conversation(alice_client, alice, chat):
    other = direct(alice, UserFactory())
    send(alice, chat, "kiwi here")
    send(alice, other, "kiwi there")
    hits = alice_client.get(SEARCH, {"q": "kiwi", "conversation_id": other.pk}).json()["results"]
    assert [hit["message"]["body"] for hit in hits] == ["kiwi there"]


def test_a_conversation_one_is_not_in_is_404(alice, chat):
    carol = UserFactory()
    error_of(client_for(carol).get(SEARCH, {"q": "x", "conversation_id": chat.pk}), 404)


def test_results_are_paginated(alice_client, alice, chat, django_assert_max_num_queries):
    for index in range(7):
        send(alice, chat, f"mango number {index}")
    with django_assert_max_num_queries(12):
        first = alice_client.get(SEARCH, {"q": "mango", "page_size": 3}).json()
    assert len(first["results"]) == 3 and first["previous"] is None
    second = alice_client.get(first["next"]).json()
    third = alice_client.get(second["next"]).json()
    assert len(third["results"]) == 1 and third["next"] is None
    ids = [hit["message"]["id"] for page in (first, second, third) for hit in page["results"]]
    assert len(set(ids)) == 7


def test_highlights_escape_html(alice_client, alice, chat):
    send(alice, chat, "cucumber & tomato: 1 < 2 <img src=x onerror=alert(1)>")
    (hit,) = alice_client.get(SEARCH, {"q": "cucumber"}).json()["results"]
    assert "<mark>cucumber</mark>" in hit["highlight"]
    unmarked = hit["highlight"].replace("<mark>", "").replace("</mark>", "")
    assert "<" not in unmarked and ">" not in unmarked and "&amp;" in unmarked


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "a", "page": 0}, {"q": "a\x00"}],
)
def test_bad_queries_are_400(alice_client, params):
    error_of(alice_client.get(SEARCH, params), 400)


def test_search_needs_credentials(api_client):
    assert api_client.get(SEARCH, {"q": "x"}).status_code == 401


def test_nonsense_queries_find_nothing_instead_of_failing(alice_client, alice, chat):
    send(alice, chat, "ordinary words")
    for query in ["!!!", "&|", "-", '"', "or", "the"]:
        response = alice_client.get(SEARCH, {"q": query})
        assert response.status_code == 200, query
