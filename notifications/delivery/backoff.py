import random
from datetime import timedelta

from django.conf import settings


def retry_delay(failed_attempts: int) -> timedelta:
    """The wait before the next attempt after `failed_attempts` failures (1-based).

    DELIVERY_RETRY_DELAYS (10, 60, 300 s by default; the last repeats) with
    ±DELIVERY_RETRY_JITTER so that a provider outage does not end in a stampede.
    """
    delays = settings.DELIVERY_RETRY_DELAYS
    base = delays[max(0, min(failed_attempts, len(delays)) - 1)]
    jitter = settings.DELIVERY_RETRY_JITTER
    return timedelta(seconds=base * random.uniform(1 - jitter, 1 + jitter))
