"""Helpers for the chat essentials tests: uploads, images, reactions URLs."""

import io
from urllib.parse import quote

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

CONVERSATIONS = "/api/v1/conversations"


def png_bytes(size: tuple[int, int] = (640, 480), colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def upload(client, conversation, content: bytes, name: str = "photo.png"):
    return client.post(
        f"{CONVERSATIONS}/{conversation.pk}/attachments",
        {"file": SimpleUploadedFile(name, content, content_type="application/x-anything")},
        format="multipart",
    )


def reaction_url(message_id: int, emoji: str) -> str:
    return f"/api/v1/messages/{message_id}/reactions/{quote(emoji)}"
