"""Outcome bookkeeping: the daily rollup (same transaction) and Prometheus (after commit)."""

from datetime import date

from django.db import connection, transaction

from notifications.metrics import DELIVERIES
from notifications.models import DeliveryDailyStat

OUTCOME_COLUMNS = ("sent", "failed", "dead", "skipped")


def record_outcome(*, channel: str, outcome: str, day: date) -> None:
    """Count one outcome ("sent", "failed", "dead", "skipped") for `channel` on `day`."""
    if outcome not in OUTCOME_COLUMNS:
        raise ValueError(f"Unknown outcome {outcome!r}")
    table = connection.ops.quote_name(DeliveryDailyStat._meta.db_table)
    column = connection.ops.quote_name(outcome)
    initial = [1 if name == outcome else 0 for name in OUTCOME_COLUMNS]
    # One statement whoever else is counting (PostgreSQL and SQLite upsert). The
    # table and column names come from the model and the fixed list above.
    sql = (
        f"INSERT INTO {table} (day, channel, sent, failed, dead, skipped) "  # noqa: S608
        f"VALUES (%s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT (day, channel) DO UPDATE SET {column} = {table}.{column} + 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, channel, *initial])
    transaction.on_commit(lambda: DELIVERIES.labels(channel=channel, status=outcome).inc())
