"""SMS: a logging provider for development and a Twilio-compatible HTTP adapter."""

import logging
import uuid

import requests
from django.conf import settings

from notifications.providers import (
    NothingToSend,
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
)

logger = logging.getLogger(__name__)

SMS_MAX_CHARS = 320


def sms_text(message: OutboundMessage) -> str:
    text = f"{message.title}: {message.body}" if message.body else message.title
    return text if len(text) <= SMS_MAX_CHARS else text[: SMS_MAX_CHARS - 1] + "…"


class LoggingSmsProvider:
    """Writes the SMS to the log instead of sending it."""

    def send(self, message: OutboundMessage) -> SendResult:
        if not message.sms_number:
            raise NothingToSend("The user has no SMS number.")
        message_id = f"log-{uuid.uuid4().hex}"
        logger.info("SMS %s to %s: %s", message_id, message.sms_number, sms_text(message))
        return SendResult(provider_message_id=message_id)


class HttpSmsProvider:
    """Twilio's Messages API (and compatible gateways): a form POST with basic auth.

    SMS_HTTP_URL may contain `{account}`; the default is Twilio's endpoint.
    """

    def send(self, message: OutboundMessage) -> SendResult:
        if not message.sms_number:
            raise NothingToSend("The user has no SMS number.")
        account = settings.SMS_HTTP_ACCOUNT
        url = settings.SMS_HTTP_URL.format(account=account)
        try:
            response = requests.post(
                url,
                data={
                    "To": message.sms_number,
                    "From": settings.SMS_FROM,
                    "Body": sms_text(message),
                },
                auth=(account, settings.SMS_HTTP_TOKEN),
                timeout=settings.DELIVERY_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if 200 <= status < 300:
            try:
                message_id = str(response.json().get("sid", ""))
            except ValueError:
                message_id = ""
            return SendResult(provider_message_id=message_id[:255])
        detail = f"HTTP {status} from {url}: {response.text[:2000]}"
        # 401/403 are our credentials, 408/429/5xx the gateway's state: fixable, so
        # retry. Any other 4xx is about the message (e.g. Twilio 21211, invalid 'To').
        if status in (401, 403, 408, 429) or status >= 500:
            raise TransientDeliveryError(detail)
        raise PermanentDeliveryError(detail)
