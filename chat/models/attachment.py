"""Files in conversations, and the storage they live in."""

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from chat.models.conversation import Conversation
from chat.models.message import Message


class AttachmentStorage(LazyObject):
    """Django's storage named "attachments" (file system by default, S3 when configured),
    looked up on first use rather than when the model class is built."""

    def _setup(self) -> None:
        self._wrapped = storages["attachments"]


ATTACHMENT_STORAGE = AttachmentStorage()


@receiver(setting_changed)
def _forget_attachment_storage(*, setting: str, **kwargs) -> None:
    # As Django does for default_storage: a changed STORAGES (tests) takes effect at once.
    if setting == "STORAGES":
        ATTACHMENT_STORAGE._wrapped = empty  # pinned: tests/operations/test_private_internals.py


def attachment_storage() -> Storage:
    """The attachments' storage (a callable, so migrations refer to it, not to its settings)."""
    return ATTACHMENT_STORAGE


class Attachment(models.Model):
    """A file uploaded to a conversation; it belongs to a message once that is sent.

    Uploads never sent (message NULL) are removed by `manage.py purge_attachments`.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="attachments"
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(storage=attachment_storage, max_length=255)
    thumbnail = models.FileField(storage=attachment_storage, max_length=255, blank=True)
    # The name as uploaded (shown and offered on download); never used as a storage path.
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.BigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The orphan purge: unsent uploads older than a cut-off.
            models.Index(
                fields=["created_at"],
                condition=Q(message__isnull=True),
                name="attachment_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"attachment #{self.pk} ({self.name})"

    @property
    def is_image(self) -> bool:
        return bool(self.thumbnail)
