"""The rules of time of an evaluation plan, in one place (issue #13: nothing happens before its date).

* A plan is filed at least ``PLAN_FILING_WORKING_DAYS`` working days before its first sitting (the plan form
  states the earliest allowed date and checks it at entry with :func:`first_sitting_problem`, the same
  function ``plan_file`` refuses with).
* The sittings cannot start before the date of the first sitting.
* Scores of an assessment part cannot be entered before the last sitting of that part is held.
* Results cannot be published before the last sitting's date.
* A certificate's issue date is never before the day the authority confirmed the results.

"Today" is the project's clock, ``django.utils.timezone.localdate()`` (Asia/Shanghai); every service takes an
optional ``today`` so that timers, the demo and tests can act as on a given date. Each refusal is a
:class:`NotYet` (409 in the API, an error banner on the page) that names the date it waits for.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from filing.errors import WrongState
from filing.workdays import add_working_days, working_days_between


class NotYet(WrongState):
    """The action is not allowed before ``waits_for`` (409): the message says which date it waits for."""

    def __init__(self, message: str, *, waits_for: datetime.date) -> None:
        super().__init__(message, waits_for=waits_for.isoformat())
        self.waits_for = waits_for


def today() -> datetime.date:
    """The project's clock: the local date in Asia/Shanghai."""
    return timezone.localdate()


def chinese_date(day: datetime.date) -> str:
    """2027年1月12日 (the form a person reads in the Chinese UI)."""
    return _("%(year)d年%(month)d月%(day)d日") % {"year": day.year, "month": day.month, "day": day.day}


def sitting_date(sitting) -> datetime.date:
    return timezone.localtime(sitting.starts_at).date()


# --- filing lead time -----------------------------------------------------------------------------------


def filing_lead_days() -> int:
    return settings.FILING["PLAN_FILING_WORKING_DAYS"]


def earliest_first_sitting(on: datetime.date | None = None) -> datetime.date:
    """The earliest first-sitting date for a plan filed on ``on`` (``PLAN_FILING_WORKING_DAYS`` working
    days later, on the official calendar; the filing day itself is not counted)."""
    return add_working_days(on or today(), filing_lead_days())


def latest_filing_day(first: datetime.date, lead: int | None = None) -> datetime.date:
    """The last day on which a plan whose first sitting is ``first`` can still be filed."""
    lead = filing_lead_days() if lead is None else lead
    day = first
    while working_days_between(day, first) < lead:
        day -= datetime.timedelta(days=1)
    return day


def first_sitting_problem(first: datetime.date, on: datetime.date | None = None) -> str | None:
    """Why a plan with its first sitting on ``first`` cannot be filed on ``on`` (None when it can)."""
    on = on or today()
    lead = filing_lead_days()
    if working_days_between(on, first) >= lead:
        return None
    return _("首场考核须在报备之日起至少%(days)d个工作日之后（最早%(earliest)s；最迟%(latest)s报备）。") % {
        "days": lead,
        "earliest": chinese_date(earliest_first_sitting(on)),
        "latest": chinese_date(latest_filing_day(first, lead)),
    }


def first_sitting_help(on: datetime.date | None = None) -> str:
    """The rule as the plan form states it, with today's earliest allowed date."""
    return _(
        "须在首场考核前至少%(days)d个工作日（按国家法定工作日计算）报备；今天报备，最早可定于%(date)s。"
    ) % {
        "days": filing_lead_days(),
        "date": chinese_date(earliest_first_sitting(on)),
    }


# --- the day of the evaluation --------------------------------------------------------------------------


def _dates(plan, part: str | None = None) -> list[datetime.date]:
    sittings = plan.sittings.all()
    if part is not None:
        sittings = sittings.filter(part=part)
    return sorted(sitting_date(s) for s in sittings)


def require_may_start(plan, on: datetime.date | None = None) -> None:
    """The sittings cannot start before the first sitting's date (the plan's filed date if it has none)."""
    on = on or today()
    first = (_dates(plan) or [plan.first_sitting_on])[0]
    if on < first:
        raise NotYet(
            _("考试日期为%(date)s，当日起方可开考。") % {"date": chinese_date(first)}, waits_for=first
        )


def require_part_held(plan, part: str, on: datetime.date | None = None) -> None:
    """Scores of ``part`` only once its last sitting has been held (from the sitting's day on)."""
    on = on or today()
    dates = _dates(plan, part) or _dates(plan) or [plan.first_sitting_on]
    last = dates[-1]
    if on < last:
        from filing.models import AssessmentPart

        raise NotYet(
            _("%(part)s考核定于%(date)s举行，考核举行后方可录入成绩。")
            % {"part": AssessmentPart(part).label, "date": chinese_date(last)},
            waits_for=last,
        )


def require_sittings_held(plan, on: datetime.date | None = None) -> None:
    """Results are published only from the date of the last sitting."""
    on = on or today()
    last = (_dates(plan) or [plan.first_sitting_on])[-1]
    if on < last:
        raise NotYet(
            _("最后一场考核为%(date)s，考核全部结束后方可公示结果。") % {"date": chinese_date(last)},
            waits_for=last,
        )


def require_issue_date(plan, issue_date: datetime.date) -> None:
    """A certificate is never dated before the authority confirmed the results."""
    confirmed = plan.results_confirmed_on
    if confirmed is not None and issue_date < confirmed:
        raise NotYet(
            _("认定结果于%(date)s确认，发证日期不得早于该日。") % {"date": chinese_date(confirmed)},
            waits_for=confirmed,
        )
