"""A filing review walked through the real task services, step by step, as the people of each role would:
used by the demo data, the benchmarks and the tests (one walk-through, not five copies).

Every step goes through ``workflows.services`` (task locks, four-eyes, audit, notifications), so what a
scenario leaves behind is exactly what the pages would.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing.models import ApplicationStatus, FilingApplication
from filing.services import applications as app_svc
from filing.services import publicity

from . import services as wf
from .flows import FilingReviewFlow
from .selectors import open_task


@dataclass
class Reviewers:
    """Who acts at each step: two district reviewers (acceptance, review) and two municipal ones (review
    and panel, decision), so that the four-eyes rule holds; the experts of the panel."""

    district_accept: object
    district_review: object
    municipal_review: object
    decision: object
    experts: list = field(default_factory=list)
    score: int = 86


def review_to_expert_panel(application: FilingApplication, people: Reviewers) -> FilingApplication:
    """From submitted to the panel waiting to be named (district acceptance and review, municipal review)."""
    for node, actor, comment in (
        ("district_accept", people.district_accept, "材料齐全，予以受理"),
        ("district_review", people.district_review, "同意上报"),
        ("municipal_review", people.municipal_review, "同意组织专家评审"),
    ):
        task = open_task(application, node)
        wf.task_review(actor=actor, task_pk=task.pk, outcome="approve", comment=comment)
    application.refresh_from_db()
    return application


def expert_tasks(application: FilingApplication):
    return Task.objects.filter(
        process__filingreviewprocess__application=application,
        flow_task=FilingReviewFlow.expert_score,
        status=STATUS.ASSIGNED,
    ).select_related("owner")


def experts_score(application: FilingApplication, people: Reviewers) -> FilingApplication:
    """Name the panel, and every seated expert scores every line (recommending approval)."""
    panel = open_task(application, "expert_panel")
    wf.task_assign_panel(actor=people.municipal_review, task_pk=panel.pk, experts=people.experts)
    lines = list(application.lines.all())
    for task in expert_tasks(application):
        wf.task_expert_score(
            actor=task.owner,
            task_pk=task.pk,
            scores={line.pk: {"score": people.score, "recommendation": "approve"} for line in lines},
        )
    application.refresh_from_db()
    return application


def approve_all_lines(
    application: FilingApplication, people: Reviewers, *, today: datetime.date | None = None
) -> FilingApplication:
    """The decision approves every line; publicity starts (on ``today``, default the real today)."""
    lines = list(application.lines.all())
    wf.task_decide(
        actor=people.decision,
        task_pk=open_task(application, "decision").pk,
        line_decisions={line.pk: {"decision": "approved"} for line in lines},
        comment="同意备案",
        today=today,
    )
    application.refresh_from_db()
    return application


def review_to_publicity(
    application: FilingApplication, people: Reviewers, *, decided_on: datetime.date | None = None
) -> FilingApplication:
    """A submitted application through every review step to publicity."""
    review_to_expert_panel(application, people)
    experts_score(application, people)
    approve_all_lines(application, people, today=decided_on)
    assert application.status == ApplicationStatus.PUBLICITY, application.status
    return application


def end_publicity(application: FilingApplication, *, today: datetime.date | None = None):
    """The publicity timer on the first day after publicity (or on ``today``): files the application and
    returns the evaluation body."""
    today = today or application.publicity_ends_on + datetime.timedelta(days=1)
    return publicity.publicity_close(application=application, today=today)


def review_to_filed(application: FilingApplication, people: Reviewers, **kwargs):
    """Submitted → filed: the whole review, then the end of publicity. Returns the evaluation body."""
    review_to_publicity(application, people, **kwargs)
    return end_publicity(application)


def submit(applicant, application: FilingApplication) -> FilingApplication:
    return app_svc.application_submit(actor=applicant, application=application)


# --- evaluation plans -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SittingSpec:
    """One sitting of a scenario plan: ``day`` and the hours it runs, the room and the candidates."""

    part: str
    day: datetime.date
    room: str
    candidates: int
    start_hour: int = 9
    hours: int = 2


def _aware(day: datetime.date, hour: int):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def plan_to_registration(
    body,
    operator,
    authority,
    *,
    title: str,
    sittings: list[SittingSpec],
    filed_on: datetime.date,
    headcount: int = 30,
    line=None,
    **create,
):
    """A plan created (``create``: more of ``plan_create``'s arguments, e.g. ``method``), its sittings added,
    filed on ``filed_on`` (the lead time counted from that day), confirmed by the authority and open for
    registration."""
    from filing.services import plans

    first = min(s.day for s in sittings) if sittings else create.pop("first_sitting_on")
    plan = plans.plan_create(
        actor=operator,
        body=body,
        line=line or body.lines.order_by("-offering__level").first(),
        title=title,
        expected_headcount=headcount,
        first_sitting_on=first,
        **create,
    )
    for spec in sittings:
        start = _aware(spec.day, spec.start_hour)
        plans.sitting_add(
            actor=operator,
            plan=plan,
            part=spec.part,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=spec.hours),
            room=spec.room,
            candidates_expected=spec.candidates,
        )
    plans.plan_file(actor=operator, plan=plan, today=filed_on)
    wf.task_plan_review(
        actor=authority, task_pk=open_task(plan, "confirm_plan").pk, approve=True, comment="同意"
    )
    plan.refresh_from_db()
    plans.plan_open_registration(actor=operator, plan=plan)
    plan.refresh_from_db()
    return plan


def staff_from_pool(plan, operator) -> None:
    """Every sitting staffed by the ratios, from the qualified, unexpired, non-recused people of the
    register (what an operator does on the staffing page)."""
    from filing.models import StaffingRule
    from filing.services import staffing

    for sitting in plan.sittings.select_related("plan__line__offering__occupation"):
        # Supervisors first: the scarcest people are not used up as invigilators.
        rules = sorted(StaffingRule.objects.filter(part=sitting.part), key=lambda r: r.role != "supervisor")
        for rule in rules:
            have = sitting.staff.filter(role=rule.role).count()
            need = rule.required_for(sitting.candidates_expected) - have
            for person in staffing.candidates_for(sitting, rule.role)[: max(need, 0)]:
                staffing.staff_assign(actor=operator, sitting=sitting, evaluator=person, role=rule.role)


def city_supervisor():
    """A 督导员 of the city (the first active one; one is created for a scenario that has none)."""
    from django.contrib.auth import get_user_model

    from filing.models import Membership
    from filing.roles import Role
    from filing.services.memberships import membership_grant

    held = Membership.objects.filter(role=Role.SUPERVISOR, is_active=True, user__is_active=True)
    found = held.select_related("user").order_by("pk").first()
    if found is not None:
        return found.user
    user = get_user_model().objects.create_user(username="scenario_supervisor", first_name="市督导员")
    membership_grant(actor=None, user=user, role=Role.SUPERVISOR, organisation=None, district=None)
    return user


def supervise(plan, supervisor=None) -> None:
    """The supervisor files a clean report on every started sitting that has none (逢考必督)."""
    from filing.services.supervision_reports import report_file

    supervisor = supervisor or city_supervisor()
    for sitting in plan.sittings.filter(supervision_report__isnull=True, started_at__isnull=False):
        report_file(
            actor=supervisor,
            sitting=sitting,
            present=sitting.candidates_expected,
            absent=0,
            identity_checked=True,
        )


def hold_and_publish(plan, operator, *, held_on: datetime.date, score=None, supervisor=None):
    """Registration closed, the sittings start on ``held_on`` (the first sitting's day or later) and are
    supervised (a clean report each, by ``supervisor`` or the city's first 督导员), every
    scheduled candidate scored on that day and the results published. ``score(registration, part)``
    gives a score (default: 80)."""
    from filing.models import RegistrationStatus
    from filing.services import plans, results
    from filing.services.common import required_parts

    plans.plan_close_registration(actor=operator, plan=plan)
    plans.plan_start(actor=operator, plan=plan, today=held_on)
    supervise(plan, supervisor)
    plans.plan_finish_sittings(actor=operator, plan=plan)
    for registration in plan.registrations.filter(status=RegistrationStatus.SCHEDULED):
        for part in required_parts(plan):
            value = score(registration, part) if score else 80
            results.score_enter(
                actor=operator, registration=registration, part=part, score=str(value), today=held_on
            )
    results.plan_publish_results(actor=operator, plan=plan, today=held_on)
    plan.refresh_from_db()
    return plan


def confirm_results(plan, operator, authority, *, on: datetime.date | None = None):
    """Submitted the day after publicity ended (or on ``on``) and confirmed by the authority that day."""
    from filing.services import results

    on = on or plan.results_publicity_ends_on + datetime.timedelta(days=1)
    supervise(plan)
    results.plan_submit_results(actor=operator, plan=plan, today=on)
    wf.task_results_audit(
        actor=authority,
        task_pk=open_task(plan, "audit_results").pk,
        approve=True,
        comment="结果属实",
        today=on,
    )
    plan.refresh_from_db()
    return plan
