import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Upper

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

    class Meta:
        constraints = [
            models.UniqueConstraint(Upper("username"), name="user_username_ci_unique"),
        ]

    def save(self, *args, **kwargs) -> None:
        if not self.avatar_colour:
            self.avatar_colour = colour_for(self.username)
        super().save(*args, **kwargs)

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
