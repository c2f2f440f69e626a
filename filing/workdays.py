"""Working days on China's official calendar (legal clocks are counted in working days).

Order of authority for a date: the admin-editable override table, then the chinese-calendar package (State
Council schedules with make-up workdays), then — for a year the package does not know — plain weekdays, but
only if an administrator has declared that year's schedule entered (``CalendarYear``). Otherwise
``UnknownCalendarYear`` is raised: a legal deadline must never rest on a guess.

Conventions (行政许可法 practice): the day of the triggering event is not counted; ``add_working_days(d, n)``
is the n-th working day after ``d``; ``working_days_between(a, b)`` counts working days in ``(a, b]``.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import chinese_calendar
from django.utils.translation import gettext as _

from filing.errors import Invalid


class UnknownCalendarYear(Invalid, ValueError):
    """The official schedule of this year is known neither to chinese-calendar nor to the override table.
    Interfaces show it like any invalid input: an administrator must enter the year's schedule first."""

    def __init__(self, year: int) -> None:
        message = _(
            "%(year)d年的法定节假日安排尚未录入，无法计算工作日。请系统管理员在“工作日历调整”中录入。"
        ) % {"year": year}
        super().__init__(message, errors={"__all__": [message]})
        self.year = year


@lru_cache(maxsize=64)
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkingCalendar:
    """A snapshot of the override table for the years touched by one computation (one query per year)."""

    def __init__(self) -> None:
        self._overrides: dict[int, dict[datetime.date, bool]] = {}
        self._declared: dict[int, bool] = {}

    def _load(self, year: int) -> None:
        from filing.models import CalendarOverride, CalendarYear

        self._overrides[year] = dict(
            CalendarOverride.objects.filter(date__year=year).values_list("date", "is_working_day")
        )
        self._declared[year] = CalendarYear.objects.filter(year=year).exists()

    def is_working_day(self, day: datetime.date) -> bool:
        if day.year not in self._overrides:
            self._load(day.year)
        override = self._overrides[day.year].get(day)
        if override is not None:
            return override
        if _package_knows(day.year):
            return chinese_calendar.is_workday(day)
        if self._declared[day.year]:
            return day.weekday() < 5
        raise UnknownCalendarYear(day.year)


#: How far ahead the home page looks for a year whose schedule is missing: longer than any legal clock here.
CALENDAR_HORIZON_DAYS = 60


def undeclared_years(today: datetime.date, horizon_days: int = CALENDAR_HORIZON_DAYS) -> list[int]:
    """Years from ``today`` to ``today + horizon_days`` whose schedule neither chinese-calendar nor an
    administrator's 工作日历年份 row provides: deadlines reaching into them will be refused."""
    from filing.models import CalendarYear

    end = today + datetime.timedelta(days=horizon_days)
    missing = [year for year in range(today.year, end.year + 1) if not _package_knows(year)]
    declared = set(CalendarYear.objects.filter(year__in=missing).values_list("year", flat=True))
    return [year for year in missing if year not in declared]


def is_working_day(day: datetime.date) -> bool:
    return WorkingCalendar().is_working_day(day)


def add_working_days(
    start: datetime.date, days: int, calendar: WorkingCalendar | None = None
) -> datetime.date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted). ``days`` ≥ 0;
    0 returns ``start`` unchanged. Pass one ``calendar`` to read the override table once for many dates."""
    if days < 0:
        raise ValueError("days must be >= 0")
    calendar = calendar or WorkingCalendar()
    current, remaining = start, days
    while remaining:
        current += datetime.timedelta(days=1)
        if calendar.is_working_day(current):
            remaining -= 1
    return current


def working_days_between(
    start: datetime.date, end: datetime.date, calendar: WorkingCalendar | None = None
) -> int:
    """Working days in ``(start, end]``; negative when ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(end, start, calendar)
    calendar = calendar or WorkingCalendar()
    count, current = 0, start
    while current < end:
        current += datetime.timedelta(days=1)
        if calendar.is_working_day(current):
            count += 1
    return count
