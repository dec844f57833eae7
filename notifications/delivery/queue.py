"""Putting deliveries on the task queue (django-tasks)."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone


def schedule(due_by_delivery: Iterable[tuple[int, datetime]]) -> int:
    """Queue jobs for these deliveries: one job per due time per DELIVERY_BATCH_SIZE.

    With a backend that can defer (the database backend) the jobs are written in
    the caller's transaction, so they exist exactly when the deliveries do. A
    backend that cannot (the immediate one) runs what is due after commit; later
    ones wait for `manage.py deliveries dispatch`. Returns the number of jobs.
    """
    from notifications.tasks import send_deliveries

    backend = send_deliveries.get_backend()
    batches: dict[datetime, list[int]] = defaultdict(list)
    for delivery_id, due in due_by_delivery:
        batches[due].append(delivery_id)
    now = timezone.now()
    size = settings.DELIVERY_BATCH_SIZE
    jobs = 0
    for due, ids in sorted(batches.items()):
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            if backend.supports_defer:
                job = send_deliveries if due <= now else send_deliveries.using(run_after=due)
                job.enqueue(chunk)
            elif due <= now:
                transaction.on_commit(partial(send_deliveries.enqueue, chunk))
            else:
                continue
            jobs += 1
    return jobs
