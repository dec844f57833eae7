"""`manage.py ingest` refuses what it cannot consume before connecting anywhere."""

import pytest
from django.core.management import CommandError, call_command


def test_a_source_is_required(settings):
    settings.INGEST_SOURCE = ""
    with pytest.raises(CommandError, match="--source"):
        call_command("ingest", source="")


@pytest.mark.parametrize("url", ["kafka://broker:9092", "amqp://localhost:5672", "not a url"])
def test_unsupported_buses_are_refused(url):
    with pytest.raises(CommandError, match="unsupported source"):
        call_command("ingest", source=url)


def test_the_batch_size_must_be_positive():
    with pytest.raises(CommandError, match="batch-size"):
        call_command("ingest", source="redis://127.0.0.1:6379/0", batch_size=0)
