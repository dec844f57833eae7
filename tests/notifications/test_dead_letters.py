"""Dead letters: listed and retried by staff through the admin, the API and the command."""

import pytest
from django.core.management import call_command

from notifications.models import Delivery, DeliveryDailyStat
from tests.factories import DeliveryFactory, NotificationFactory, UserFactory
from tests.helpers import client_for
from tests.notifications.helpers import queued_jobs, run_due_jobs

pytestmark = pytest.mark.django_db

DELIVERIES = "/api/v1/deliveries"
CHANGELIST = "/admin/notifications/delivery/"


@pytest.fixture
def dead_sms(fake_sms, bob):
    """Two dead SMS deliveries to bob, whose number works now."""
    from notifications import actions

    actions.update_preferences(
        user=bob, sms_number="+14155550100", channels={"message.new": {"sms": True}}
    )
    return [
        DeliveryFactory(
            notification=NotificationFactory(recipient=bob),
            channel="sms",
            status="dead",
            attempts=4,
            last_error="Gave up after 4 attempts. Last error:\n503",
        )
        for _ in range(2)
    ]


@pytest.fixture
def staff_client():
    return client_for(UserFactory(is_staff=True))


def assert_sent(deliveries) -> None:
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert delivery.status == "sent", delivery.last_error


def test_admin_retry_selected_requeues_and_sends(admin_client, dead_sms, fake_sms):
    response = admin_client.post(
        CHANGELIST,
        {"action": "retry_selected", "_selected_action": [dead_sms[0].pk]},
    )

    assert response.status_code == 302
    dead_sms[0].refresh_from_db()
    assert (dead_sms[0].status, dead_sms[0].attempts) == ("pending", 0)
    assert run_due_jobs() == 1
    assert_sent(dead_sms[:1])
    dead_sms[1].refresh_from_db()
    assert dead_sms[1].status == "dead"


def test_admin_discard_deletes_only_dead_ones(admin_client, dead_sms, bob):
    sent = DeliveryFactory(notification=NotificationFactory(recipient=bob), status="sent")

    admin_client.post(
        CHANGELIST,
        {"action": "discard_selected", "_selected_action": [dead_sms[0].pk, sent.pk]},
    )

    assert set(Delivery.objects.values_list("pk", flat=True)) == {dead_sms[1].pk, sent.pk}


def test_staff_api_lists_dead_letters(staff_client, dead_sms, bob, django_assert_max_num_queries):
    DeliveryFactory(notification=NotificationFactory(recipient=bob), status="sent")

    with django_assert_max_num_queries(3):
        response = staff_client.get(DELIVERIES, {"status": "dead"})

    body = response.json()
    assert body["count"] == 2
    item = body["results"][0]
    assert item["status"] == "dead"
    assert item["channel"] == "sms"
    assert item["recipient"]["username"] == "bob"
    assert item["last_error"].startswith("Gave up")


def test_staff_api_list_query_count_is_constant(staff_client, django_assert_max_num_queries):
    DeliveryFactory.create_batch(25, status="dead")

    with django_assert_max_num_queries(3):
        response = staff_client.get(DELIVERIES, {"status": "dead", "channel": "email"})

    assert response.json()["count"] == 25


def test_staff_api_retry_one(staff_client, dead_sms, fake_sms):
    response = staff_client.post(f"{DELIVERIES}/{dead_sms[0].pk}/retry")

    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    run_due_jobs()
    assert_sent(dead_sms[:1])


def test_staff_api_retry_refuses_a_delivery_that_is_not_dead(staff_client, bob):
    sent = DeliveryFactory(notification=NotificationFactory(recipient=bob), status="sent")

    response = staff_client.post(f"{DELIVERIES}/{sent.pk}/retry")
    missing = staff_client.post(f"{DELIVERIES}/999999/retry")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_retryable"
    assert missing.status_code == 404


def test_staff_api_retry_all(staff_client, dead_sms, fake_sms):
    response = staff_client.post(f"{DELIVERIES}/retry-all", {"channel": "sms"}, format="json")

    assert response.json() == {"count": 2}
    run_due_jobs()
    assert_sent(dead_sms)


def test_deliveries_api_is_for_staff_only(bob_client, dead_sms, api_client):
    assert bob_client.get(DELIVERIES).status_code == 403
    assert bob_client.post(f"{DELIVERIES}/{dead_sms[0].pk}/retry").status_code == 403
    assert bob_client.post(f"{DELIVERIES}/retry-all").status_code == 403
    assert api_client.get(DELIVERIES).status_code == 401
    dead_sms[0].refresh_from_db()
    assert dead_sms[0].status == "dead"


def test_deliveries_api_rejects_an_unknown_status(staff_client):
    response = staff_client.get(DELIVERIES, {"status": "lost"})
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_command_retry_requeues_dead_letters(dead_sms, fake_sms, capsys):
    call_command("deliveries", "retry")

    assert "Requeued 2" in capsys.readouterr().out
    assert len(queued_jobs()) == 1
    run_due_jobs()
    assert_sent(dead_sms)


def test_command_retry_by_id_and_channel(dead_sms, fake_sms, capsys):
    call_command("deliveries", "retry", "--id", str(dead_sms[1].pk))
    call_command("deliveries", "retry", "--channel", "email")

    assert capsys.readouterr().out.splitlines() == [
        "Requeued 1 delivery(ies).",
        "Requeued 0 delivery(ies).",
    ]
    run_due_jobs()
    assert_sent(dead_sms[1:])


def test_retried_dead_letter_that_fails_again_goes_back_through_the_backoff(dead_sms, fake_sms):
    fake_sms.reset(failures=1)
    call_command("deliveries", "retry", "--id", str(dead_sms[0].pk))

    run_due_jobs()

    dead_sms[0].refresh_from_db()
    assert (dead_sms[0].status, dead_sms[0].attempts) == ("failed", 1)
    assert DeliveryDailyStat.objects.get(channel="sms").failed == 1
