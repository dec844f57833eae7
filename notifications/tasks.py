"""Background jobs (django-tasks; `manage.py db_worker` runs them)."""

import logging

from django_tasks import task

from notifications.delivery.attempt import attempt_delivery
from notifications.metrics import serve_worker_metrics

logger = logging.getLogger(__name__)


@task()
def send_deliveries(delivery_ids: list[int]) -> dict[str, int]:
    """Attempt each delivery; one failing never stops the others. Returns outcome counts."""
    serve_worker_metrics()
    outcomes: dict[str, int] = {}
    for delivery_id in delivery_ids:
        try:
            outcome = attempt_delivery(delivery_id)
        except Exception:  # e.g. the database blinked: `deliveries dispatch` retries it
            logger.exception("Delivery %s could not be attempted", delivery_id)
            outcome = "error"
        outcomes[str(outcome)] = outcomes.get(str(outcome), 0) + 1
    logger.info("Deliveries %s: %s", delivery_ids[:10], outcomes)
    return outcomes
