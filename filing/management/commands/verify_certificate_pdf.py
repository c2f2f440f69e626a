"""Tell whether a PDF is an untouched certificate original signed by one of our keys."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from filing import signing


class Command(BaseCommand):
    help = "Verify a certificate PDF's seal (PAdES) against the trust root; exit status 1 when not genuine."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        try:
            check = signing.verify(content)
        except signing.SigningUnavailable as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(check.message)
        if check.signer:
            self.stdout.write(f"签章证书 / signer: {check.signer}")
        if check.certificate is not None:
            c = check.certificate
            self.stdout.write(
                f"证书编号 {c.number} · 第{c.version}版 · 当前状态 {c.get_status_display()} · {c.body_name}"
            )
        if not check.genuine:
            raise CommandError("not a genuine certificate PDF", returncode=1)
