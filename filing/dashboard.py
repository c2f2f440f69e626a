"""What each role's home page shows about its work: what waits, what is late or due this week, and the few
figures the role is judged by. Each panel is a fixed number of queries whatever the volume (the clocks of a
district's queue are read from one prefetch), so the home page stays constant in queries.

A panel is ``{"key", "title", "figures": [{"label", "count", "url", "late"}], "rows": [...], "rows_title"}``;
rows are at most ``ROWS`` links with a note (a clock, a date).
"""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from filing import access
from filing.clock import clock_status
from filing.models import (
    ApplicationStatus,
    Certificate,
    CertificateStatus,
    Correction,
    EvaluationPlan,
    FilingApplication,
    IssuanceBatch,
    PlanStatus,
    Sitting,
)
from filing.roles import Role
from filing.services.national import open_rejections
from filing.workdays import WorkingCalendar

S = ApplicationStatus
P = PlanStatus
ROWS = 8
#: How many of a district's waiting applications have their clocks read for the panel (oldest first).
CLOCKED = 200
DISTRICT_STEPS = (S.SUBMITTED, S.DISTRICT_REVIEW)
CITY_REVIEW = (S.MUNICIPAL_REVIEW, S.EXPERT_ASSESSMENT, S.DECISION)
PLAN_OPEN = [s for s in P.values if s not in (P.ARCHIVED, P.CANCELLED, P.REPORTED, P.CERTIFICATES_ISSUED)]


def week_end(today: datetime.date) -> datetime.date:
    """The Sunday of today's week: "due this week" means on or before it."""
    return today + datetime.timedelta(days=6 - today.weekday())


def _figure(label, count, url=None, *, late=False) -> dict:
    return {"label": label, "count": count, "url": url, "late": late and bool(count)}


def district_panel(user, today: datetime.date) -> dict | None:
    districts = access.reviewer_district_ids(user)
    if not districts:
        return None
    waiting = (
        FilingApplication.objects.filter(district_id__in=districts, status__in=DISTRICT_STEPS)
        .select_related("organisation")
        .prefetch_related("clock_periods")
        .order_by("submitted_at", "pk")
    )
    calendar = WorkingCalendar()  # one read of the override table for every clock of the queue
    clocked = [(app, clock_status(app, today, calendar)) for app in waiting[:CLOCKED]]
    late = [row for row in clocked if row[1].state == "overdue"]
    due_week = [
        row
        for row in clocked
        if row[1].due_on and today <= row[1].due_on <= week_end(today) and row not in late
    ]
    url = reverse("applications:index")
    urgent = sorted(
        clocked, key=lambda row: (row[1].left is None, row[1].left if row[1].left is not None else 0)
    )
    return {
        "key": "district",
        "title": _("本区审核队列"),
        "figures": [
            _figure(
                _("待受理"), sum(1 for a, _c in clocked if a.status == S.SUBMITTED), f"{url}?status=submitted"
            ),
            _figure(
                _("区级审核中"),
                sum(1 for a, _c in clocked if a.status == S.DISTRICT_REVIEW),
                f"{url}?status=district_review",
            ),
            _figure(_("已超期"), len(late), url, late=True),
            _figure(_("本周到期"), len(due_week), url, late=True),
        ],
        "rows_title": _("时限最紧的申请"),
        "rows": [
            {
                "text": f"{app.number} {app.organisation.name}",
                "url": reverse("applications:detail", args=[app.pk]),
                "clock": clock,
            }
            for app, clock in urgent[:ROWS]
        ],
    }


def city_panel(user, today: datetime.date) -> dict | None:
    if not access.is_municipal_reviewer(user):
        return None
    apps = reverse("applications:index")
    plans = reverse("plans:index")
    in_review = FilingApplication.objects.filter(status__in=CITY_REVIEW).count()
    publicity = FilingApplication.objects.filter(status=S.PUBLICITY)
    ending = publicity.filter(publicity_ends_on__lte=week_end(today)).select_related("organisation")
    awaiting = EvaluationPlan.objects.filter(status=P.FILED)
    results = EvaluationPlan.objects.filter(status=P.RESULTS_SUBMITTED).count()
    this_year = Certificate.objects.filter(issue_date__year=today.year, version=1).count()
    ending_rows = list(ending.order_by("publicity_ends_on")[:ROWS])
    return {
        "key": "city",
        "title": _("全市备案与认定"),
        "figures": [
            _figure(_("市级审核中的备案申请"), in_review, f"{apps}?status=municipal_review"),
            _figure(_("公示中"), publicity.count(), f"{apps}?status=publicity"),
            _figure(_("本周公示期满"), len(ending_rows), f"{apps}?status=publicity", late=True),
            _figure(_("待确认的认定计划"), awaiting.count(), f"{plans}?status=filed"),
            _figure(_("待审核的认定结果"), results, f"{plans}?status=results_submitted"),
            _figure(_("本年发放证书"), this_year, reverse("certificates:statistics")),
        ],
        "rows_title": _("本周公示期满的申请"),
        "rows": [
            {
                "text": f"{app.number} {app.organisation.name}",
                "url": reverse("applications:detail", args=[app.pk]),
                "note": _("公示至 %(day)s") % {"day": _chinese_date(app.publicity_ends_on)},
            }
            for app in ending_rows
        ],
    }


def body_panel(user, today: datetime.date) -> dict | None:
    orgs = access.organisation_ids(user, Role.BODY_OPERATOR)
    if not orgs:
        return None
    plans_url = reverse("plans:index")
    mine = EvaluationPlan.objects.filter(body__organisation_id__in=orgs)
    by_state = dict(mine.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    horizon = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=14), datetime.time())
    )
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    upcoming = list(
        Sitting.objects.filter(
            plan__in=mine.exclude(status=P.CANCELLED), starts_at__gte=start, starts_at__lt=horizon
        )
        .select_related("plan")
        .order_by("starts_at")[:ROWS]
    )
    batches = IssuanceBatch.objects.filter(plan__in=mine)
    pending = batches.filter(state=IssuanceBatch.State.PENDING).count()
    issued_year = Certificate.objects.filter(
        body__organisation_id__in=orgs, issue_date__year=today.year, status=CertificateStatus.VALID
    ).count()
    figures = [
        _figure(label, by_state.get(value, 0), f"{plans_url}?status={value}")
        for value, label in P.choices
        if by_state.get(value) and value not in (P.ARCHIVED, P.CANCELLED)
    ]
    figures += [
        _figure(_("两周内的考核场次"), len(upcoming), plans_url),
        _figure(_("排队中的发证批次"), pending, reverse("certificates:index"), late=True),
        _figure(_("本年有效证书"), issued_year, reverse("certificates:index")),
        # A record the national system sent back is the body's to-do until corrected or queued again.
        _figure(
            _("全国联网退回待处理"),
            open_rejections().filter(certificate__body__organisation_id__in=orgs).count(),
            reverse("certificates:national_rejections"),
            late=True,
        ),
    ]
    return {
        "key": "body",
        "title": _("本机构认定工作"),
        "figures": figures,
        "rows_title": _("两周内的考核场次"),
        "rows": [
            {
                "text": f"{s.plan.title} · {s.get_part_display()} · {s.room}",
                "url": reverse("plans:detail", args=[s.plan_id]),
                "note": timezone.localtime(s.starts_at).strftime("%Y-%m-%d %H:%M"),
            }
            for s in upcoming
        ],
    }


def college_panel(user, today: datetime.date) -> dict | None:
    orgs = access.organisation_ids(user, Role.APPLICANT)
    if not orgs:
        return None
    corrections = list(
        Correction.objects.filter(application__organisation_id__in=orgs, state=Correction.State.OPEN)
        .select_related("application__organisation")
        .order_by("deadline")[:ROWS]
    )
    return {
        "key": "college",
        "title": _("本单位的补正"),
        "figures": [
            _figure(
                _("本周到期的补正"),
                sum(1 for c in corrections if c.deadline <= week_end(today)),
                reverse("applications:index") + "?status=returned",
                late=True,
            )
        ],
        "rows_title": _("待补正（按期限）"),
        "rows": [
            {
                "text": c.application.number,
                "url": reverse("applications:detail", args=[c.application_id]),
                "note": _("补正期限 %(day)s") % {"day": _chinese_date(c.deadline)},
            }
            for c in corrections
        ],
    }


def _chinese_date(day: datetime.date | None) -> str:
    """2026年12月23日 in Chinese (the active language's DATE_FORMAT)."""
    return formats.date_format(day) if day else "—"


PANELS = [district_panel, city_panel, body_panel, college_panel]


def panels_for(user, today: datetime.date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    return [panel for build in PANELS if (panel := build(user, today))]
