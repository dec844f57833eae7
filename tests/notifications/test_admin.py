"""Moderators' admin pages for notifications and deliveries: filters, no N+1."""

import pytest
from django.utils import timezone

from notifications.delivery.stats import record_outcome
from tests.factories import (
    DeliveryFactory,
    NotificationFactory,
    PushSubscriptionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [2, 30])
def test_notification_changelist_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, size
):
    actor = UserFactory()
    NotificationFactory.create_batch(size, actor=actor)

    with django_assert_max_num_queries(8):
        response = admin_client.get("/admin/notifications/notification/")

    assert response.status_code == 200


def test_notification_changelist_filters_by_type_and_read(admin_client):
    unread = NotificationFactory(type="group.invite", title="invite-unread")
    NotificationFactory(type="group.invite", title="invite-read", read_at=timezone.now())
    NotificationFactory(type="message.new", title="message-unread")

    page = admin_client.get(
        "/admin/notifications/notification/", {"type__exact": "group.invite", "read": "no"}
    ).content.decode()

    assert unread.title in page
    assert "invite-read" not in page
    assert "message-unread" not in page


@pytest.mark.parametrize("size", [2, 30])
def test_delivery_changelist_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, size
):
    DeliveryFactory.create_batch(size, status="dead", last_error="line one\nboom")

    with django_assert_max_num_queries(8):
        response = admin_client.get("/admin/notifications/delivery/", {"status__exact": "dead"})

    assert response.status_code == 200
    assert "boom" in response.content.decode()


def test_daily_analytics_page_shows_outcomes_per_channel(admin_client):
    today = timezone.now().date()
    for outcome in ["sent", "sent", "failed", "dead"]:
        record_outcome(channel="email", outcome=outcome, day=today)

    response = admin_client.get("/admin/notifications/deliverydailystat/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<td class="field-sent">2</td>' in page
    assert '<td class="field-failed">1</td>' in page
    assert '<td class="field-dead">1</td>' in page


@pytest.mark.parametrize(
    "path",
    [
        "/admin/notifications/pushsubscription/",
        "/admin/notifications/notificationpreferences/",
        "/admin/notifications/conversationmute/",
    ],
)
def test_other_notification_admin_pages_load(admin_client, path, django_assert_max_num_queries):
    PushSubscriptionFactory.create_batch(3)
    with django_assert_max_num_queries(8):
        assert admin_client.get(path).status_code == 200


def test_notification_detail_shows_its_deliveries(admin_client):
    delivery = DeliveryFactory(status="dead", last_error="gone")

    response = admin_client.get(
        f"/admin/notifications/notification/{delivery.notification_id}/change/"
    )

    assert response.status_code == 200
    assert "gone" in response.content.decode()
