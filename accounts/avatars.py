"""Avatar pictures: any common image in, a small square WebP out (Pillow)."""

import io
import warnings
from typing import BinaryIO

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError
from rest_framework import status

from config.errors import DomainError

ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


class InvalidAvatar(DomainError):
    code = "invalid_avatar"
    message = "The avatar must be a JPEG, PNG, GIF or WebP image."


class AvatarTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "avatar_too_large"
    message = "The avatar file is too large."


def resized(upload: BinaryIO) -> bytes:
    """The picture cropped to its centre square, AVATAR_SIZE pixels a side, as WebP bytes.

    Raises AvatarTooLarge over AVATAR_MAX_BYTES and InvalidAvatar for anything Pillow cannot
    read as one of ACCEPTED_FORMATS (a decompression bomb included).
    """
    data = upload.read(settings.AVATAR_MAX_BYTES + 1)
    if len(data) > settings.AVATAR_MAX_BYTES:
        raise AvatarTooLarge(f"The avatar may be at most {settings.AVATAR_MAX_BYTES} bytes.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice MAX_IMAGE_PIXELS; any bomb is an error here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise InvalidAvatar()
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise InvalidAvatar() from exc
    image = ImageOps.exif_transpose(image)
    image = image.convert(
        "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
    )
    size = settings.AVATAR_SIZE
    square = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()
