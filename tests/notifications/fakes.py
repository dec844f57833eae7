"""Fake outbound providers for tests: real classes plugged in through settings.

They stand in for the outside world (an SMS gateway, a mail relay), never for
Parley's own code: the delivery machinery under test is the real one.
"""

from datetime import datetime

from django.utils import timezone

from notifications.providers import (
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
)


class Recorder:
    """What the fake providers were asked to do, shared across instances."""

    calls: list[tuple[datetime, OutboundMessage]] = []
    failures_left = 0

    @classmethod
    def reset(cls, *, failures: int = 0) -> None:
        cls.calls = []
        cls.failures_left = failures


class FlakyProvider:
    """Fails with a transient error while `Recorder.failures_left` > 0, then accepts."""

    def send(self, message: OutboundMessage) -> SendResult:
        Recorder.calls.append((timezone.now(), message))
        if Recorder.failures_left > 0:
            Recorder.failures_left -= 1
            raise TransientDeliveryError("503 Service Unavailable (flaky fake)")
        return SendResult(provider_message_id=f"fake-{len(Recorder.calls)}")


class RejectingProvider:
    """Refuses every message for good, like a gateway told of an invalid number."""

    def send(self, message: OutboundMessage) -> SendResult:
        Recorder.calls.append((timezone.now(), message))
        raise PermanentDeliveryError("21211: The 'To' number is not a valid phone number.")


class CrashingProvider:
    """A provider with a bug: raises something no provider contract mentions."""

    def send(self, message: OutboundMessage) -> SendResult:
        Recorder.calls.append((timezone.now(), message))
        if Recorder.failures_left > 0:
            Recorder.failures_left -= 1
            raise ZeroDivisionError("division by zero in a provider")
        return SendResult(provider_message_id="after-crash")
