from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_eventstream.storage import EventDoesNotExist

from realtime.models import ChannelCounter, StoredEvent, Topic, TopicPublication, UserPublication
from realtime.storage import storage_instance

pytestmark = pytest.mark.django_db


def _append(channel: str, *, days_old: float) -> int:
    (event,) = storage_instance.append_events([channel], "message.new", '{"id": 1}')
    StoredEvent.objects.filter(channel=channel, seq=event.id).update(
        created_at=timezone.now() - timedelta(days=days_old)
    )
    return event.id


def _run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("purge_events", *args, stdout=out)
    return out.getvalue()


def test_purge_deletes_events_past_retention_and_keeps_recent_ones(settings):
    settings.EVENT_RETENTION = timedelta(days=7)
    old = [_append("user-1", days_old=10) for _ in range(3)]
    recent = _append("user-1", days_old=1)

    output = _run()

    assert list(StoredEvent.objects.values_list("seq", flat=True)) == [recent]
    assert "purged 3 event(s)" in output
    assert old == [1, 2, 3]


def test_purge_never_touches_channel_counters_so_ids_keep_growing():
    _append("user-2", days_old=30)
    _append("user-2", days_old=30)

    _run("--older-than", "0")

    assert StoredEvent.objects.count() == 0
    assert ChannelCounter.objects.get(channel="user-2").last_id == 2
    assert _append("user-2", days_old=0) == 3


def test_resuming_from_a_purged_event_is_a_stream_reset():
    _append("user-3", days_old=9)
    _append("user-3", days_old=9)
    _append("user-3", days_old=0)

    _run("--older-than", "7")

    with pytest.raises(EventDoesNotExist):
        storage_instance.get_events("user-3", 1)
    assert [event.id for event in storage_instance.get_events("user-3", 2)] == [3]


def test_dry_run_counts_and_deletes_nothing():
    for _ in range(4):
        _append("user-4", days_old=20)

    output = _run("--dry-run")

    assert "would delete 4 event(s)" in output
    assert StoredEvent.objects.count() == 4


def test_purge_works_in_batches_and_reports_progress():
    for _ in range(5):
        _append("user-5", days_old=20)

    output = _run("--batch-size", "2")

    assert [line for line in output.splitlines() if line.startswith("deleted")] == [
        "deleted 2 event(s) so far",
        "deleted 4 event(s) so far",
        "deleted 5 event(s) so far",
    ]
    assert StoredEvent.objects.count() == 0


def test_older_than_overrides_the_retention_setting(settings):
    settings.EVENT_RETENTION = timedelta(days=30)
    _append("user-6", days_old=3)
    kept = _append("user-6", days_old=1)

    _run("--older-than", "2")

    assert list(StoredEvent.objects.values_list("seq", flat=True)) == [kept]


@pytest.mark.parametrize("args", [["--older-than", "-1"], ["--batch-size", "0"]])
def test_bad_arguments_fail(args):
    with pytest.raises(CommandError):
        _run(*args)


def test_purge_also_forgets_publish_keys_past_retention(settings):
    settings.EVENT_RETENTION = timedelta(days=7)
    topic = Topic.objects.create(name="news")
    old_user_key = UserPublication.objects.create(idempotency_key="bus:old", event_id=1)
    old_topic_key = TopicPublication.objects.create(topic=topic, idempotency_key="k1", event_id=1)
    UserPublication.objects.create(idempotency_key="bus:new", event_id=2)
    for row in (old_user_key, old_topic_key):
        type(row).objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=8))

    assert "forgot 2 publish key(s)" in _run()

    assert list(UserPublication.objects.values_list("idempotency_key", flat=True)) == ["bus:new"]
    assert not TopicPublication.objects.exists()
