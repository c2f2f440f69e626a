"""Working days on the official calendar (filing.workdays) against the State Council's published schedules.

2025: 国办发明电〔2024〕12号; 2026: 国办发明电〔2025〕7号. Every day of both years is checked, not just the
holidays, so a missing make-up workday (调休上班) or an extra holiday is caught.
"""

from __future__ import annotations

import datetime
import re

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filing.models import CalendarOverride, CalendarYear
from filing.workdays import (
    UnknownCalendarYear,
    WorkingCalendar,
    add_working_days,
    is_working_day,
    working_days_between,
)

D = datetime.date
CJK = re.compile(r"[\u4e00-\u9fff]")


def span(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]


# Published schedules: days off that would otherwise matter, and weekend days that are working days.
HOLIDAYS = {
    2025: {
        "元旦": [D(2025, 1, 1)],
        "春节": span(D(2025, 1, 28), D(2025, 2, 4)),
        "清明节": span(D(2025, 4, 4), D(2025, 4, 6)),
        "劳动节": span(D(2025, 5, 1), D(2025, 5, 5)),
        "端午节": span(D(2025, 5, 31), D(2025, 6, 2)),
        "国庆节、中秋节": span(D(2025, 10, 1), D(2025, 10, 8)),
    },
    2026: {
        "元旦": span(D(2026, 1, 1), D(2026, 1, 3)),
        "春节": span(D(2026, 2, 15), D(2026, 2, 23)),
        "清明节": span(D(2026, 4, 4), D(2026, 4, 6)),
        "劳动节": span(D(2026, 5, 1), D(2026, 5, 5)),
        "端午节": span(D(2026, 6, 19), D(2026, 6, 21)),
        "中秋节": span(D(2026, 9, 25), D(2026, 9, 27)),
        "国庆节": span(D(2026, 10, 1), D(2026, 10, 7)),
    },
}
MAKE_UP_WORKDAYS = {
    2025: {
        D(2025, 1, 26): "春节",  # Sunday
        D(2025, 2, 8): "春节",  # Saturday
        D(2025, 4, 27): "劳动节",  # Sunday
        D(2025, 9, 28): "国庆节",  # Sunday
        D(2025, 10, 11): "国庆节",  # Saturday
    },
    2026: {
        D(2026, 1, 4): "元旦",  # Sunday
        D(2026, 2, 14): "春节",  # Saturday
        D(2026, 2, 28): "春节",  # Saturday
        D(2026, 5, 9): "劳动节",  # Saturday
        D(2026, 9, 20): "国庆节",  # Sunday
        D(2026, 10, 10): "国庆节",  # Saturday
    },
}


def published_is_working_day(day: datetime.date) -> bool:
    if day in MAKE_UP_WORKDAYS[day.year]:
        return True
    if any(day in days for days in HOLIDAYS[day.year].values()):
        return False
    return day.weekday() < 5


def test_make_up_workdays_are_weekend_days():
    for days in MAKE_UP_WORKDAYS.values():
        for day in days:
            assert day.weekday() >= 5, day


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_day_matches_the_published_schedule(db, year):
    calendar = WorkingCalendar()
    wrong = [
        (day, calendar.is_working_day(day))
        for day in span(D(year, 1, 1), D(year, 12, 31))
        if calendar.is_working_day(day) != published_is_working_day(day)
    ]
    assert wrong == []


@pytest.mark.parametrize("year", [2025, 2026])
def test_holidays_and_make_up_days(db, year):
    for festival, days in HOLIDAYS[year].items():
        for day in days:
            assert not is_working_day(day), (festival, day)
    for day, festival in MAKE_UP_WORKDAYS[year].items():
        assert is_working_day(day), (festival, day)


@pytest.mark.parametrize("year", [2025, 2026])
def test_working_day_count_of_the_year(db, year):
    # 2025: 261 weekdays - 18 holidays on weekdays + 5 make-up days; 2026: 261 - 19 + 6.
    expected = sum(published_is_working_day(day) for day in span(D(year, 1, 1), D(year, 12, 31)))
    assert expected == {2025: 248, 2026: 248}[year]
    assert working_days_between(D(year - 1, 12, 31), D(year, 12, 31)) == expected
    assert expected == len(chinese_calendar.get_workdays(D(year, 1, 1), D(year, 12, 31)))


# --- conventions -------------------------------------------------------------------------------------------


def test_start_day_is_not_counted(db):
    # Monday 2025-03-03 → the next working day is Tuesday.
    assert add_working_days(D(2025, 3, 3), 1) == D(2025, 3, 4)
    assert add_working_days(D(2025, 3, 3), 0) == D(2025, 3, 3)
    # Friday → Monday.
    assert add_working_days(D(2025, 3, 7), 1) == D(2025, 3, 10)
    # From a Saturday, the first working day is Monday.
    assert add_working_days(D(2025, 3, 8), 1) == D(2025, 3, 10)


def test_negative_days_refused(db):
    with pytest.raises(ValueError):
        add_working_days(D(2025, 3, 3), -1)


def test_national_day_2025(db):
    # Oct 1–8 off; Thursday Oct 9 is the first working day after Sep 30.
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    # Sunday Sep 28 is a make-up workday.
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    # Saturday Oct 11 is a make-up workday.
    assert add_working_days(D(2025, 10, 10), 1) == D(2025, 10, 11)


def test_twenty_working_day_deadline_across_national_day_2025(db):
    # From Friday 2025-09-19: Sep 22–26 (5), Sun Sep 28 (6), Sep 29–30 (8), Oct 1–8 off, Oct 9–10 (10),
    # Sat Oct 11 (11), Oct 13–17 (16), Oct 20–23 (20).
    deadline = add_working_days(D(2025, 9, 19), 20)
    assert deadline == D(2025, 10, 23)
    assert working_days_between(D(2025, 9, 19), deadline) == 20
    # From Friday 2025-03-07: Mar 10 – Apr 3 is 19 working days, Apr 4–6 清明, so the 20th is Monday Apr 7.
    assert add_working_days(D(2025, 3, 7), 19) == D(2025, 4, 3)
    assert add_working_days(D(2025, 3, 7), 20) == D(2025, 4, 7)


def test_spring_festival_2026(db):
    # Friday Feb 13, then Saturday Feb 14 (make-up), then Feb 15–23 off, Feb 24 Tuesday.
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert working_days_between(D(2026, 2, 14), D(2026, 2, 23)) == 0
    # Saturday Feb 28 is a working day.
    assert add_working_days(D(2026, 2, 27), 1) == D(2026, 2, 28)


def test_working_days_between_interval_is_half_open(db):
    monday, friday = D(2025, 3, 3), D(2025, 3, 7)
    assert working_days_between(monday, monday) == 0
    assert working_days_between(monday, friday) == 4  # Tue..Fri
    assert working_days_between(friday, monday) == -4
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 8)) == 0
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 9)) == 1
    # Across the year boundary.
    assert working_days_between(D(2025, 12, 31), D(2026, 1, 5)) == 2  # Sun Jan 4 (make-up) and Mon Jan 5


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    start=st.dates(D(2025, 1, 1), D(2026, 9, 1)),
    n=st.integers(0, 60),
    other=st.dates(D(2025, 1, 1), D(2026, 12, 31)),
)
def test_property_working_days_between_inverts_add_working_days(db, start, n, other):
    end = add_working_days(start, n)
    assert end.year <= 2026
    assert working_days_between(start, end) == n
    if n:
        assert is_working_day(end)
    # And the other way round: counting to any day and adding back lands on the last working day ≤ that day.
    count = working_days_between(start, other)
    assert working_days_between(other, start) == -count
    # (Only forwards: from a weekend day to the Friday before it there are 0 working days, yet start > other.)
    if other >= start:
        reached = add_working_days(start, count)
        assert reached <= other
        assert working_days_between(reached, other) == 0


# --- years the package does not know -----------------------------------------------------------------------


def test_package_knows_the_years_the_schedule_tests_rely_on():
    from filing.workdays import _package_knows

    assert _package_knows(2025) and _package_knows(2026)
    chinese_calendar.is_workday(D(2026, 12, 31))


def test_unknown_year_raises(db, known_until_2026):
    with pytest.raises(UnknownCalendarYear) as info:
        is_working_day(D(2027, 3, 1))
    assert info.value.year == 2027
    assert CJK.search(str(info.value))
    assert "2027" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_deadline_running_into_an_unknown_year_raises(db, known_until_2026):
    with pytest.raises(UnknownCalendarYear) as info:
        add_working_days(D(2026, 12, 24), 10)
    assert info.value.year == 2027
    with pytest.raises(UnknownCalendarYear):
        working_days_between(D(2026, 12, 1), D(2027, 1, 15))
    # Within the known year it still works.
    assert add_working_days(D(2026, 12, 24), 5) == D(2026, 12, 31)


def test_overrides_alone_do_not_make_a_year_known(db, known_until_2026):
    CalendarOverride.objects.create(date=D(2027, 1, 1), is_working_day=False, name="元旦")
    with pytest.raises(UnknownCalendarYear):
        is_working_day(D(2027, 1, 4))


def test_declared_year_uses_weekdays_and_overrides(db, known_until_2026):
    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知（测试）")
    CalendarOverride.objects.create(date=D(2027, 1, 1), is_working_day=False, name="元旦")  # Friday
    CalendarOverride.objects.create(date=D(2027, 1, 9), is_working_day=True, name="元旦调休上班")  # Saturday
    assert D(2027, 1, 1).weekday() == 4 and D(2027, 1, 9).weekday() == 5

    assert not is_working_day(D(2027, 1, 1))
    assert is_working_day(D(2027, 1, 4))  # plain Monday
    assert not is_working_day(D(2027, 1, 2))  # plain Saturday
    assert is_working_day(D(2027, 1, 9))
    assert not is_working_day(D(2027, 1, 10))

    # From Thu 2026-12-31: Fri Jan 1 off, weekend, Jan 4–8 (5), Sat Jan 9 (6), Jan 11 (7).
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert add_working_days(D(2026, 12, 31), 6) == D(2027, 1, 9)
    assert add_working_days(D(2026, 12, 31), 7) == D(2027, 1, 11)
    assert working_days_between(D(2026, 12, 30), D(2027, 1, 11)) == 8  # Dec 31 + 7
    # 2028 is still unknown.
    with pytest.raises(UnknownCalendarYear):
        is_working_day(D(2028, 1, 3))


def test_override_wins_over_the_package(db):
    assert is_working_day(D(2025, 10, 9))
    assert not is_working_day(D(2025, 10, 12))
    CalendarOverride.objects.create(date=D(2025, 10, 9), is_working_day=False, name="更正：休息")
    CalendarOverride.objects.create(date=D(2025, 10, 12), is_working_day=True, name="更正：上班")  # Sunday
    CalendarOverride.objects.create(date=D(2025, 10, 1), is_working_day=True, name="更正：国庆上班")
    assert not is_working_day(D(2025, 10, 9))
    assert is_working_day(D(2025, 10, 12))
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 1)
    assert add_working_days(D(2025, 9, 30), 2) == D(2025, 10, 10)
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 12)) == 4  # Oct 1, 10, 11, 12
