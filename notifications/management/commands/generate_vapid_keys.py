"""Print a new VAPID key pair for web push, as environment variables."""

from argparse import ArgumentParser

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand
from py_vapid import Vapid
from py_vapid.utils import b64urlencode


def new_key_pair() -> tuple[str, str]:
    """(public, private), both base64url: the public key is the browser's
    applicationServerKey (an uncompressed P-256 point), the private one the raw scalar."""
    vapid = Vapid()
    vapid.generate_keys()
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return b64urlencode(public), b64urlencode(private)


class Command(BaseCommand):
    help = "Generate a VAPID key pair for web push and print it as environment variables."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--subject", default="mailto:admin@localhost", help="VAPID_SUBJECT")

    def handle(self, *args, subject: str, **options) -> None:
        public, private = new_key_pair()
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"VAPID_SUBJECT={subject}")
