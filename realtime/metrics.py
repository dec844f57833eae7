"""Prometheus series for the real-time layer (documented in README, "Metrics")."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter(
    "parley_events_published_total", "Events published to channels, by type", ["type"]
)
EVENTS_DELIVERED = Counter(
    "parley_events_delivered_total", "Events written to open streams, by type", ["type"]
)
CHANNEL_LAYER_ERRORS = Counter(
    "parley_channel_layer_errors_total", "Channel-layer sends or receives that failed"
)
CHANNEL_LAYER_RECONNECTS = Counter(
    "parley_channel_layer_reconnects_total", "Times the node regained the channel layer"
)
STREAMS_OPEN = Gauge("parley_sse_streams_open", "Open event streams on this node")
STREAM_CONNECTIONS = Counter("parley_sse_connections_total", "Event streams opened")
STREAM_DISCONNECTIONS = Counter("parley_sse_disconnections_total", "Event streams closed")
REPLAYS = Counter("parley_replays_total", "Streams or polls resumed from Last-Event-ID")
STREAM_RESETS = Counter("parley_stream_resets_total", "Resumes refused as past retention")
SLOW_CONSUMER_DISCONNECTS = Counter(
    "parley_sse_slow_consumer_disconnects_total",
    "Streams dropped because the client stopped reading (send buffer over its cap)",
)
LONG_POLL_WAITS = Counter("parley_long_poll_waits_total", "Long polls that had to wait")
DELIVERY_LATENCY = Histogram(
    "parley_delivery_latency_seconds",
    "Time from publish to the event being written to a stream",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

# `manage.py ingest` (realtime/ingest/); served on INGEST_METRICS_PORT by that process.
INGEST_PROCESSED = Counter(
    "parley_ingest_processed_total",
    "Bus messages done and acked: published, or found already published (duplicates)",
    ["source"],
)
INGEST_DUPLICATES = Counter(
    "parley_ingest_duplicates_total",
    "Bus messages whose id was already delivered, so nothing was published again",
    ["source"],
)
INGEST_DEAD_LETTERED = Counter(
    "parley_ingest_dead_lettered_total",
    "Malformed bus messages put on the dead-letter subject or stream, by reason",
    ["source", "reason"],
)
INGEST_REDELIVERED = Counter(
    "parley_ingest_redelivered_total",
    "Bus messages handed out again (a consumer crashed, timed out or released them)",
    ["source"],
)
INGEST_LAG = Gauge(
    "parley_ingest_lag", "Bus messages not yet handed to the consumer group", ["source"]
)
