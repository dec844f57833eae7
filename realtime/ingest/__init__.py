"""Message-bus ingest: events other services put on a bus, published to Parley's streams.

The path of one bus message, each step calling the next:

    management/commands/ingest.py   parses --source, starts metrics, runs the consumer
    ingest/sources/                 one class per bus: fetch a batch, ack, dead-letter, lag
      nats.py                       NATS JetStream, a durable pull consumer, explicit acks
      redis_streams.py              Redis Streams, a consumer group, XAUTOCLAIM takeover
    ingest/consumer.py              the loop: for each message, parse, deliver, then ack
    ingest/messages.py              bytes -> BusEvent, or Malformed(reason) for the dead letter
    ingest/delivery.py              BusEvent -> realtime.actions.publish_to_topic/_users, keyed on
                                    the bus message id (the publish API's Idempotency-Key rows)

A message is acked only after its event is committed, so a crash redelivers it; the key row
written in the same transaction as the stored event makes the redelivery a no-op.
"""
