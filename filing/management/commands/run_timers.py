"""Run the filing timers once: file applications whose publicity has ended, lapse overdue corrections."""

from django.core.management.base import BaseCommand

from filing.tasks import run_timers


class Command(BaseCommand):
    help = "File applications whose publicity ended and lapse unanswered corrections (idempotent)."

    def handle(self, *args, **options):
        result = run_timers()
        self.stdout.write(f"filed: {result['filed']} lapsed: {result['lapsed']}")
