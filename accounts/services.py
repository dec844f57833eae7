"""Writes for accounts: signup and presence bookkeeping."""

from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction

from accounts.models import User
from config.errors import DomainError


class UsernameTaken(DomainError):
    code = "username_taken"
    message = "That username is taken."


def create_user(*, username: str, password: str, email: str = "", display_name: str = "") -> User:
    """Create an active user with a hashed (Argon2) password.

    Raises Django's ValidationError for a weak password, UsernameTaken for a
    username that exists in any letter case.
    """
    user = User(username=username, email=email, display_name=display_name or "")
    validate_password(password, user=user)
    user.set_password(password)
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # lost a race with another signup
        raise UsernameTaken() from exc
    return user


def record_last_seen(*, user_id: int, at: datetime) -> None:
    User.objects.filter(pk=user_id).update(last_seen=at)
