import io
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from realtime import presence
from realtime.models import ApiKey, Topic
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_api_key_prints_a_key_that_publishes_once_stored_hashed():
    out, err = run("create_api_key", "billing")
    raw_key = out.strip().splitlines()[-1]
    assert "only its hash is kept" in err
    api_key = ApiKey.objects.get(name="billing")
    assert raw_key not in api_key.hashed_key
    Topic.objects.create(name="invoices")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    response = client.post("/api/v1/channels/invoices/publish", {"data": {}}, format="json")
    assert response.status_code == 201


def test_realtime_stats_reports_nodes_and_the_event_log():
    from realtime import node_registry

    node_registry.report({"node": "n1", "open_streams": 3, "uptime_seconds": 5, "draining": False})
    out, _ = run("realtime_stats", "--json")
    summary = json.loads(out)
    assert summary["total_streams"] == 3
    assert [state["node"] for state in summary["nodes"]] == ["n1"]
    table, _ = run("realtime_stats")
    assert "1 node(s), 3 open stream(s)" in table


def test_cleanup_presence_settles_users_whose_node_vanished():
    crashed, online = UserFactory(), UserFactory()
    presence._came_online([crashed.id, online.id])
    presence.cache.delete(presence._key(crashed.id))  # the TTL ran out: its node is gone

    out, _ = run("cleanup_presence", "--dry-run")
    assert "1 online, 1 lapsed" in out
    crashed.refresh_from_db()
    assert crashed.last_seen is None

    out, _ = run("cleanup_presence")
    assert "settled 1 user(s)" in out
    crashed.refresh_from_db()
    assert crashed.last_seen is not None
    assert presence.indexed_user_ids() == [online.id]
