"""Create the demo trust root and the signing key(s) for certificate PDFs (files, never the database)."""

from django.core.management.base import BaseCommand

from filing import signing
from filing.models import EvaluationBody


class Command(BaseCommand):
    help = (
        "Create (if missing) a demo signing root and the city's signing key under CERTIFICATE_SIGNING_DIR; "
        "with CERTIFICATE_SIGNING=body also one key per filed body. Production installs its own files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Replace existing signing keys.")

    def handle(self, *args, force=False, **options):
        bodies = list(EvaluationBody.objects.order_by("pk")) if signing.mode() == "body" else []
        written = signing.generate(bodies=bodies, force=force)
        for path in written:
            self.stdout.write(f"签章证书 / signing certificate: {path}")
        self.stdout.write(f"信任根 / trust root: {signing.root_path()} (mode: {signing.mode()})")
