"""Bus sources for `manage.py ingest`, chosen by the scheme of `--source`."""

from realtime.ingest.sources.base import BusMessage, Source


def source_for_url(url: str, *, consumer: str, ack_wait: float) -> Source:
    """`nats://…` (JetStream) or `redis://…` / `rediss://…` (Streams); ValueError otherwise."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "nats":
        from realtime.ingest.sources.nats import NatsSource

        return NatsSource(url, ack_wait=ack_wait)
    if scheme in ("redis", "rediss"):
        from realtime.ingest.sources.redis_streams import RedisStreamSource

        return RedisStreamSource(url, consumer=consumer, ack_wait=ack_wait)
    raise ValueError(f"unsupported source {url!r}: use nats://… or redis://…")


__all__ = ["BusMessage", "Source", "source_for_url"]
