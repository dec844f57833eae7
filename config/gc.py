"""Garbage-collector pauses of a node: measured, and kept short.

A full collection walks every tracked object, and a node's heap (Django, DRF and
the URL, schema and template machinery it loads once) is large, so each
generation-2 pass stalls every request and stream of the process at once.
`gc.freeze()` after start-up moves what was loaded to the permanent generation,
which later collections skip. Pauses are exported as `parley_gc_pause_seconds`.
"""

import gc
import logging
import time

from django.conf import settings
from prometheus_client import Histogram

logger = logging.getLogger(__name__)

GC_PAUSE = Histogram(
    "parley_gc_pause_seconds",
    "Garbage-collector pauses of this process, by generation",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
SLOW_PAUSE_SECONDS = 0.1

_started: dict[str, float] = {}


def _on_gc(phase: str, info: dict) -> None:
    if phase == "start":
        _started["at"] = time.perf_counter()
        return
    began = _started.pop("at", None)
    if began is None:
        return
    pause = time.perf_counter() - began
    GC_PAUSE.labels(str(info["generation"])).observe(pause)
    if pause >= SLOW_PAUSE_SECONDS:
        logger.warning(
            "gc generation %d paused the process %.0f ms (%d collected)",
            info["generation"],
            pause * 1000,
            info["collected"],
        )


def settle_after_startup() -> None:
    """Freeze what start-up loaded, collect the young generation less often, and start
    measuring pauses (call once, after setup).

    CPython collects generation 0 every 700 net allocations: a node under load ran a
    collection every few requests, and the collections of the older generations they
    cascade into stalled all its streams at once. GC_GEN0_THRESHOLD=20000 (a few MB more
    of young objects) cut the CPU per accepted message at 300 msg/s from 6.3-7.1 to
    4.9-5.4 ms and a stream open from 1.57-1.74 to 1.27-1.40 ms (bench, README).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(settings.GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)
