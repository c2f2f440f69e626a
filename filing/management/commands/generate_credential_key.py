"""Create the P-256 key verifiable credentials are signed with (``CREDENTIAL_SIGNING_KEY``), or show the
``kid`` of the one that exists. A key is never overwritten: rotate by creating a new file, pointing
``CREDENTIAL_SIGNING_KEY`` at it and listing the old public key in ``CREDENTIAL_PREVIOUS_PUBLIC_KEYS``."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from joserfc.jwk import ECKey

from filing import credentials


class Command(BaseCommand):
    help = "Create the credential signing key if it does not exist and print its key id."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=settings.CREDENTIAL_SIGNING_KEY)
        parser.add_argument("--public-out", help="also write the public key (PEM) to this file")

    def handle(self, *args, path, public_out=None, **options):
        path = Path(path)
        if not path.exists():
            credentials.generate_key_file(path)
            self.stdout.write(f"created {path}")
        key = ECKey.import_key(path.read_bytes())
        if public_out:
            Path(public_out).write_bytes(key.as_pem(private=False))
        self.stdout.write(f"kid {credentials.key_id(key)}")
