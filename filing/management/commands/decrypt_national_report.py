"""The recipient's side of the national report: decrypt a downloaded ``.age`` file with the identity (secret
key) that matches one of NATIONAL_REPORT_RECIPIENTS. Writes the clear CSV to --output (created 0600) or
standard output. Reads no database and writes no audit row: it runs where the recipient keeps its key."""

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from filing.sealed import SealError, read_identity, unseal


class Command(BaseCommand):
    help = "Decrypt a national report file (.age) with the recipient's age identity."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file", help="the downloaded national-report-N.csv.age")
        parser.add_argument("--identity", required=True, help="age identity file (AGE-SECRET-KEY-1...)")
        parser.add_argument("--output", help="where to write the clear CSV (default: standard output)")

    def handle(self, *args, **options):
        try:
            identity = read_identity(options["identity"])
            ciphertext = Path(options["file"]).read_bytes()
            plaintext = unseal(ciphertext, identity)
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc.strerror}") from exc
        except SealError as exc:
            raise CommandError(str(exc)) from exc
        if options["output"]:
            try:
                fd = os.open(options["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            except OSError as exc:
                raise CommandError(f"cannot write {options['output']}: {exc.strerror}") from exc
            with os.fdopen(fd, "wb") as handle:
                handle.write(plaintext)
            self.stderr.write(f"{len(plaintext)} bytes written to {options['output']}")
        else:
            out = getattr(self.stdout, "_out", sys.stdout)
            buffer = getattr(out, "buffer", None)
            if buffer is not None:
                buffer.write(plaintext)
                buffer.flush()
            else:
                out.write(plaintext.decode("utf-8"))
