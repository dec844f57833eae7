"""A group is a named conversation: its members and their roles are chat.Membership rows.

Keeping roles on chat's membership (rather than a second membership table) means one
row per person per conversation, so "who may read" and "who may moderate" never drift.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from chat.models import Conversation, Membership

Role = Membership.Role

# Higher is more powerful: owner > admin > member.
ROLE_RANK = {Role.MEMBER: 0, Role.ADMIN: 1, Role.OWNER: 2}


class Group(models.Model):
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=1000, blank=True)
    avatar = models.URLField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_groups",
    )
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="group"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["name"], name="group_name")]

    def __str__(self) -> str:
        return self.name
