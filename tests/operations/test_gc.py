"""A node freezes its start-up heap and measures garbage-collector pauses (config/gc.py)."""

import gc

from prometheus_client import REGISTRY

from config import gc as node_gc


def full_collections_observed() -> float:
    sample = REGISTRY.get_sample_value("parley_gc_pause_seconds_count", {"generation": "2"})
    return sample or 0.0


def test_start_up_objects_are_frozen_and_pauses_are_measured_once():
    try:
        node_gc.settle_after_startup()
        node_gc.settle_after_startup()  # idempotent: one callback
        assert gc.get_freeze_count() > 10_000
        assert gc.callbacks.count(node_gc._on_gc) == 1
        before = full_collections_observed()
        gc.collect()
        # At least this one: other threads of the test process may collect meanwhile.
        assert full_collections_observed() >= before + 1
    finally:
        gc.callbacks.remove(node_gc._on_gc)
        gc.unfreeze()


def test_the_young_generation_is_collected_at_the_configured_threshold(settings):
    settings.GC_GEN0_THRESHOLD = 12_345
    thresholds = gc.get_threshold()
    try:
        node_gc.settle_after_startup()
        assert gc.get_threshold() == (12_345, *thresholds[1:])
    finally:
        gc.set_threshold(*thresholds)
        gc.callbacks.remove(node_gc._on_gc)
        gc.unfreeze()
