"""Evaluation plans (认定计划): create inside the filed scope, add sittings, file with the authority in
advance, confirmation (a viewflow task), registration, start and end of the sittings, cancellation.
Staffing is in :mod:`filing.services.staffing`; scores and results in :mod:`filing.services.results`."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import signals
from filing.audit import audit_record
from filing.errors import Invalid
from filing.models import (
    AssessmentPart,
    BodyStatus,
    EvaluationBody,
    EvaluationPlan,
    FiledLine,
    FiledLineStatus,
    PlanStatus,
    RegistrationStatus,
    Sitting,
)
from filing.services.common import (
    lock_plan,
    require_authority,
    require_operator,
    require_status,
    require_transition,
    required_parts,
    save_transition,
)
from filing.services.staffing import staffing_problems
from filing.workdays import working_days_between

P = PlanStatus
R = RegistrationStatus
#: Sittings may be added until the plan starts (a filed plan is with the authority: back to draft first).
SITTINGS_EDITABLE = (P.DRAFT, P.CONFIRMED, P.REGISTRATION_OPEN, P.REGISTRATION_CLOSED)


def ensure_in_scope(body: EvaluationBody, line: FiledLine, on: datetime.date) -> None:
    """A body evaluates only inside its filed lines, while active (DOMAIN.md §4)."""
    problems = []
    if line.body_id != body.pk:
        problems.append(_("该备案项目不属于本机构。"))
    if body.status != BodyStatus.ACTIVE:
        problems.append(
            _("评价机构当前状态为“%(status)s”，不能组织认定。") % {"status": body.get_status_display()}
        )
    if line.status != FiledLineStatus.ACTIVE:
        problems.append(_("该备案项目未生效或已暂停。"))
    if line.effective_from > on:
        problems.append(_("该备案项目自%(date)s起生效。") % {"date": line.effective_from})
    if problems:
        raise Invalid(_("超出备案范围。"), errors={"line": problems})


@transaction.atomic
def plan_create(
    *,
    actor,
    body: EvaluationBody,
    line: FiledLine,
    title: str,
    expected_headcount: int,
    first_sitting_on: datetime.date,
) -> EvaluationPlan:
    require_operator(actor, body, "plan.create")
    body = EvaluationBody.objects.select_for_update().get(pk=body.pk)
    ensure_in_scope(body, line, first_sitting_on)
    if not title.strip() or expected_headcount < 1:
        raise Invalid(_("请填写计划名称和预计人数。"), errors={"title": [_("请填写计划名称和预计人数。")]})
    plan = EvaluationPlan.objects.create(
        body=body,
        line=line,
        title=title,
        expected_headcount=expected_headcount,
        first_sitting_on=first_sitting_on,
        created_by=actor,
    )
    audit_record(actor=actor, action="plan.create", obj=plan, payload={"line": str(line.offering)})
    return plan


@transaction.atomic
def sitting_add(
    *, actor, plan: EvaluationPlan, part: str, starts_at, ends_at, room: str, candidates_expected: int
) -> Sitting:
    plan = lock_plan(plan)
    require_operator(actor, plan, "sitting.add")
    require_status(plan, *SITTINGS_EDITABLE, message=_("计划已开始或已报备，不能增加场次。"))
    errors = {}
    if part not in required_parts(plan):
        errors["part"] = [_("该职业等级不需要此项考核。")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("结束时间须晚于开始时间。")]
    if timezone.localtime(starts_at).date() < plan.first_sitting_on:
        errors["starts_at"] = [
            _("场次不能早于报备的首场考核日期%(date)s。") % {"date": plan.first_sitting_on}
        ]
    if not room.strip() or candidates_expected < 1:
        errors["room"] = [_("请填写考场和人数。")]
    if errors:
        raise Invalid(_("场次信息不合法。"), errors=errors)
    sitting = Sitting.objects.create(
        plan=plan,
        part=part,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        candidates_expected=candidates_expected,
    )
    audit_record(actor=actor, action="sitting.add", obj=plan, payload={"part": part, "room": room})
    return sitting


def latest_filing_day(first: datetime.date, lead: int) -> datetime.date:
    """The last day on which a plan whose first sitting is ``first`` can still be filed ``lead`` working
    days ahead."""
    day = first
    while working_days_between(day, first) < lead:
        day -= datetime.timedelta(days=1)
    return day


@transaction.atomic
def plan_file(*, actor, plan: EvaluationPlan, today: datetime.date | None = None) -> EvaluationPlan:
    """报备: at least ``PLAN_FILING_WORKING_DAYS`` working days before the first sitting, with a sitting for
    every required assessment part."""
    today = today or timezone.localdate()
    plan = lock_plan(plan)
    require_status(plan, P.DRAFT, message=_("只有草稿计划可以报备。"))
    require_operator(actor, plan, "plan.file")
    ensure_in_scope(plan.body, plan.line, plan.first_sitting_on)
    lead = settings.FILING["PLAN_FILING_WORKING_DAYS"]
    problems = []
    if working_days_between(today, plan.first_sitting_on) < lead:
        problems.append(
            _("须在首场考核前至少%(days)d个工作日报备（最迟%(date)s）。")
            % {"days": lead, "date": latest_filing_day(plan.first_sitting_on, lead)}
        )
    planned = set(plan.sittings.values_list("part", flat=True))
    missing = [str(AssessmentPart(p).label) for p in required_parts(plan) if p not in planned]
    if missing:
        problems.append(_("缺少考核场次：%(parts)s。") % {"parts": "、".join(missing)})
    if problems:
        raise Invalid(_("计划不能报备。"), errors={"__all__": problems})
    plan.file()
    plan.filed_at = timezone.now()
    save_transition(plan)
    audit_record(actor=actor, action="plan.file", obj=plan)
    signals.plan_filed.send(sender=EvaluationPlan, plan=plan, actor=actor)
    return plan


@transaction.atomic
def plan_review(*, actor, plan: EvaluationPlan, approve: bool, comment: str) -> EvaluationPlan:
    """The authority confirms the filed plan or sends it back for changes (with a reason)."""
    plan = lock_plan(plan)
    require_status(plan, P.FILED, message=_("该计划不在待确认状态。"))
    require_authority(actor, plan, "plan.review")
    if not comment.strip():
        raise Invalid(_("请填写审核意见。"), errors={"comment": [_("请填写审核意见。")]})
    if approve:
        plan.confirm(actor)
    else:
        plan.send_back()
    save_transition(plan)
    audit_record(
        actor=actor,
        action="plan.confirm" if approve else "plan.return",
        obj=plan,
        payload={"comment": comment},
    )
    (signals.plan_confirmed if approve else signals.plan_returned).send(
        sender=EvaluationPlan, plan=plan, actor=actor
    )
    return plan


def _operator_transition(actor, plan, transition_name: str, allowed: tuple, message: str, action: str):
    plan = lock_plan(plan)
    require_status(plan, *allowed, message=message)
    require_operator(actor, plan, action)
    getattr(plan, transition_name)()
    save_transition(plan)
    audit_record(actor=actor, action=action, obj=plan)
    return plan


@transaction.atomic
def plan_open_registration(*, actor, plan: EvaluationPlan) -> EvaluationPlan:
    return _operator_transition(
        actor,
        plan,
        "open_registration",
        (P.CONFIRMED,),
        _("计划经确认后才能开放报名。"),
        "plan.open_registration",
    )


@transaction.atomic
def plan_close_registration(*, actor, plan: EvaluationPlan) -> EvaluationPlan:
    return _operator_transition(
        actor,
        plan,
        "close_registration",
        (P.REGISTRATION_OPEN,),
        _("报名未开放。"),
        "plan.close_registration",
    )


@transaction.atomic
def plan_cancel(*, actor, plan: EvaluationPlan, reason: str) -> EvaluationPlan:
    plan = lock_plan(plan)
    require_transition(plan, plan.cancel, _("考核开始后不能取消计划。"))
    require_operator(actor, plan, "plan.cancel")
    if not reason.strip():
        raise Invalid(_("请填写取消理由。"), errors={"reason": [_("请填写取消理由。")]})
    plan.cancel(reason)
    save_transition(plan)
    audit_record(actor=actor, action="plan.cancel", obj=plan, payload={"reason": reason})
    signals.plan_cancelled.send(sender=EvaluationPlan, plan=plan, actor=actor)
    return plan


@transaction.atomic
def plan_start(*, actor, plan: EvaluationPlan) -> EvaluationPlan:
    """Start the evaluation: every sitting fully staffed and supervised; eligible candidates scheduled."""
    plan = lock_plan(plan)
    require_status(plan, P.REGISTRATION_CLOSED, message=_("报名截止后才能开始考核。"))
    require_operator(actor, plan, "plan.start")
    ensure_in_scope(plan.body, plan.line, plan.first_sitting_on)
    problems = [p for sitting in plan.sittings.all() for p in staffing_problems(sitting)]
    if not plan.registrations.filter(status=R.ELIGIBLE).exists():
        problems.append(_("没有资格审核通过的考生。"))
    if problems:
        raise Invalid(_("考核不能开始。"), errors={"__all__": problems})
    plan.start()
    save_transition(plan)
    for registration in plan.registrations.filter(status=R.ELIGIBLE):
        registration.schedule()
        registration.save()
    plan.sittings.update(started_at=timezone.now())
    audit_record(actor=actor, action="plan.start", obj=plan)
    return plan


@transaction.atomic
def plan_finish_sittings(*, actor, plan: EvaluationPlan) -> EvaluationPlan:
    return _operator_transition(
        actor, plan, "finish_sittings", (P.IN_PROGRESS,), _("考核尚未开始。"), "plan.finish_sittings"
    )
