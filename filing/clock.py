"""The statutory clock of a filing application (行政许可法 Art. 42–45 practice).

The authority has ``DECISION_WORKING_DAYS`` (20) working days, plus one extension of
``EXTENSION_WORKING_DAYS`` (10) approved at municipal level. Only ``review`` periods count: time with the
applicant for correction, expert assessment and publicity are excluded. A task is *near* its deadline with
3 working days or fewer left and *overdue* below zero.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from filing.models import ApplicationStatus, ClockPeriod, FilingApplication
from filing.workdays import UnknownCalendarYear, WorkingCalendar, add_working_days, working_days_between

NEAR_DEADLINE_DAYS = 3


@dataclass(frozen=True)
class ClockStatus:
    limit: int
    used: int | None
    left: int | None
    running: bool
    due_on: datetime.date | None
    extended: bool
    #: A year whose holiday schedule is not entered yet and that the clock reaches: with ``used`` None the
    #: clock cannot be read at all (today lies in that year); otherwise only ``due_on`` is unknown.
    calendar_gap: int | None = None

    @property
    def state(self) -> str:
        if self.left is None:
            return "unknown"
        if self.left < 0:
            return "overdue"
        if self.running and self.left <= NEAR_DEADLINE_DAYS:
            return "near"
        return "ok" if self.running else "paused"


def limit_for(application: FilingApplication) -> int:
    days = settings.FILING["DECISION_WORKING_DAYS"]
    if application.extension_granted_by_id:
        days += settings.FILING["EXTENSION_WORKING_DAYS"]
    return days


def clock_status(
    application: FilingApplication,
    today: datetime.date | None = None,
    calendar: WorkingCalendar | None = None,
) -> ClockStatus:
    """Read the clock. Never raises for a missing holiday schedule: pages must still show the application;
    the gap is reported in ``calendar_gap`` (the services that *set* deadlines refuse instead). Pages that
    read many clocks pass one ``calendar`` (the override table is then read once per year, not per clock)."""
    today = today or timezone.localdate()
    calendar = calendar or WorkingCalendar()
    periods = [p for p in application.clock_periods.all() if p.kind == ClockPeriod.Kind.REVIEW]
    running = any(p.ended_on is None for p in periods)
    limit = limit_for(application)
    extended = bool(application.extension_granted_by_id)
    try:
        # A period never counts negative (its dates may lie in the future when a decision is back-dated).
        used = sum(max(0, working_days_between(p.started_on, p.ended_on or today, calendar)) for p in periods)
    except UnknownCalendarYear as gap:
        return ClockStatus(limit, None, None, running, None, extended, calendar_gap=gap.year)
    left = limit - used
    due, gap_year = None, None
    if running and left >= 0:
        try:
            due = add_working_days(today, left, calendar)
        except UnknownCalendarYear as gap:
            gap_year = gap.year
    return ClockStatus(limit, used, left, running, due, extended, calendar_gap=gap_year)


#: Which stretch of time an application's status is, on the statutory clock. Statuses not listed stop it
#: (before acceptance, and once the application is final).
PHASE = {
    ApplicationStatus.DISTRICT_REVIEW: ClockPeriod.Kind.REVIEW,
    ApplicationStatus.MUNICIPAL_REVIEW: ClockPeriod.Kind.REVIEW,
    ApplicationStatus.EXPERT_ASSESSMENT: ClockPeriod.Kind.EXPERT,
    ApplicationStatus.DECISION: ClockPeriod.Kind.REVIEW,
    ApplicationStatus.PUBLICITY: ClockPeriod.Kind.PUBLICITY,
    ApplicationStatus.RETURNED: ClockPeriod.Kind.CORRECTION,
}


def phase_of(application: FilingApplication) -> str | None:
    """The clock's phase for the application as it is now. Expert time is excluded once a panel sits;
    organising the panel is the authority's own review time."""
    phase = PHASE.get(application.status)
    if phase == ClockPeriod.Kind.EXPERT and not application.experts.exists():
        return ClockPeriod.Kind.REVIEW
    return phase


def clock_follow(application: FilingApplication, today: datetime.date | None = None) -> None:
    """Make the open clock period match the application's phase: close the one that no longer applies and
    open the new one (every service calls this after changing an application)."""
    today = today or timezone.localdate()
    phase = phase_of(application)
    current = ClockPeriod.objects.filter(application=application, ended_on__isnull=True).first()
    if current is not None and current.kind == phase:
        return
    ClockPeriod.objects.filter(application=application, ended_on__isnull=True).update(ended_on=today)
    if phase is not None:
        ClockPeriod.objects.create(application=application, kind=phase, started_on=today)
