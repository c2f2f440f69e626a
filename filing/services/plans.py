"""Evaluation plans (认定计划): create inside the filed scope, add sittings, file with the authority in
advance, confirmation (a viewflow task), registration, start and end of the sittings, cancellation.
Staffing is in :mod:`filing.services.staffing`; scores and results in :mod:`filing.services.results`."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from filing import methods, schedule, signals
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    AssessmentPart,
    Competition,
    EvaluationBody,
    EvaluationPlan,
    FiledLine,
    PlanMethod,
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
    require_version,
    required_parts,
    save_transition,
)
from filing.services.staffing import staffing_problems
from filing.standing import Activity, ensure_standing, standing_problems

P = PlanStatus
R = RegistrationStatus
#: A plan and its sittings are edited only while a draft: once filed, the authority decides on what it saw
#: (it may send the plan back to draft). Staffing stays open until the sittings start (staffing.py), since
#: recusals can only be declared once the roster is in.
EDITABLE = (P.DRAFT,)
SITTINGS_EDITABLE = EDITABLE
NOT_EDITABLE_MESSAGE = _l("计划已报备，不能再修改；如需修改，请联系市职业技能鉴定中心退回后再改。")


def ensure_in_scope(
    body: EvaluationBody, line: FiledLine, on: datetime.date, activity: str = Activity.PLAN
) -> None:
    """A body evaluates only inside its filed lines, in a standing that allows it (``filing.standing``);
    refused as a form error on the line."""
    problems = standing_problems(body, line, activity, on)
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
    photos_waived: bool = False,
    method: str = PlanMethod.EXAM,
    competition: Competition | None = None,
) -> EvaluationPlan:
    require_operator(actor, body, "plan.create")
    body = EvaluationBody.objects.select_for_update().select_related("organisation").get(pk=body.pk)
    ensure_in_scope(body, line, first_sitting_on)
    if competition is not None:  # as it is now (the caller's copy may predate the decision)
        competition = Competition.objects.get(pk=competition.pk)
    problems = methods.problems(method, body, line.offering, competition)
    if problems:
        raise Invalid(_("认定方式不适用。"), errors=problems)
    if not title.strip() or expected_headcount < 1:
        raise Invalid(_("请填写计划名称和预计人数。"), errors={"title": [_("请填写计划名称和预计人数。")]})
    plan = EvaluationPlan.objects.create(
        body=body,
        line=line,
        method=method,
        competition=competition,
        title=title,
        expected_headcount=expected_headcount,
        first_sitting_on=first_sitting_on,
        photos_waived=bool(photos_waived),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="plan.create",
        obj=plan,
        payload={"line": str(line.offering), "photos_waived": plan.photos_waived, "method": method},
    )
    return plan


def _check_sitting(plan, part, starts_at, ends_at, room, candidates_expected) -> None:
    errors = {}
    if part not in required_parts(plan):
        errors["part"] = [_("该职业等级不需要此项考核。")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("结束时间须晚于开始时间。")]
    if timezone.localtime(starts_at).date() < plan.first_sitting_on:
        errors["starts_at"] = [
            _("场次不能早于报备的首场考核日期%(date)s。")
            % {"date": schedule.chinese_date(plan.first_sitting_on)}
        ]
    if not room.strip() or candidates_expected < 1:
        errors["room"] = [_("请填写考场和人数。")]
    if errors:
        raise Invalid(_("场次信息不合法。"), errors=errors)


@transaction.atomic
def plan_update(
    *,
    actor,
    plan: EvaluationPlan,
    title: str,
    expected_headcount: int,
    first_sitting_on: datetime.date,
    version=None,
    today: datetime.date | None = None,
    photos_waived: bool | None = None,
    **_ignored,
) -> EvaluationPlan:
    """Edit a draft plan (name, headcount, first sitting date); the change is audited field by field."""
    plan = lock_plan(plan)
    require_operator(actor, plan, "plan.update")
    require_status(plan, *EDITABLE, message=str(NOT_EDITABLE_MESSAGE))
    require_version(plan, version)
    if not title.strip() or expected_headcount < 1:
        raise Invalid(_("请填写计划名称和预计人数。"), errors={"title": [_("请填写计划名称和预计人数。")]})
    problem = schedule.first_sitting_problem(first_sitting_on, today)
    if problem:
        raise Invalid(problem, errors={"first_sitting_on": [problem]})
    early = [s for s in plan.sittings.all() if timezone.localtime(s.starts_at).date() < first_sitting_on]
    if early:
        message = _("已有场次早于该日期，请先修改或删除这些场次。")
        raise Invalid(message, errors={"first_sitting_on": [message]})
    new = {
        "title": title.strip(),
        "expected_headcount": expected_headcount,
        "first_sitting_on": first_sitting_on,
    }
    if photos_waived is not None:
        new["photos_waived"] = bool(photos_waived)
    changed = {k: [str(getattr(plan, k)), str(v)] for k, v in new.items() if getattr(plan, k) != v}
    for key, value in new.items():
        setattr(plan, key, value)
    plan.version += 1
    plan.save()
    audit_record(actor=actor, action="plan.update", obj=plan, payload={"changed": changed})
    return plan


@transaction.atomic
def sitting_update(
    *, actor, sitting: Sitting, part: str, starts_at, ends_at, room: str, candidates_expected: int
) -> Sitting:
    plan = lock_plan(sitting.plan_id)
    require_operator(actor, plan, "sitting.update")
    require_status(plan, *SITTINGS_EDITABLE, message=str(NOT_EDITABLE_MESSAGE))
    sitting = Sitting.objects.get(pk=sitting.pk, plan=plan)
    _check_sitting(plan, part, starts_at, ends_at, room, candidates_expected)
    new = {
        "part": part,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "room": room.strip(),
        "candidates_expected": candidates_expected,
    }
    changed = {k: [str(getattr(sitting, k)), str(v)] for k, v in new.items() if getattr(sitting, k) != v}
    for key, value in new.items():
        setattr(sitting, key, value)
    sitting.save()
    audit_record(
        actor=actor, action="sitting.update", obj=plan, payload={"sitting": sitting.pk, "changed": changed}
    )
    return sitting


@transaction.atomic
def sitting_remove(*, actor, sitting: Sitting) -> None:
    plan = lock_plan(sitting.plan_id)
    require_operator(actor, plan, "sitting.remove")
    require_status(plan, *SITTINGS_EDITABLE, message=str(NOT_EDITABLE_MESSAGE))
    sitting = Sitting.objects.filter(pk=sitting.pk, plan=plan).first()
    if sitting is None:
        raise WrongState(_("该场次已删除。"))
    audit_record(
        actor=actor, action="sitting.remove", obj=plan, payload={"sitting": sitting.pk, "room": sitting.room}
    )
    sitting.delete()


@transaction.atomic
def sitting_add(
    *, actor, plan: EvaluationPlan, part: str, starts_at, ends_at, room: str, candidates_expected: int
) -> Sitting:
    plan = lock_plan(plan)
    require_operator(actor, plan, "sitting.add")
    require_status(plan, *SITTINGS_EDITABLE, message=str(NOT_EDITABLE_MESSAGE))
    _check_sitting(plan, part, starts_at, ends_at, room, candidates_expected)
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


@transaction.atomic
def plan_file(*, actor, plan: EvaluationPlan, today: datetime.date | None = None) -> EvaluationPlan:
    """报备: at least ``PLAN_FILING_WORKING_DAYS`` working days before the first sitting, with a sitting for
    every required assessment part."""
    today = today or timezone.localdate()
    plan = lock_plan(plan)
    require_status(plan, P.DRAFT, message=_("只有草稿计划可以报备。"))
    require_operator(actor, plan, "plan.file")
    ensure_in_scope(plan.body, plan.line, plan.first_sitting_on)
    problems = []
    lead_problem = schedule.first_sitting_problem(plan.first_sitting_on, today)
    if lead_problem:
        problems.append(lead_problem)
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
def plan_withdraw_filing(*, actor, plan: EvaluationPlan, reason: str) -> EvaluationPlan:
    """撤回备案: the body's operator takes a filed plan back to draft while the authority has not confirmed
    it (a confirmed plan can only be cancelled). The authority's waiting confirmation task is cancelled in the
    same transaction; filing the plan again brings it back to the authority."""
    plan = lock_plan(plan)
    require_transition(plan, plan.withdraw_filing, _("只有已报备、尚未确认的计划可以撤回备案。"))
    require_operator(actor, plan, "plan.withdraw")
    if not reason.strip():
        raise Invalid(_("请填写撤回理由。"), errors={"reason": [_("请填写撤回理由。")]})
    plan.withdraw_filing()
    save_transition(plan)
    audit_record(actor=actor, action="plan.withdraw", obj=plan, payload={"reason": reason})
    signals.plan_withdrawn.send(sender=EvaluationPlan, plan=plan, actor=actor, reason=reason)
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


def _operator_transition(
    actor, plan, transition_name: str, allowed: tuple, message: str, action: str, activity: str = ""
):
    plan = lock_plan(plan)
    require_status(plan, *allowed, message=message)
    require_operator(actor, plan, action)
    if activity:
        ensure_standing(plan.body, plan.line, activity)
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
        Activity.REGISTER,
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
def plan_start(*, actor, plan: EvaluationPlan, today: datetime.date | None = None) -> EvaluationPlan:
    """Start the evaluation on the day of the first sitting or later: every sitting fully staffed and
    supervised; eligible candidates scheduled."""
    plan = lock_plan(plan)
    require_status(plan, P.REGISTRATION_CLOSED, message=_("报名截止后才能开始考核。"))
    require_operator(actor, plan, "plan.start")
    schedule.require_may_start(plan, today)
    ensure_in_scope(plan.body, plan.line, plan.first_sitting_on, Activity.SIT)
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
