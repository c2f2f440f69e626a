"""Load the demo organisations and one user per role, and print the logins."""

from django.core.management.base import BaseCommand

from filing.demo import DEMO_PASSWORD, seed_demo
from workflows.demo import seed_scenarios


class Command(BaseCommand):
    help = "Create demo colleges, an enterprise, majors and one user per role (idempotent)."

    def handle(self, *args, **options):
        logins = seed_demo()
        for line in seed_scenarios():
            self.stdout.write(f"演示数据: {line}")
        self.stdout.write(f"演示账号 / demo logins (password: {DEMO_PASSWORD})")
        for username, role, where in logins:
            self.stdout.write(f"  {username:<18} {role}  [{where}]")
