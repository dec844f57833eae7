import pytest

from groups import actions as group_actions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GROUPS = "/admin/groups/group/"


def test_group_page_lists_members_with_roles(moderator_client, alice, bob):
    group = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk])
    response = moderator_client.get(f"{GROUPS}{group.pk}/change/")
    assert response.status_code == 200
    assert b"<td>alice</td><td>owner</td>" in response.content
    assert b"<td>bob</td><td>member</td>" in response.content


def test_group_changelist_has_constant_queries(
    moderator_client, alice, bob, django_assert_max_num_queries
):
    group_actions.create_group(creator=alice, name="first", member_ids=[bob.pk])
    with django_assert_max_num_queries(12) as few:
        assert moderator_client.get(GROUPS).status_code == 200
    for index in range(20):
        group_actions.create_group(creator=UserFactory(), name=f"g{index}", member_ids=[bob.pk])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = moderator_client.get(GROUPS)
    assert len(response.context["cl"].result_list) == 21


def test_search_finds_groups_by_name(moderator_client, alice):
    group_actions.create_group(creator=alice, name="Parley team", member_ids=[])
    group_actions.create_group(creator=alice, name="Book club", member_ids=[])
    result = moderator_client.get(GROUPS, {"q": "parley"}).context["cl"].result_list
    assert [group.name for group in result] == ["Parley team"]


def test_groups_cannot_be_deleted_from_the_admin(moderator_client, alice):
    group = group_actions.create_group(creator=alice, name="Team", member_ids=[])
    assert moderator_client.get(f"{GROUPS}{group.pk}/delete/").status_code == 403
