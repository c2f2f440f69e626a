"""The city's figures, each computed once: certificate statistics, pass rates, filings in review and the
dashboard (全市看板) that puts them side by side with the colleges' annual tasks.

Every figure is limited to a *scope* of organisations (a queryset used as a subquery: the whole city, a
district, a district's schools, the state-owned enterprises; see ``filing.access.dashboard_organisations``)
and to the dashboard's filters, and is one grouped query however many colleges and years there are.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractMonth, TruncMonth
from django.utils import timezone

from filing import indicators
from filing.clock import clock_status
from filing.counting import DECIDED, PASSED, counted_certificates, decided_registrations, rate
from filing.models import (
    ApplicationStatus,
    CertificateStatus,
    EvaluationPlan,
    FilingApplication,
    Level,
    Organisation,
    PlanStatus,
)

__all__ = ["DECIDED", "PASSED", "counted_certificates", "decided_registrations", "rate", "dashboard"]
from filing.workdays import WorkingCalendar

#: Applications with the authority (the statutory clock may run): what "in review" means on the dashboard.
IN_REVIEW = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.DISTRICT_REVIEW,
    ApplicationStatus.MUNICIPAL_REVIEW,
    ApplicationStatus.EXPERT_ASSESSMENT,
    ApplicationStatus.DECISION,
    ApplicationStatus.PUBLICITY,
)
#: The indicators shown for every college on the dashboard (targets from its task list beside them).
COLLEGE_COLUMNS = (
    "certificates",
    "certificates_high",
    "high_level_share",
    "major_coverage",
    "pass_rate",
    "training_trainees",
    "apprentices",
)
#: How many filings in review the dashboard lists with their clocks (the most urgent first).
CLOCKED = 200


def certificate_statistics(year: int | None = None) -> dict:
    qs = counted_certificates()
    if year:
        qs = qs.filter(issue_date__year=year)
    return {
        "total": qs.count(),
        "revoked": qs.filter(status=CertificateStatus.REVOKED).count(),
        "by_body": list(qs.values("body_name").annotate(n=Count("id")).order_by("-n", "body_name")),
        "by_occupation": list(
            qs.values("occupation_code", "occupation_name").annotate(n=Count("id")).order_by("-n")
        ),
        "by_level": list(qs.values("level_label").annotate(n=Count("id")).order_by("level_label")),
        "by_month": list(
            qs.annotate(month=TruncMonth("issue_date"))
            .values("month")
            .annotate(n=Count("id"))
            .order_by("month")
        ),
    }


# --- the dashboard ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    year: int
    district_id: int | None = None
    kind: str = ""
    occupation_id: int | None = None


def organisations_in(scope: QuerySet, filters: Filters) -> QuerySet:
    """The organisations of the scope that the district and kind filters keep."""
    qs = scope
    if filters.district_id:
        qs = qs.filter(district_id=filters.district_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs


def college_rows(orgs: QuerySet, filters: Filters, today: datetime.date) -> dict:
    """Every new-type college of the scope side by side: each dashboard indicator's actual value for the
    year beside the target of its annual task list (when it has one), late items flagged."""
    from filing.models import AnnualTaskList

    colleges = list(
        orgs.filter(is_new_type_college=True).select_related("district").order_by("district__code", "name")
    )
    college_qs = orgs.filter(is_new_type_college=True)
    actual = indicators.computed(COLLEGE_COLUMNS, college_qs, filters.year)
    lists = {
        tl.organisation_id: tl
        for tl in AnnualTaskList.objects.filter(organisation__in=college_qs.values("pk"), year=filters.year)
        .prefetch_related("targets")
        .only("pk", "organisation_id", "status", "year")
    }
    columns = [indicators.get(code) for code in COLLEGE_COLUMNS]
    rows = []
    for org in colleges:
        task_list = lists.get(org.pk)
        targets = {t.indicator: t for t in task_list.targets.all()} if task_list else {}
        cells = []
        for indicator in columns:
            value = actual[indicator.code].get(org.pk)
            target = targets.get(indicator.code)
            goal = target.target if target else None
            cells.append(
                {
                    "value": value,
                    "target": goal,
                    "late": indicators.behind(
                        value, goal, filters.year, today, cumulative=indicator.cumulative
                    ),
                }
            )
        rows.append({"organisation": org, "task_list": task_list, "cells": cells})
    return {"columns": columns, "rows": rows}


def filings_in_review(orgs: QuerySet, filters: Filters, today: datetime.date) -> list[dict]:
    """Applications with the authority, with their statutory clocks, most urgent first (two queries)."""
    qs = FilingApplication.objects.filter(organisation__in=orgs.values("pk"), status__in=IN_REVIEW)
    if filters.occupation_id:
        qs = qs.filter(lines__offering__occupation_id=filters.occupation_id).distinct()
    apps = list(
        qs.select_related("organisation", "district")
        .prefetch_related("clock_periods")
        .order_by("submitted_at", "pk")[:CLOCKED]
    )
    calendar = WorkingCalendar()
    rows = [{"application": app, "clock": clock_status(app, today, calendar)} for app in apps]
    rows.sort(key=lambda r: (r["clock"].left is None, r["clock"].left if r["clock"].left is not None else 0))
    return rows


def plans_by_offering(orgs: QuerySet, filters: Filters) -> list[dict]:
    """Plans and pass rates by occupation and level for the year (plans by first sitting)."""
    plans = EvaluationPlan.objects.filter(
        body__organisation__in=orgs.values("pk"), first_sitting_on__year=filters.year
    ).exclude(status=PlanStatus.CANCELLED)
    if filters.occupation_id:
        plans = plans.filter(line__offering__occupation_id=filters.occupation_id)
    keys = ("line__offering__occupation__code", "line__offering__occupation__name", "line__offering__level")
    counts = {
        tuple(row[k] for k in keys): row
        for row in plans.values(*keys).annotate(
            plans=Count("pk", distinct=True),
            headcount=Count("registrations", distinct=True),
        )
    }
    results = {
        (row["plan__line__offering__occupation__code"], row["plan__line__offering__level"]): row
        for row in decided_registrations()
        .filter(plan__in=plans)
        .values("plan__line__offering__occupation__code", "plan__line__offering__level")
        .annotate(decided=Count("pk"), passed=Count("pk", filter=Q(status__in=PASSED)))
    }
    rows = []
    for (code, name, level), row in sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[0][2])):
        r = results.get((code, level), {"decided": 0, "passed": 0})
        rows.append(
            {
                "occupation_code": code,
                "occupation_name": name,
                "level": level,
                "level_label": Level(level).label,
                "plans": row["plans"],
                "registrations": row["headcount"],
                "decided": r["decided"],
                "passed": r["passed"],
                "rate": rate(r["passed"], r["decided"]),
            }
        )
    return rows


def certificates_in(orgs: QuerySet, filters: Filters) -> QuerySet:
    qs = counted_certificates().filter(
        body__organisation__in=orgs.values("pk"), issue_date__year=filters.year
    )
    if filters.occupation_id:
        qs = qs.filter(registration__plan__line__offering__occupation_id=filters.occupation_id)
    return qs


def certificates_by(orgs: QuerySet, filters: Filters) -> dict:
    """Certificates of the year by month (1–12, zeros included), by district and by level, and by district
    and level for the stacked shares: three grouped queries."""
    qs = certificates_in(orgs, filters)
    months = dict(
        qs.annotate(m=ExtractMonth("issue_date")).values("m").annotate(n=Count("pk")).values_list("m", "n")
    )
    by_district_level = list(
        qs.values(
            code=F("body__organisation__district__code"),
            district=F("body__organisation__district__name"),
        )
        .annotate(n=Count("pk"), **{f"l{lv.value}": Count("pk", filter=Q(level=lv.value)) for lv in Level})
        .order_by("code")
    )
    by_level = dict(qs.values("level").annotate(n=Count("pk")).values_list("level", "n"))
    return {
        "total": sum(months.values()),
        "by_month": [{"month": m, "n": months.get(m, 0)} for m in range(1, 13)],
        "by_district": by_district_level,
        "by_level": [{"level": lv.value, "label": lv.label, "n": by_level.get(lv.value, 0)} for lv in Level],
    }


def coverage_rows(orgs: QuerySet, today: datetime.date, filters: Filters) -> dict:
    from filing import coverage

    on = today if today.year == filters.year else datetime.date(filters.year, 12, 31)
    summaries = coverage.city_coverage(on, coverage.colleges().filter(pk__in=orgs.values("pk")))
    students = sum(s.students for s in summaries)
    covered = sum(s.covered_students for s in summaries)
    return {
        "summaries": summaries,
        "students": students,
        "covered": covered,
        "share": rate(covered, students),
    }


def dashboard(scope: QuerySet, filters: Filters, today: datetime.date | None = None) -> dict:
    """Everything the dashboard shows for ``scope`` (a queryset of organisations) under ``filters``."""
    today = today or timezone.localdate()
    orgs = organisations_in(scope, filters)
    return {
        "filters": filters,
        "colleges": college_rows(orgs, filters, today),
        "filings": filings_in_review(orgs, filters, today),
        "plans": plans_by_offering(orgs, filters),
        "certificates": certificates_by(orgs, filters),
        "coverage": coverage_rows(orgs, today, filters),
    }


def all_organisations() -> QuerySet:
    return Organisation.objects.all()
