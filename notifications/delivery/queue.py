"""Putting deliveries on the task queue (django-tasks)."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models.signals import pre_save
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend

from config.bulk import BulkWrite, model_row


def _stage_job(backend: DatabaseBackend, job, delivery_ids: list[int], writes: BulkWrite) -> None:
    """`job.enqueue(delivery_ids)` as a row of `writes`, with the fields the database backend's
    own enqueue gives it (DatabaseBackend._task_to_db_task; tests/notifications run a real
    db_worker on such rows, so a change of the backend's row shape fails them)."""
    from django_tasks_db.compat import normalize_json, task_enqueued
    from django_tasks_db.models import DBTaskResult

    backend.validate_task(job)
    result = DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": [delivery_ids], "kwargs": {}}),
        priority=job.priority,
        task_path=job.module_path,
        queue_name=job.queue_name,
        run_after=job.run_after,
        backend_name=backend.alias,
    )
    # As result.save() would: the backend's pre_save receiver fills in run_after.
    pre_save.send(
        sender=DBTaskResult, instance=result, raw=False, using="default", update_fields=None
    )
    writes.insert(DBTaskResult, [model_row(result)])
    writes.after(lambda: task_enqueued.send(type(backend), task_result=result.task_result))


def schedule(
    due_by_delivery: Iterable[tuple[int, datetime]], *, writes: BulkWrite | None = None
) -> int:
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
                if writes is not None and isinstance(backend, DatabaseBackend):
                    _stage_job(backend, job, chunk, writes)
                else:
                    job.enqueue(chunk)
            elif due <= now:
                transaction.on_commit(partial(send_deliveries.enqueue, chunk))
            else:
                continue
            jobs += 1
    return jobs
