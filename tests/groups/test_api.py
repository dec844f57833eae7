import pytest

from groups import actions
from groups.api.serializers import GroupDetailSerializer, GroupSerializer
from groups.models import Group, Role
from tests.chat.helpers import event_types_for, recipients_of, send
from tests.factories import UserFactory
from tests.groups.helpers import role_of
from tests.helpers import client_for, error_of

pytestmark = pytest.mark.django_db

GROUPS = "/api/v1/groups"


def test_create_returns_201_with_conversation_and_members(alice_client, alice, bob, carol):
    response = alice_client.post(
        GROUPS,
        {"name": " Team ", "description": "Us", "member_ids": [bob.pk, carol.pk]},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == set(GroupDetailSerializer().fields)
    group = Group.objects.get()
    assert body["id"] == group.pk and body["conversation_id"] == group.conversation_id
    assert body["name"] == "Team" and body["description"] == "Us"
    assert body["my_role"] == "owner" and body["member_count"] == 3
    assert [(m["user"]["username"], m["role"]) for m in body["members"]] == [
        ("alice", "owner"),
        ("bob", "member"),
        ("carol", "member"),
    ]
    assert recipients_of("group.invite") == {bob.pk, carol.pk}
    # The group's conversation is in everyone's list at once.
    assert client_for(bob).get("/api/v1/conversations").json()["results"][0]["title"] == "Team"


@pytest.mark.parametrize(
    "payload",
    [
        {"member_ids": []},
        {"name": "", "member_ids": []},
        {"name": "   ", "member_ids": []},
        {"name": 5, "member_ids": []},
        {"name": "x" * 101, "member_ids": []},
        {"name": "ok"},
        {"name": "ok", "member_ids": "1,2"},
        {"name": "ok", "member_ids": ["x"]},
        {"name": "ok", "member_ids": [], "avatar": "not a url"},
    ],
)
def test_create_validates_its_input(alice_client, payload):
    error_of(alice_client.post(GROUPS, payload, format="json"), 400)
    assert not Group.objects.exists()


def test_create_refuses_unknown_members(alice_client):
    error = error_of(
        alice_client.post(GROUPS, {"name": "x", "member_ids": [999_999]}, format="json"), 400
    )
    assert error["code"] == "invalid_members"


def test_list_shows_the_callers_groups_with_constant_queries(
    alice_client, alice, bob, django_assert_max_num_queries
):
    actions.create_group(creator=bob, name="Theirs", member_ids=[])
    actions.create_group(creator=bob, name="Ours", member_ids=[alice.pk])
    with django_assert_max_num_queries(4) as few:
        response = alice_client.get(GROUPS)
    (row,) = response.json()["results"]
    assert set(row) == set(GroupSerializer().fields)
    assert row["name"] == "Ours" and row["my_role"] == "member" and row["member_count"] == 2
    for index in range(20):
        actions.create_group(creator=alice, name=f"g{index}", member_ids=[bob.pk])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert alice_client.get(GROUPS).json()["count"] == 21


def test_detail_has_constant_queries(alice_client, alice, team, django_assert_max_num_queries):
    with django_assert_max_num_queries(5) as few:
        alice_client.get(f"{GROUPS}/{team.pk}")
    actions.add_members(
        actor=alice, group_id=team.pk, user_ids=[u.pk for u in UserFactory.create_batch(20)]
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert alice_client.get(f"{GROUPS}/{team.pk}").json()["member_count"] == 23


def test_outsider_gets_404_everywhere(team, alice, dave):
    client = client_for(dave)
    base = f"{GROUPS}/{team.pk}"
    for response in (
        client.get(base),
        client.patch(base, {"name": "x"}, format="json"),
        client.delete(base),
        client.post(f"{base}/members", {"user_ids": [dave.pk]}, format="json"),
        client.delete(f"{base}/members/{alice.pk}"),
        client.patch(f"{base}/members/{alice.pk}", {"role": "member"}, format="json"),
        client.post(f"{base}/leave"),
        client.get(f"{GROUPS}/999999"),
    ):
        assert error_of(response, 404)["code"] == "group_not_found"
    # Ids too large for the database are plain 404s, never a database error.
    error_of(client.get(f"{GROUPS}/99999999999999999999999"), 404)
    error_of(client_for(alice).delete(f"{base}/members/99999999999999999999999"), 404)


def test_plain_member_gets_403_for_admin_operations(team, bob, carol, dave):
    client = client_for(bob)
    base = f"{GROUPS}/{team.pk}"
    for response in (
        client.patch(base, {"name": "x"}, format="json"),
        client.delete(base),
        client.post(f"{base}/members", {"user_ids": [dave.pk]}, format="json"),
        client.delete(f"{base}/members/{carol.pk}"),
        client.patch(f"{base}/members/{carol.pk}", {"role": "admin"}, format="json"),
    ):
        error_of(response, 403)
    assert client.get(base).status_code == 200
    assert Group.objects.get().name == "Team"


def test_removed_member_gets_404(alice_client, team, carol):
    assert alice_client.delete(f"{GROUPS}/{team.pk}/members/{carol.pk}").status_code == 204
    client = client_for(carol)
    error_of(client.get(f"{GROUPS}/{team.pk}"), 404)
    error_of(client.get(f"/api/v1/conversations/{team.conversation_id}/messages"), 404)
    assert client.get(GROUPS).json()["count"] == 0


def test_add_members_returns_the_group_and_who_was_added(alice_client, team, bob, dave):
    response = alice_client.post(
        f"{GROUPS}/{team.pk}/members", {"user_ids": [dave.pk, bob.pk]}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["added_ids"] == [dave.pk] and body["member_count"] == 4
    error_of(alice_client.post(f"{GROUPS}/{team.pk}/members", {"user_ids": []}, format="json"), 400)
    error_of(alice_client.post(f"{GROUPS}/{team.pk}/members", {}, format="json"), 400)


def test_change_role_and_its_denials(alice_client, team, alice, bob, carol):
    url = f"{GROUPS}/{team.pk}/members/{bob.pk}"
    response = alice_client.patch(url, {"role": "admin"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "admin" and response.json()["user"]["id"] == bob.pk
    error_of(alice_client.patch(url, {"role": "king"}, format="json"), 400)
    error_of(alice_client.patch(url, {}, format="json"), 400)
    # An admin cannot demote the owner.
    bob_client = client_for(bob)
    error = error_of(
        bob_client.patch(
            f"{GROUPS}/{team.pk}/members/{alice.pk}", {"role": "member"}, format="json"
        ),
        403,
    )
    assert error["code"] == "role_not_allowed"
    error_of(bob_client.delete(f"{GROUPS}/{team.pk}/members/{alice.pk}"), 403)
    error_of(
        alice_client.patch(f"{GROUPS}/{team.pk}/members/999999", {"role": "admin"}, format="json"),
        404,
    )
    assert role_of(alice, team) == Role.OWNER


def test_update_renames_and_tells_the_members(alice_client, team, bob):
    response = alice_client.patch(
        f"{GROUPS}/{team.pk}",
        {"name": "Crew", "avatar": "https://example.com/a.png"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Crew"
    assert response.json()["avatar"] == "https://example.com/a.png"
    assert "group.updated" in event_types_for(bob)
    error_of(alice_client.patch(f"{GROUPS}/{team.pk}", {"name": " "}, format="json"), 400)
    error_of(alice_client.patch(f"{GROUPS}/{team.pk}", {"name": 7}, format="json"), 400)


def test_leave_hands_over_ownership(alice_client, team, alice, bob):
    assert alice_client.post(f"{GROUPS}/{team.pk}/leave").status_code == 204
    assert role_of(bob, team) == Role.OWNER
    error_of(alice_client.get(f"{GROUPS}/{team.pk}"), 404)


def test_owner_deletes_the_group(alice_client, team, alice, bob, carol):
    send(bob, team.conversation)
    admin = client_for(bob)
    actions.change_role(actor=alice, group_id=team.pk, user_id=bob.pk, role=Role.ADMIN)
    assert error_of(admin.delete(f"{GROUPS}/{team.pk}"), 403)["code"] == "owner_only"
    assert alice_client.delete(f"{GROUPS}/{team.pk}").status_code == 204
    assert not Group.objects.exists()
    error_of(alice_client.get(f"{GROUPS}/{team.pk}"), 404)
    assert recipients_of("group.deleted") == {alice.pk, bob.pk, carol.pk}


def test_lifecycle_over_the_api(alice, bob, carol, dave):
    alice_client, bob_client, carol_client = client_for(alice), client_for(bob), client_for(carol)
    group_id = alice_client.post(
        GROUPS, {"name": "Life", "member_ids": [bob.pk]}, format="json"
    ).json()["id"]
    base = f"{GROUPS}/{group_id}"
    assert (
        alice_client.post(
            f"{base}/members", {"user_ids": [carol.pk, dave.pk]}, format="json"
        ).status_code
        == 200
    )
    assert (
        alice_client.patch(f"{base}/members/{bob.pk}", {"role": "admin"}, format="json").status_code
        == 200
    )
    assert bob_client.delete(f"{base}/members/{dave.pk}").status_code == 204
    assert carol_client.post(f"{base}/leave").status_code == 204
    assert alice_client.delete(base).status_code == 204
    assert event_types_for(dave) == ["group.invite", "group.role_updated", "group.member_removed"]
    assert event_types_for(carol)[-1] == "group.member_left"
    assert event_types_for(bob)[-1] == "group.deleted"
