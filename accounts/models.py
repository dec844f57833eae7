import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.crypto import salted_hmac

DELETED_USER_NAME = "Deleted user"
DELETED_USER_COLOUR = "#9e9e9e"

AVATAR_COLOURS = (
    "#e57373", "#f06292", "#ba68c8", "#9575cd", "#7986cb", "#64b5f6",
    "#4fc3f7", "#4dd0e1", "#4db6ac", "#81c784", "#aed581", "#ffb74d",
)  # fmt: skip


def colour_for(username: str) -> str:
    digest = hashlib.sha256(username.lower().encode()).digest()
    return AVATAR_COLOURS[digest[0] % len(AVATAR_COLOURS)]


class User(AbstractUser):
    display_name = models.CharField(max_length=80, blank=True)
    avatar_colour = models.CharField(max_length=7, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    # Off: others see this user's delivered ticks but never the blue read ones.
    send_read_receipts = models.BooleanField(default=True)
    # Set when the account was deleted: the row stays as a nameless tombstone so that its
    # messages keep an author ("Deleted user"); everything personal is gone.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Bumped by "log out of every device": part of the session hash, so every session
    # made before it stops verifying (as a password change does).
    session_epoch = models.PositiveIntegerField(default=0)
    # The resized avatar's version (0: none); clients add it to the avatar URL as a cache key.
    avatar_version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(Upper("username"), name="user_username_ci_unique"),
        ]

    def save(self, *args, **kwargs) -> None:
        if not self.avatar_colour:
            self.avatar_colour = colour_for(self.username)
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's hash of the password, with the epoch mixed in once it was ever bumped (so
        # sessions made before this field existed stay valid).
        value = self.password if not self.session_epoch else f"{self.password}:{self.session_epoch}"
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def avatar_url(self) -> str | None:
        if not self.avatar_version:
            return None
        return f"/api/v1/users/{self.pk}/avatar?v={self.avatar_version}"

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        words = self.name.split()
        letters = "".join(word[0] for word in words[:2]) if len(words) > 1 else self.name[:2]
        return letters.upper()

    def __str__(self) -> str:
        return self.username


class Avatar(models.Model):
    """A user's picture, resized on upload; in the database so that every node can serve it
    (the nodes share nothing but PostgreSQL and Redis)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="avatar"
    )
    image = models.BinaryField()
    content_type = models.CharField(max_length=40)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"avatar of {self.user_id}"


class Block(models.Model):
    """`blocker` blocked `blocked`: no direct conversation or direct message between them,
    and neither finds the other in user search."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_pair_uniq"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]
        # blocker_id leads the unique index; lookups by the blocked side need their own.
        indexes = [models.Index(fields=["blocked", "blocker"], name="block_by_blocked")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocked {self.blocked_id}"
