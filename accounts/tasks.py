"""Background jobs of accounts (django-tasks; `manage.py db_worker` runs them)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django_tasks import task


@task()
def send_password_reset(email: str) -> None:
    """Mail a reset link to every active account with this address (none: nothing is sent).

    Django's PasswordResetForm: its token turns stale once the password changes or after
    PASSWORD_RESET_TIMEOUT, and it never mails accounts without a usable password.
    """
    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.SITE_URL)
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        subject_template_name="accounts/email/password_reset_subject.txt",
        email_template_name="accounts/email/password_reset.txt",
        html_email_template_name="accounts/email/password_reset.html",
        extra_email_context={"site_name": settings.SITE_NAME},
    )
