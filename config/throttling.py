"""DRF throttles that fail open: a Redis outage must not turn every request into a 500.

The counters live in the shared cache (Redis in production), so limits are
global across nodes. While the cache is unreachable requests are let through
and the failure is logged; losing rate limiting for a minute is better than
losing the service.
"""

import logging

from django.core.exceptions import SuspiciousOperation
from rest_framework import throttling
from rest_framework.exceptions import APIException
from rest_framework.request import Request

logger = logging.getLogger(__name__)


class FailOpenMixin:
    def allow_request(self, request: Request, view) -> bool:
        try:
            return super().allow_request(request, view)
        # A bad request met while reading the username (a malformed body, or one over
        # DATA_UPLOAD_MAX_MEMORY_SIZE): answered as such, not mistaken for a cache outage.
        except (APIException, SuspiciousOperation):
            raise
        except Exception:  # any cache failure
            logger.warning("throttle cache unavailable; allowing request", exc_info=True)
            return True


class SimpleRateThrottle(FailOpenMixin, throttling.SimpleRateThrottle):
    pass


class ScopedRateThrottle(FailOpenMixin, throttling.ScopedRateThrottle):
    pass
