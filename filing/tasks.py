"""Periodic work (Celery beat in production; `manage.py run_timers` from cron works too): the publicity
timer that files applications whose publicity ended, and the lapse of unanswered corrections."""

from __future__ import annotations

from celery import shared_task

from filing.services import review


@shared_task(name="filing.run_timers")
def run_timers() -> dict:
    return {
        "filed": review.close_ended_publicity(),
        "lapsed": review.lapse_overdue_corrections(),
    }
