"""Create or update one Group per role from ``filing.roles.ROLES`` (idempotent)."""

from django.core.management.base import BaseCommand

from filing.services.roles import setup_roles


class Command(BaseCommand):
    help = "Create or update the role Groups and their permissions from filing.roles.ROLES."

    def handle(self, *args, **options):
        for group, count in setup_roles():
            if options["verbosity"] > 0:
                self.stdout.write(f"{group.name}: {count} permissions")
