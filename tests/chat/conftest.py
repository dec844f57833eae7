"""Fixtures of the chat tests."""

import pytest


@pytest.fixture
def attachment_storage(settings, tmp_path):
    """Attachments go to a throwaway folder (the file system storage, as by default)."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root / "attachments"},
        },
    }
    settings.ATTACHMENT_ACCEL_REDIRECT_PREFIX = ""
    return root / "attachments"
