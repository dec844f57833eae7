"""Writes for accounts: signup, deactivation, sign-out, passwords, the profile and presence
bookkeeping."""

from collections.abc import Iterable
from typing import BinaryIO

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import avatars
from accounts.models import DELETED_USER_COLOUR, DELETED_USER_NAME, Avatar, Block, User
from accounts.tokens import stored_device_of
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


# --- Sign-out and passwords -----------------------------------------------------


class InvalidRefreshToken(DomainError):
    code = "token_not_valid"
    message = "That refresh token is invalid, expired or not yours."


class WrongPassword(DomainError):
    code = "invalid"
    message = "The password is not correct."

    def __init__(self, field: str = "password") -> None:
        super().__init__()
        self.field = field


def _refresh_token_of(*, user: User, raw: str) -> RefreshToken:
    try:
        token = RefreshToken(raw)
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    if str(token.get(api_settings.USER_ID_CLAIM)) != str(user.pk):
        raise InvalidRefreshToken()
    return token


def end_refresh_tokens(
    *,
    user_id: int | None = None,
    user_ids: Iterable[int] = (),
    keep_jti: str | None = None,
    keep_device: str | None = None,
) -> int:
    """Blacklist every refresh token of the user(s) still in force, but `keep_jti`'s and
    those of the device `keep_device` (accounts.tokens).

    Returns how many were ended. Two statements whatever the number of devices.
    """
    wanted = {*user_ids, *([user_id] if user_id is not None else [])}
    outstanding = OutstandingToken.objects.filter(
        user_id__in=wanted, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    if keep_jti:
        outstanding = outstanding.exclude(jti=keep_jti)
    if keep_device:
        # The device id lives in the token text only; a user has a handful of devices.
        ending = [
            token_id
            for token_id, raw in outstanding.values_list("pk", "token")
            if stored_device_of(raw) != keep_device
        ]
    else:
        ending = list(outstanding.values_list("pk", flat=True))
    ended = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=token_id) for token_id in ending],
        ignore_conflicts=True,  # a refresh rotating the same token at the same moment
    )
    return len(ended)


def log_out(*, user: User, refresh: str | None, everywhere: bool = False) -> None:
    """End one refresh token, or (everywhere) every token and every browser session.

    A token that is not the user's is refused even with `everywhere`, so a client
    cannot pass somebody else's token off as its own.
    """
    token = _refresh_token_of(user=user, raw=refresh) if refresh else None
    if not everywhere:
        if token is None:
            raise InvalidRefreshToken("A refresh token is required.")
        token.blacklist()
        return
    with transaction.atomic():
        end_refresh_tokens(user_id=user.pk)
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


def change_password(
    *,
    user: User,
    old_password: str,
    new_password: str,
    device: str | None = None,
    keep_refresh: str | None = None,
) -> None:
    """Set a new password; every other device's refresh token and session stop working.

    The session that asked stays signed in (the caller updates its session hash), and so do
    the refresh tokens of the calling device (`device`, from its access token) and
    `keep_refresh` if the caller sends its own (the way for tokens without a device id).
    """
    if not user.check_password(old_password):
        raise WrongPassword("old_password")
    validate_password(new_password, user=user)
    keep = _refresh_token_of(user=user, raw=keep_refresh) if keep_refresh else None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        end_refresh_tokens(
            user_id=user.pk,
            keep_jti=keep[api_settings.JTI_CLAIM] if keep else None,
            keep_device=device,
        )


def request_password_reset(*, email: str) -> None:
    """Mail a reset link to the active accounts with this address, in the background.

    The caller answers the same whatever happens here; sending later keeps the answer's
    timing the same for known and unknown addresses too.
    """
    from accounts.tasks import send_password_reset

    email = email.strip()
    if email:
        transaction.on_commit(lambda: send_password_reset.enqueue(email))


# --- Profile ------------------------------------------------------------------------


def update_profile(
    *, user: User, display_name: str | None = None, email: str | None = None
) -> User:
    changed = []
    if display_name is not None and display_name != user.display_name:
        user.display_name = display_name
        changed.append("display_name")
    if email is not None and email != user.email:
        user.email = email
        changed.append("email")
    if changed:
        user.save(update_fields=changed)
    return user


def set_avatar(*, user: User, upload: BinaryIO) -> User:
    """Store the uploaded picture as a square AVATAR_SIZE WebP (cropped to the centre)."""
    image_bytes = avatars.resized(upload)
    with transaction.atomic():
        Avatar.objects.update_or_create(
            user=user,
            defaults={
                "image": image_bytes,
                "content_type": "image/webp",
                "updated_at": timezone.now(),
            },
        )
        User.objects.filter(pk=user.pk).update(avatar_version=F("avatar_version") + 1)
    user.refresh_from_db(fields=["avatar_version"])
    return user


def remove_avatar(*, user: User) -> User:
    with transaction.atomic():
        Avatar.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(avatar_version=0)
    user.avatar_version = 0
    return user


# --- Deletion (the accounts part; accounts.account_data composes the whole) -----------


def anonymize_user(*, user: User) -> None:
    """Turn the user row into a tombstone: no name, address, password, picture or blocks.

    Messages keep pointing at it, so they read as from "Deleted user".
    """
    end_refresh_tokens(user_id=user.pk)
    Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
    Avatar.objects.filter(user=user).delete()
    # "~" is never in a chosen username (signup and the admin validate them), so no clash.
    user.username = f"~deleted-{user.pk}"
    user.display_name = DELETED_USER_NAME
    user.first_name = user.last_name = user.email = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.avatar_version = 0
    user.avatar_colour = DELETED_USER_COLOUR
    user.last_seen = None
    user.last_login = None
    user.deleted_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
