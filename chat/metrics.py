"""Chat series for Prometheus (documented in README, "Metrics")."""

from prometheus_client import Counter

MESSAGES_SENT = Counter(
    "parley_messages_sent_total",
    "Messages stored (resends excluded), by conversation kind",
    ["kind"],
)
