"""Writes for accounts: signup, deactivation and presence bookkeeping."""

from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction

from accounts.models import User
from config.errors import DomainError
from realtime import revocations


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


def deactivate_users(*, user_ids: list[int]) -> int:
    """Deactivate these users: they can no longer log in, and every node refuses their
    tokens and sessions and closes their streams within a second of the commit
    (realtime.revocations). Returns how many were active."""
    with transaction.atomic():
        count = User.objects.filter(pk__in=user_ids).update(is_active=False)
        revocations.revoke_users(user_ids)
    return count


def reactivate_users(*, user_ids: list[int]) -> int:
    with transaction.atomic():
        count = User.objects.filter(pk__in=user_ids).update(is_active=True)
        revocations.restore_users(user_ids)
    return count


def record_last_seen(*, user_id: int, at: datetime) -> None:
    User.objects.filter(pk=user_id).update(last_seen=at)
