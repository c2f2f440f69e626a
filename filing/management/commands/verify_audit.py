"""Verify the audit log's HMAC chain; exit status 1 at the first bad entry."""

from django.core.management.base import BaseCommand, CommandError

from filing.audit import verify_chain
from filing.models import AuditEvent


class Command(BaseCommand):
    help = "Check that no audit event was edited, deleted, inserted or reordered."

    def handle(self, *args, **options):
        problem = verify_chain()
        if problem is not None:
            raise CommandError(f"audit chain broken at {problem}")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {AuditEvent.objects.count()} events"))
