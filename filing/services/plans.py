"""Evaluation plans (认定计划): create inside the filed scope, add sittings, file with the authority in
advance, confirmation (a viewflow task), registration, staffing, start, scores, results, publicity,
submission and the authority's audit."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from filing import access, signals
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    AssessmentPart,
    BodyStatus,
    EvaluationBody,
    EvaluationPlan,
    Evaluator,
    FiledLine,
    FiledLineStatus,
    PartScore,
    PlanStatus,
    RecusalDeclaration,
    Registration,
    RegistrationStatus,
    Sitting,
    SittingStaff,
    StaffingRule,
    StaffRole,
)
from filing.roles import Role
from filing.services.common import deny_unless, save_transition
from filing.workdays import add_working_days, working_days_between

P = PlanStatus
R = RegistrationStatus
PASS_MARK = Decimal("60")


def _operator(actor, plan_or_body, action: str) -> None:
    body = plan_or_body if isinstance(plan_or_body, EvaluationBody) else plan_or_body.body
    deny_unless(
        access.acts_for(actor, body.organisation_id, Role.BODY_OPERATOR),
        actor=actor,
        action=action,
        obj=plan_or_body,
        message="只有本评价机构的考务人员可以办理。",
    )


def _municipal(actor, plan: EvaluationPlan, action: str) -> None:
    deny_unless(
        access.is_municipal_reviewer(actor) and not access.belongs_to(actor, plan.body.organisation_id),
        actor=actor,
        action=action,
        obj=plan,
        message="只有市职业技能鉴定中心可以办理。",
    )


def _lock(plan: EvaluationPlan) -> EvaluationPlan:
    return (
        EvaluationPlan.objects.select_for_update()
        .select_related("body__organisation", "line__offering__occupation")
        .get(pk=plan.pk)
    )


def _require(plan: EvaluationPlan, *statuses: str, message: str) -> None:
    if plan.status not in statuses:
        raise WrongState(message, status=plan.status)


def required_parts(plan: EvaluationPlan) -> list[str]:
    return list(plan.line.offering.parts or [])


def ensure_in_scope(body: EvaluationBody, line: FiledLine, on: datetime.date) -> None:
    """A body evaluates only inside its filed lines, while active (DOMAIN.md §4)."""
    problems = []
    if line.body_id != body.pk:
        problems.append("该备案项目不属于本机构。")
    if body.status != BodyStatus.ACTIVE:
        problems.append(f"评价机构当前状态为“{body.get_status_display()}”，不能组织认定。")
    if line.status != FiledLineStatus.ACTIVE:
        problems.append("该备案项目未生效或已暂停。")
    if line.effective_from > on:
        problems.append(f"该备案项目自{line.effective_from}起生效。")
    if problems:
        raise Invalid("超出备案范围。", errors={"line": problems})


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
    _operator(actor, body, "plan.create")
    body = EvaluationBody.objects.select_for_update().get(pk=body.pk)
    ensure_in_scope(body, line, first_sitting_on)
    if not title.strip() or expected_headcount < 1:
        raise Invalid("请填写计划名称和预计人数。", errors={"title": ["请填写计划名称和预计人数。"]})
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
    plan = _lock(plan)
    _operator(actor, plan, "sitting.add")
    _require(
        plan,
        P.DRAFT,
        P.CONFIRMED,
        P.REGISTRATION_OPEN,
        P.REGISTRATION_CLOSED,
        message="计划已开始或已报备，不能增加场次。",
    )
    errors = {}
    if part not in required_parts(plan):
        errors["part"] = ["该职业等级不需要此项考核。"]
    if ends_at <= starts_at:
        errors["ends_at"] = ["结束时间须晚于开始时间。"]
    if timezone.localtime(starts_at).date() < plan.first_sitting_on:
        errors["starts_at"] = [f"场次不能早于报备的首场考核日期{plan.first_sitting_on}。"]
    if not room.strip() or candidates_expected < 1:
        errors["room"] = ["请填写考场和人数。"]
    if errors:
        raise Invalid("场次信息不合法。", errors=errors)
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
    plan = _lock(plan)
    _require(plan, P.DRAFT, message="只有草稿计划可以报备。")
    _operator(actor, plan, "plan.file")
    ensure_in_scope(plan.body, plan.line, plan.first_sitting_on)
    lead = settings.FILING["PLAN_FILING_WORKING_DAYS"]
    problems = []
    if working_days_between(today, plan.first_sitting_on) < lead:
        problems.append(
            f"须在首场考核前至少{lead}个工作日报备（最迟{_latest_filing_day(plan.first_sitting_on, lead)}）。"
        )
    planned = set(plan.sittings.values_list("part", flat=True))
    missing = [AssessmentPart(p).label for p in required_parts(plan) if p not in planned]
    if missing:
        problems.append("缺少考核场次：" + "、".join(str(m) for m in missing) + "。")
    if problems:
        raise Invalid("计划不能报备。", errors={"__all__": problems})
    plan.file()
    plan.filed_at = timezone.now()
    save_transition(plan)
    audit_record(actor=actor, action="plan.file", obj=plan)
    signals.plan_filed.send(sender=EvaluationPlan, plan=plan, actor=actor)
    return plan


def _latest_filing_day(first: datetime.date, lead: int) -> str:
    day = first
    while working_days_between(day, first) < lead:
        day -= datetime.timedelta(days=1)
    return str(day)


@transaction.atomic
def plan_review(*, actor, plan: EvaluationPlan, approve: bool, comment: str) -> EvaluationPlan:
    """The authority confirms the filed plan or sends it back for changes (with a reason)."""
    plan = _lock(plan)
    _require(plan, P.FILED, message="该计划不在待确认状态。")
    _municipal(actor, plan, "plan.review")
    if not comment.strip():
        raise Invalid("请填写审核意见。", errors={"comment": ["请填写审核意见。"]})
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


def _simple(actor, plan, transition_name: str, allowed: tuple, message: str, action: str) -> EvaluationPlan:
    plan = _lock(plan)
    _require(plan, *allowed, message=message)
    _operator(actor, plan, action)
    getattr(plan, transition_name)()
    save_transition(plan)
    audit_record(actor=actor, action=action, obj=plan)
    return plan


@transaction.atomic
def plan_open_registration(*, actor, plan: EvaluationPlan) -> EvaluationPlan:
    return _simple(
        actor,
        plan,
        "open_registration",
        (P.CONFIRMED,),
        "计划经确认后才能开放报名。",
        "plan.open_registration",
    )


@transaction.atomic
def plan_close_registration(*, actor, plan: EvaluationPlan) -> EvaluationPlan:
    return _simple(
        actor, plan, "close_registration", (P.REGISTRATION_OPEN,), "报名未开放。", "plan.close_registration"
    )


@transaction.atomic
def plan_cancel(*, actor, plan: EvaluationPlan, reason: str) -> EvaluationPlan:
    plan = _lock(plan)
    if plan.status not in (P.DRAFT, P.FILED, P.CONFIRMED, P.REGISTRATION_OPEN, P.REGISTRATION_CLOSED):
        raise WrongState("考核开始后不能取消计划。")
    _operator(actor, plan, "plan.cancel")
    if not reason.strip():
        raise Invalid("请填写取消理由。", errors={"reason": ["请填写取消理由。"]})
    plan.cancel(reason)
    save_transition(plan)
    audit_record(actor=actor, action="plan.cancel", obj=plan, payload={"reason": reason})
    signals.plan_cancelled.send(sender=EvaluationPlan, plan=plan, actor=actor)
    return plan


@transaction.atomic
def staff_assign(*, actor, sitting: Sitting, evaluator: Evaluator, role: str) -> SittingStaff:
    plan = _lock(sitting.plan)
    _operator(actor, plan, "staff.assign")
    if plan.status in (P.IN_PROGRESS, P.SCORING) or plan.status not in (
        P.DRAFT,
        P.FILED,
        P.CONFIRMED,
        P.REGISTRATION_OPEN,
        P.REGISTRATION_CLOSED,
    ):
        raise WrongState("考核开始后不能调整考务人员。")
    if role not in StaffRole.values:
        raise Invalid("未知的人员类别。", errors={"role": ["未知的人员类别。"]})
    if role == StaffRole.SUPERVISOR and not evaluator.is_supervisor:
        raise Invalid("该人员没有督导员资格。", errors={"evaluator": ["该人员没有督导员资格。"]})
    conflicts = recusal_conflicts(plan, evaluator)
    if conflicts:
        raise Invalid("该人员须回避。", errors={"evaluator": [f"与考生{c}存在回避关系。" for c in conflicts]})
    if SittingStaff.objects.filter(sitting=sitting, evaluator=evaluator).exists():
        raise Invalid("该人员已在本场次。", errors={"evaluator": ["该人员已在本场次。"]})
    staff = SittingStaff.objects.create(sitting=sitting, evaluator=evaluator, role=role)
    audit_record(actor=actor, action="staff.assign", obj=plan, payload={"sitting": sitting.pk, "role": role})
    return staff


def recusal_conflicts(plan: EvaluationPlan, evaluator: Evaluator) -> list[str]:
    declared = RecusalDeclaration.objects.filter(
        evaluator=evaluator, candidate__registrations__plan=plan
    ).select_related("candidate")
    return sorted({f"{d.candidate.name}（{d.get_relation_display()}）" for d in declared})


def staffing_problems(sitting: Sitting) -> list[str]:
    """What stops the sitting from starting: ratios, odd panels, a supervisor, recusals."""
    problems = []
    staff = list(sitting.staff.select_related("evaluator"))
    for rule in StaffingRule.objects.filter(part=sitting.part):
        have = sum(1 for s in staff if s.role == rule.role)
        need = rule.required_for(sitting.candidates_expected)
        if have < need:
            problems.append(f"{sitting}：{rule.get_role_display()}需{need}人，现有{have}人。")
        elif rule.odd and have % 2 == 0:
            problems.append(f"{sitting}：{rule.get_role_display()}人数须为单数，现有{have}人。")
    for s in staff:
        conflicts = recusal_conflicts(sitting.plan, s.evaluator)
        if conflicts:
            problems.append(f"{sitting}：{s.evaluator.name}须回避（{'、'.join(conflicts)}）。")
    return problems


@transaction.atomic
def plan_start(*, actor, plan: EvaluationPlan) -> EvaluationPlan:
    """Start the evaluation: every sitting fully staffed and supervised; eligible candidates scheduled."""
    plan = _lock(plan)
    _require(plan, P.REGISTRATION_CLOSED, message="报名截止后才能开始考核。")
    _operator(actor, plan, "plan.start")
    ensure_in_scope(plan.body, plan.line, plan.first_sitting_on)
    problems = [p for sitting in plan.sittings.all() for p in staffing_problems(sitting)]
    if not plan.registrations.filter(status=R.ELIGIBLE).exists():
        problems.append("没有资格审核通过的考生。")
    if problems:
        raise Invalid("考核不能开始。", errors={"__all__": problems})
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
    return _simple(actor, plan, "finish_sittings", (P.IN_PROGRESS,), "考核尚未开始。", "plan.finish_sittings")


def _parse_score(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value)).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise Invalid("成绩应为数字。", errors={"score": ["成绩应为0至100的数字。"]}) from None
    if not Decimal(0) <= score <= Decimal(100):
        raise Invalid("成绩超出范围。", errors={"score": ["成绩应为0至100的数字。"]})
    return score


@transaction.atomic
def score_enter(
    *,
    actor,
    registration: Registration,
    part: str,
    score=None,
    absent: bool = False,
    disqualified: bool = False,
) -> PartScore:
    """One part's score (or absent / disqualified) while the plan is in scoring."""
    plan = _lock(registration.plan)
    _require(plan, P.SCORING, message="计划不在成绩录入阶段。")
    _operator(actor, plan, "score.enter")
    registration = Registration.objects.select_for_update().get(pk=registration.pk, plan=plan)
    if registration.status not in (R.SCHEDULED, R.ASSESSED, R.PASSED, R.FAILED, R.ABSENT, R.DISQUALIFIED):
        raise WrongState("该考生未参加本计划考核。")
    if part not in required_parts(plan):
        raise Invalid("该职业等级不需要此项考核。", errors={"part": ["该职业等级不需要此项考核。"]})
    value = _parse_score(score)
    if value is None and not (absent or disqualified):
        raise Invalid("请填写成绩，或标记缺考/违纪。", errors={"score": ["请填写成绩，或标记缺考/违纪。"]})
    part_score, _ = PartScore.objects.update_or_create(
        registration=registration,
        part=part,
        defaults={
            "score": None if (absent or disqualified) else value,
            "absent": absent,
            "disqualified": disqualified,
            "entered_by": actor,
        },
    )
    audit_record(
        actor=actor,
        action="score.enter",
        obj=registration,
        payload={
            "part": part,
            "score": str(value) if value is not None else "",
            "absent": absent,
            "disqualified": disqualified,
        },
    )
    return part_score


def outcome_for(parts: list[str], scores: dict[str, PartScore]) -> str | None:
    """Pass only when every required part reaches the pass mark; no compensation between parts."""
    if any(s.disqualified for s in scores.values()):
        return R.DISQUALIFIED
    if any(p not in scores for p in parts):
        return None
    if any(scores[p].absent for p in parts):
        return R.ABSENT
    return (
        R.PASSED
        if all(scores[p].score is not None and scores[p].score >= PASS_MARK for p in parts)
        else R.FAILED
    )


@transaction.atomic
def plan_publish_results(
    *, actor, plan: EvaluationPlan, today: datetime.date | None = None
) -> EvaluationPlan:
    """Compute every outcome and publish them (masked) for ``RESULTS_PUBLICITY_WORKING_DAYS``."""
    today = today or timezone.localdate()
    plan = _lock(plan)
    _require(plan, P.SCORING, message="计划不在成绩录入阶段。")
    _operator(actor, plan, "plan.publish_results")
    parts = required_parts(plan)
    registrations = list(
        plan.registrations.filter(status__in=[R.SCHEDULED, R.ASSESSED]).prefetch_related("scores")
    )
    missing = []
    for registration in registrations:
        scores = {s.part: s for s in registration.scores.all()}
        outcome = outcome_for(parts, scores)
        if outcome is None:
            missing.append(
                f"第{registration.row_number or registration.pk}行考生{registration.candidate.name}缺少成绩"
            )
            continue
        if registration.status == R.SCHEDULED:
            if outcome in (R.ABSENT, R.DISQUALIFIED):
                (registration.mark_absent if outcome == R.ABSENT else registration.disqualify)()
                registration.save()
                continue
            registration.assess()
        {
            R.PASSED: registration.mark_passed,
            R.FAILED: registration.mark_failed,
            R.ABSENT: registration.mark_absent,
            R.DISQUALIFIED: registration.disqualify,
        }[outcome]()
        registration.save()
    if missing:
        raise Invalid("成绩不完整。", errors={"__all__": missing[:50]})
    plan.publish_results(add_working_days(today, settings.FILING["RESULTS_PUBLICITY_WORKING_DAYS"]))
    save_transition(plan)
    audit_record(
        actor=actor,
        action="plan.publish_results",
        obj=plan,
        payload={"ends_on": str(plan.results_publicity_ends_on)},
    )
    signals.results_published.send(
        sender=EvaluationPlan, plan=plan, actor=actor, ends_on=plan.results_publicity_ends_on
    )
    return plan


@transaction.atomic
def plan_submit_results(*, actor, plan: EvaluationPlan, today: datetime.date | None = None) -> EvaluationPlan:
    today = today or timezone.localdate()
    plan = _lock(plan)
    _require(plan, P.RESULTS_PUBLICITY, message="结果尚未公示。")
    _operator(actor, plan, "plan.submit_results")
    if today <= plan.results_publicity_ends_on:
        raise WrongState(f"结果公示至{plan.results_publicity_ends_on}，期满后才能报送。")
    plan.submit_results()
    save_transition(plan)
    audit_record(actor=actor, action="plan.submit_results", obj=plan)
    signals.results_submitted.send(sender=EvaluationPlan, plan=plan, actor=actor)
    return plan


@transaction.atomic
def plan_audit_results(*, actor, plan: EvaluationPlan, approve: bool, comment: str) -> EvaluationPlan:
    """The authority's audit: confirmed results are what certificates are issued from."""
    plan = _lock(plan)
    _require(plan, P.RESULTS_SUBMITTED, message="结果未报送或已审核。")
    _municipal(actor, plan, "plan.audit_results")
    if not comment.strip():
        raise Invalid("请填写审核意见。", errors={"comment": ["请填写审核意见。"]})
    if approve:
        plan.confirm_results(actor)
    else:
        plan.return_results()
        for registration in plan.registrations.filter(
            status__in=[R.PASSED, R.FAILED, R.ABSENT, R.DISQUALIFIED]
        ):
            registration.reopen_result()
            registration.save()
    save_transition(plan)
    audit_record(
        actor=actor,
        action="plan.results_confirm" if approve else "plan.results_return",
        obj=plan,
        payload={"comment": comment},
    )
    (signals.results_confirmed if approve else signals.results_returned).send(
        sender=EvaluationPlan, plan=plan, actor=actor, comment=comment
    )
    return plan


def reveal_document_number(*, actor, registration: Registration) -> str:
    """The clear number, for a permitted role only, with an audit entry (personal-data access log)."""
    from filing import pii

    allowed = actor.has_perm("filing.view_full_id_number") or access.acts_for(
        actor, registration.plan.body.organisation_id, Role.BODY_OPERATOR
    )
    deny_unless(allowed, actor=actor, action="pii.reveal", obj=registration, message="无权查看完整证件号码。")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="pii.reveal",
            obj=registration.candidate,
            payload={"registration": registration.pk, "masked": registration.candidate.document_masked},
        )
    return pii.decrypt(registration.candidate.document_encrypted)
