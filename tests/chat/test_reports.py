"""Reporting a message (POST /api/v1/messages/{id}/report) and the moderation queue."""

import pytest
from django.test import Client

from accounts.models import User
from chat.models import MessageReport
from tests.chat.helpers import event_types_for, send
from tests.factories import UserFactory
from tests.helpers import error_of

pytestmark = pytest.mark.django_db

QUEUE = "/admin/chat/messagereport/"


def report_url(message) -> str:
    return f"/api/v1/messages/{message.pk}/report"


def test_a_member_reports_a_message_into_the_queue(bob_client, alice, bob, chat):
    message = send(alice, chat, "spam spam spam")
    response = bob_client.post(report_url(message), {"reason": "spam"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "open"
    report = MessageReport.objects.get()
    assert (report.message_id, report.reporter_id, report.reason) == (message.pk, bob.pk, "spam")


def test_reporting_again_updates_the_one_report(bob_client, alice, chat):
    message = send(alice, chat)
    bob_client.post(report_url(message), {"reason": "spam"}, format="json")
    again = bob_client.post(report_url(message), {"reason": "abuse"}, format="json")
    assert again.status_code == 200
    assert list(MessageReport.objects.values_list("reason", flat=True)) == ["abuse"]


def test_an_outsider_cannot_report_a_message(alice, chat):
    message = send(alice, chat)
    outsider = UserFactory()
    from tests.helpers import client_for

    error_of(client_for(outsider).post(report_url(message), {"reason": "x"}, format="json"), 404)
    assert not MessageReport.objects.exists()


def test_one_cannot_report_ones_own_message(alice_client, alice, chat):
    message = send(alice, chat)
    error_of(alice_client.post(report_url(message), {"reason": "x"}, format="json"), 400)


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "x" * 1001}, {"reason": 5}])
def test_a_report_needs_a_reason(bob_client, alice, chat, payload):
    message = send(alice, chat)
    response = bob_client.post(report_url(message), payload, format="json")
    if payload == {"reason": 5}:  # DRF reads a number as its text: a valid reason
        assert response.status_code == 201
        return
    assert "reason" in error_of(response, 400)["fields"]


def test_a_deleted_message_cannot_be_reported(alice_client, bob_client, alice, chat):
    message = send(alice, chat)
    alice_client.delete(f"/api/v1/messages/{message.pk}")
    error_of(bob_client.post(report_url(message), {"reason": "x"}, format="json"), 410)


def test_reporting_needs_authentication(api_client, alice, chat):
    error_of(api_client.post(report_url(send(alice, chat)), {"reason": "x"}, format="json"), 401)


def _report(client, message, reason="spam") -> MessageReport:
    client.post(report_url(message), {"reason": reason}, format="json")
    return MessageReport.objects.get(message=message)


def test_the_queue_lists_open_reports_for_moderators(moderator_client, bob_client, alice, chat):
    _report(bob_client, send(alice, chat, "buy my stuff"))
    page = moderator_client.get(QUEUE, {"status__exact": "open"})
    assert page.status_code == 200
    assert "buy my stuff" in page.content.decode()


def test_resolve_closes_the_report_and_keeps_the_message(moderator_client, bob_client, alice, chat):
    message = send(alice, chat)
    report = _report(bob_client, message)
    moderator_client.post(QUEUE, {"action": "resolve", "_selected_action": [report.pk]})
    report.refresh_from_db()
    message.refresh_from_db()
    assert report.status == "resolved" and report.resolved_by.username == "mod"
    assert message.deleted_at is None


def test_delete_message_soft_deletes_it_for_the_members(
    moderator_client, bob_client, alice, bob, chat
):
    message = send(alice, chat)
    report = _report(bob_client, message)
    moderator_client.post(QUEUE, {"action": "delete_messages", "_selected_action": [report.pk]})
    message.refresh_from_db()
    report.refresh_from_db()
    assert message.deleted_at is not None
    assert report.status == "message_deleted"
    assert "message.deleted" in event_types_for(bob)


def test_deactivate_author_deactivates_them_and_closes_their_reports(
    moderator_client, bob_client, alice, chat, django_capture_on_commit_callbacks
):
    first = _report(bob_client, send(alice, chat, "one"))
    second = _report(bob_client, send(alice, chat, "two"))
    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(
            QUEUE, {"action": "deactivate_authors", "_selected_action": [first.pk]}
        )
    assert not User.objects.get(pk=alice.pk).is_active
    statuses = set(
        MessageReport.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    )
    assert statuses == {"author_deactivated"}


def test_plain_users_cannot_reach_the_queue(alice):
    client = Client()
    client.force_login(alice)
    assert client.get(QUEUE).status_code == 302
