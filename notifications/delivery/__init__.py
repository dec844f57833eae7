"""Outbound delivery: planning at fan-out, the queue, attempts, retries and dead letters."""
