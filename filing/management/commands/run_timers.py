"""Run the timers once: file applications whose publicity ended, lapse overdue corrections, remind of near
deadlines. ``--today`` makes them act as on that date (after downtime, or to end a demo publicity)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from filing.services.timers import run_timers


class Command(BaseCommand):
    help = "Run the periodic timers once (idempotent); --today YYYY-MM-DD acts as on that date."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="act as on this date (YYYY-MM-DD), e.g. after downtime")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(f"--today takes YYYY-MM-DD, not {options['today']!r}") from None
        result = run_timers(today)
        self.stdout.write(" ".join(f"{name}: {value}" for name, value in result.items()))
