"""Files in conversations: upload before sending, attach on send, purge what was never sent.

An upload is stored through the "attachments" storage (settings.STORAGES: the file system
by default, S3 through django-storages) under a random name; the name the user gave is
only shown. Its content type is sniffed from the bytes (filetype), never taken from the
name or the client's header, and images get a thumbnail (Pillow).
"""

import io
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import User
from chat import selectors
from chat.errors import AttachmentTooLarge, InvalidAttachment
from chat.models import Attachment, Message, attachment_storage

logger = logging.getLogger(__name__)

SNIFF_BYTES = 8192
THUMBNAIL_SIZE = (320, 320)
# Decoded by Pillow for thumbnails and shown inline; anything else downloads as a file.
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
NAME_MAX = 255


def sniff_content_type(head: bytes) -> str:
    """The content type the bytes say they are: magic numbers first, then text or binary."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the sample is still text.
            if error.start < len(head) - 3:
                return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"


def clean_name(name: str | None) -> str:
    """The shown name: no path, no control characters, at most NAME_MAX characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip() or "file"
    if len(name) > NAME_MAX:  # keep the extension: it tells people what the file is
        _, dot, extension = name.rpartition(".")
        suffix = dot + extension[:16] if dot else ""
        name = name[: NAME_MAX - len(suffix)] + suffix
    return name


@dataclass(frozen=True)
class Thumbnail:
    content: bytes
    width: int
    height: int


def make_thumbnail(upload: UploadedFile) -> Thumbnail | None:
    """A WebP thumbnail of an image and its full size; None when Pillow cannot decode it."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            width, height = image.size
            image.thumbnail(THUMBNAIL_SIZE)
            if image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, format="WEBP", quality=80)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        logger.info("no thumbnail for an upload Pillow cannot decode")
        return None
    finally:
        upload.seek(0)
    return Thumbnail(content=out.getvalue(), width=width, height=height)


def upload_attachment(*, uploader: User, conversation_id: int, upload: UploadedFile) -> Attachment:
    """Store an upload for a message the uploader will send; NotAMember for outsiders."""
    selectors.active_membership(user=uploader, conversation_id=conversation_id)
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise AttachmentTooLarge(
            f"The file is larger than the limit of {settings.ATTACHMENT_MAX_BYTES} bytes."
        )
    upload.seek(0)
    content_type = sniff_content_type(upload.read(SNIFF_BYTES))
    upload.seek(0)
    thumbnail = make_thumbnail(upload) if content_type in IMAGE_TYPES else None
    attachment = Attachment(
        conversation_id=conversation_id,
        uploader=uploader,
        name=clean_name(upload.name),
        content_type=content_type,
        size=upload.size,
        width=thumbnail.width if thumbnail else None,
        height=thumbnail.height if thumbnail else None,
    )
    key = f"{conversation_id}/{uuid.uuid4().hex}"
    attachment.file.save(key, upload, save=False)
    try:
        if thumbnail is not None:
            attachment.thumbnail.save(f"{key}-thumb.webp", ContentFile(thumbnail.content), False)
        attachment.save()
    except BaseException:
        # The row is the only way to find the files again: without it, take them back.
        _delete_files(attachment)
        raise
    return attachment


def attach_to_message(*, message: Message, attachment_ids: Sequence[int]) -> list[Attachment]:
    """Hand the author's unsent uploads of this conversation to `message` (one statement).

    Anything else (another conversation's, another user's, already sent, unknown) is
    InvalidAttachment; the caller's transaction then rolls back the whole send.
    """
    ids = sorted(set(attachment_ids))
    if not ids:
        return []
    if len(ids) > settings.ATTACHMENTS_PER_MESSAGE:
        raise InvalidAttachment(
            f"A message may carry at most {settings.ATTACHMENTS_PER_MESSAGE} attachments."
        )
    table = connection.ops.quote_name(Attachment._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    # Only the quoted table name and placeholders are interpolated; values are parameters.
    sql = (
        f"UPDATE {table} SET message_id = %s WHERE id IN ({marks}) "  # noqa: S608
        "AND conversation_id = %s AND uploader_id = %s AND message_id IS NULL "
        "RETURNING id, name, content_type, size, file, thumbnail, width, height, created_at"
    )
    params = [message.pk, *ids, message.conversation_id, message.author_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if len(rows) != len(ids):
        raise InvalidAttachment()
    fields = ("id", "name", "content_type", "size", "file", "thumbnail", "width", "height")
    attachments = []
    for row in sorted(rows):
        attachment = Attachment(
            **dict(zip(fields, row[:8], strict=True)),
            created_at=row[8],
            conversation_id=message.conversation_id,
            uploader_id=message.author_id,
            message_id=message.pk,
        )
        attachment._state.adding = False
        attachments.append(attachment)
    return attachments


def _delete_files(attachment: Attachment) -> None:
    storage = attachment_storage()
    for name in (attachment.file.name, attachment.thumbnail.name):
        if name:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("could not delete attachment file %s", name)


def purge_orphans(*, older_than: timedelta | None = None, dry_run: bool = False) -> int:
    """Delete uploads never attached to a message within `older_than`; returns how many."""
    if older_than is None:
        older_than = timedelta(hours=settings.ATTACHMENT_ORPHAN_HOURS)
    cutoff = timezone.now() - older_than
    orphans = list(
        Attachment.objects.filter(message__isnull=True, created_at__lt=cutoff).order_by("id")
    )
    if dry_run:
        return len(orphans)
    purged = 0
    for attachment in orphans:
        with transaction.atomic():
            # A send may have claimed it meanwhile: only an unsent row is deleted.
            deleted, _ = Attachment.objects.filter(pk=attachment.pk, message__isnull=True).delete()
        if deleted:
            _delete_files(attachment)
            purged += 1
    return purged
