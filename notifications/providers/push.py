"""Web Push (RFC 8030) with VAPID (RFC 8292) through pywebpush."""

import json
import logging

import requests
from django.conf import settings
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from notifications.models import PushSubscription
from notifications.providers import (
    NothingToSend,
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
)

logger = logging.getLogger(__name__)

# The push service says the subscription no longer exists: unsubscribe it.
GONE = {404, 410}
# The request itself is wrong (bad payload, a key that does not match the
# subscription's applicationServerKey): sending it again cannot succeed.
REFUSED = {400, 403, 413}


def push_payload(message: OutboundMessage) -> str:
    """What the service worker receives (static/… sw: `event.data.json()`)."""
    return json.dumps(
        {
            "title": message.title,
            "body": message.body,
            "url": message.url,
            # One notification on screen per conversation: a newer one replaces it.
            "tag": f"parley-{message.data.get('conversation_id') or message.notification_id}",
            "type": message.type,
            "notification_id": message.notification_id,
        },
        separators=(",", ":"),
    )


class WebPushProvider:
    def send(self, message: OutboundMessage) -> SendResult:
        subscriptions = list(PushSubscription.objects.filter(user_id=message.user_id))
        if not subscriptions:
            raise NothingToSend("The user has no push subscription.")
        if not settings.VAPID_PRIVATE_KEY:
            raise TransientDeliveryError(
                "VAPID_PRIVATE_KEY is not set (manage.py generate_vapid_keys)."
            )
        vapid = Vapid.from_string(settings.VAPID_PRIVATE_KEY)
        payload = push_payload(message)
        session = requests.Session()
        accepted: list[tuple[PushSubscription, str]] = []
        gone: list[int] = []
        transient: list[str] = []
        refused: list[str] = []
        for subscription in subscriptions:
            try:
                response = webpush(
                    subscription_info={
                        "endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                    },
                    data=payload,
                    vapid_private_key=vapid,
                    # A fresh dict each time: pywebpush fills in `aud` per endpoint.
                    vapid_claims={"sub": settings.VAPID_SUBJECT},
                    timeout=settings.DELIVERY_TIMEOUT_SECONDS,
                    ttl=settings.PUSH_TTL_SECONDS,
                    requests_session=session,
                )
            except WebPushException as exc:
                status = exc.status_code
                detail = f"subscription #{subscription.pk}: {exc}"
                if status in GONE:
                    gone.append(subscription.pk)
                elif status in REFUSED:
                    refused.append(detail)
                else:
                    transient.append(detail)
            except (requests.RequestException, ValueError) as exc:
                transient.append(f"subscription #{subscription.pk}: {type(exc).__name__}: {exc}")
            else:
                accepted.append((subscription, response.headers.get("Location", "")))
        if gone:
            PushSubscription.objects.filter(pk__in=gone).delete()
            logger.info("Removed %d expired push subscription(s)", len(gone))
        notes = [*transient, *refused, *(f"subscription #{pk}: gone (410)" for pk in gone)]
        if accepted:
            PushSubscription.objects.filter(pk__in=[sub.pk for sub, _ in accepted]).update(
                last_success_at=timezone.now()
            )
            return SendResult(provider_message_id=accepted[0][1][:255], note="\n".join(notes))
        if transient:
            raise TransientDeliveryError("\n".join(notes))
        raise PermanentDeliveryError("\n".join(notes) or "No push subscription accepted it.")
