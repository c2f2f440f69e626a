"""The periodic work, in one place (Celery beat in production, ``manage.py run_timers`` from cron or by
hand): file applications whose publicity ended, lapse corrections whose deadline passed, remind of near
deadlines, purge the roster personal data of archived plans past the retention period. Other apps add their
own timers with :func:`register` (the flows remind reviewers of waiting tasks), so that one call runs
everything on the date it is given."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.utils import timezone

from filing.services import appointments, rectification
from filing.services.corrections import lapse_overdue_corrections, remind_corrections
from filing.services.publicity import close_ended_publicity
from filing.services.retention import purge_expired_rosters

#: name -> ``timer(today) -> result``; run in this order after the domain's own.
REGISTERED: dict[str, Callable] = {}


def register(name: str, timer: Callable) -> None:
    REGISTERED[name] = timer


def run_timers(today: datetime.date | None = None) -> dict:
    """Idempotent: running it twice on the same day changes nothing the second time."""
    today = today or timezone.localdate()
    results = {
        "filed": close_ended_publicity(today),
        "lapsed": lapse_overdue_corrections(today),
        "correction_reminders": remind_corrections(today),
        "rosters_purged": purge_expired_rosters(today),
        "appointments_made": appointments.close_ended_publicity(today),
        "appointment_reminders": appointments.remind_expiring(today),
        "rectification_reminders": rectification.remind_rectifications(today),
    }
    for name, timer in REGISTERED.items():
        results[name] = timer(today)
    return results
