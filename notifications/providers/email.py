"""Email through Django's configured backend (SMTP in production, console/file/locmem)."""

import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.core.validators import validate_email
from django.template.loader import render_to_string

from notifications.providers import (
    NothingToSend,
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    TransientDeliveryError,
)


def render_email(message: OutboundMessage) -> EmailMultiAlternatives:
    context = {
        "message": message,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "preferences_url": f"{settings.SITE_URL}/",
    }
    text = render_to_string("notifications/email/notification.txt", context)
    html = render_to_string("notifications/email/notification.html", context)
    email = EmailMultiAlternatives(
        subject=f"{message.title} · {settings.SITE_NAME}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.email],
        headers={
            "Message-ID": make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN),
            "X-Parley-Notification": str(message.notification_id),
        },
    )
    email.attach_alternative(html, "text/html")
    return email


class DjangoEmailProvider:
    def send(self, message: OutboundMessage) -> SendResult:
        if not message.email:
            raise NothingToSend("The user has no email address.")
        try:
            validate_email(message.email)
        except ValidationError as exc:
            raise PermanentDeliveryError(f"Invalid email address {message.email!r}") from exc
        email = render_email(message)
        try:
            connection = get_connection(timeout=settings.DELIVERY_TIMEOUT_SECONDS)
            sent = connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as exc:
            # Every recipient refused (unknown mailbox, bad domain): retrying won't help.
            raise PermanentDeliveryError(f"Recipient refused: {exc.recipients}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
        if not sent:
            raise TransientDeliveryError("The email backend sent nothing.")
        return SendResult(provider_message_id=email.extra_headers["Message-ID"])
