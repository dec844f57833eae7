"""Prometheus series of notifications (README, "Notifications and delivery").

Outcomes are counted where the sending happens: in `manage.py db_worker` (or in
the web process with the immediate task backend). Set DELIVERY_METRICS_PORT to
have a worker serve its own registry; the daily rollup in the database
(DeliveryDailyStat, shown in the admin) is the cluster-wide view.
"""

import logging
import threading

from django.conf import settings
from prometheus_client import Counter, start_http_server

logger = logging.getLogger(__name__)

DELIVERIES = Counter(
    "parley_deliveries_total",
    "Outbound delivery outcomes (sent, failed attempt, dead, skipped) by channel",
    ["channel", "status"],
)
DELIVERIES_QUEUED = Counter(
    "parley_deliveries_queued_total",
    "Outbound deliveries queued for users who are offline or away, by channel",
    ["channel"],
)
NOTIFICATIONS_CREATED = Counter(
    "parley_notifications_created_total", "In-app notifications created, by type", ["type"]
)

_server_lock = threading.Lock()
_server_started = False


def serve_worker_metrics() -> None:
    """Start the metrics HTTP server once per process when DELIVERY_METRICS_PORT is set."""
    global _server_started
    port = settings.DELIVERY_METRICS_PORT
    if not port or _server_started:
        return
    with _server_lock:
        if _server_started:
            return
        _server_started = True
        try:
            start_http_server(port)
        except OSError:
            logger.warning("Delivery metrics port %s is taken; not serving metrics", port)
