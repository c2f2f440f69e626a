"""The authority's side: acceptance and reviews, correction requests, the expert panel and scores, the
per-line decision, publicity and objections, filing (creating or extending the evaluation body), lapses,
and the one clock extension.

Four-eyes: nobody decides two different steps of the same application, and nobody reviews an application
of an organisation they belong to.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from filing import access, signals
from filing.audit import audit_record
from filing.clock import clock_switch
from filing.errors import Conflict, Invalid, WrongState
from filing.models import (
    ApplicationKind,
    ApplicationStatus,
    AttachmentKind,
    BodySerialCounter,
    ClockPeriod,
    Correction,
    EvaluationBody,
    ExpertAssignment,
    ExpertScore,
    FiledLine,
    FiledLineStatus,
    FilingApplication,
    FilingLine,
    Membership,
    Objection,
    ReviewDecision,
    ReviewOutcome,
    ReviewStep,
)
from filing.roles import Role
from filing.services.common import deny_unless, require_transition, save_transition
from filing.workdays import add_working_days

S = ApplicationStatus
STEP_STATUS = {
    ReviewStep.DISTRICT_ACCEPT: S.SUBMITTED,
    ReviewStep.DISTRICT_REVIEW: S.DISTRICT_REVIEW,
    ReviewStep.MUNICIPAL_REVIEW: S.MUNICIPAL_REVIEW,
}
DISTRICT_STEPS = frozenset({ReviewStep.DISTRICT_ACCEPT, ReviewStep.DISTRICT_REVIEW})
CORRECTION_FIELDS = {"summary": "申请说明", "contact_name": "联系人", "contact_phone": "联系电话"}
MIN_PANEL = 3


def _lock(application: FilingApplication) -> FilingApplication:
    return FilingApplication.objects.select_for_update().select_related("organisation").get(pk=application.pk)


def _check_reviewer(actor, application: FilingApplication, step: str, action: str) -> None:
    if step in DISTRICT_STEPS:
        allowed = access.reviews_district_of(actor, application)
        message = "只有申报单位所在区的人社局审核人员可以办理。"
    else:
        allowed = access.is_municipal_reviewer(actor)
        message = "只有市职业技能鉴定中心审核人员可以办理。"
    deny_unless(allowed, actor=actor, action=action, obj=application, message=message)
    deny_unless(
        not access.belongs_to(actor, application.organisation_id),
        actor=actor,
        action=action,
        obj=application,
        message="不能审核本人所在单位的申请（回避）。",
    )
    other_steps = ReviewDecision.objects.filter(application=application, actor=actor).exclude(step=step)
    deny_unless(
        not other_steps.exists(),
        actor=actor,
        action=action,
        obj=application,
        message="同一申请的不同审批环节须由不同人员办理（双人原则）。",
    )


def may_decide(actor, application: FilingApplication, step: str) -> bool:
    """For pages: whether ``actor`` could decide ``step`` (scope, recusal, four-eyes)."""
    from filing.errors import Denied

    try:
        _check_reviewer(actor, application, step, "")
    except Denied:
        return False
    return True


def snapshot(application: FilingApplication) -> dict:
    """What the applicant submitted, to show reviewers what changed after a correction."""
    return {
        "fields": {name: getattr(application, name) for name in CORRECTION_FIELDS},
        "lines": {
            str(line.pk): {
                "offering": str(line.offering),
                "venue": line.venue,
                "equipment": line.equipment,
                "evaluator_pool": line.evaluator_pool,
                "majors": sorted(str(m) for m in line.majors.all()),
            }
            for line in application.lines.prefetch_related("majors").select_related(
                "offering__occupation", "offering__work_type"
            )
        },
        "attachments": {
            a.kind: {"name": a.original_name, "sha256": a.sha256}
            for a in application.attachments.filter(superseded_at__isnull=True)
        },
    }


def changes_since(correction: Correction) -> list[dict]:
    """Differences between the snapshot at return and the application now: [{"item", "before", "after"}]."""
    now = snapshot(correction.application)
    before = correction.snapshot or {}
    out = []
    for name, label in CORRECTION_FIELDS.items():
        a, b = before.get("fields", {}).get(name), now["fields"].get(name)
        if a != b:
            out.append({"item": label, "before": a, "after": b})
    old_lines, new_lines = before.get("lines", {}), now["lines"]
    for key in sorted(set(old_lines) | set(new_lines)):
        a, b = old_lines.get(key), new_lines.get(key)
        if a != b:
            label = (b or a)["offering"]
            out.append({"item": f"备案项目：{label}", "before": a, "after": b})
    old_files, new_files = before.get("attachments", {}), now["attachments"]
    for kind in sorted(set(old_files) | set(new_files)):
        a, b = old_files.get(kind), new_files.get(kind)
        if a != b:
            out.append(
                {
                    "item": f"材料：{AttachmentKind(kind).label}",
                    "before": a and a["name"],
                    "after": b and b["name"],
                }
            )
    return out


def _validate_items(application: FilingApplication, items: list[dict]) -> list[dict]:
    valid_lines = {str(pk) for pk in application.lines.values_list("pk", flat=True)} | {"new"}
    clean = []
    for item in items:
        kind, key = item.get("kind"), str(item.get("key", ""))
        ok = (
            (kind == "field" and key in CORRECTION_FIELDS)
            or (kind == "line" and key in valid_lines)
            or (kind == "attachment" and key in AttachmentKind.values)
        )
        if not ok:
            raise Invalid("补正事项不合法。", errors={"items": [f"无法识别的补正事项：{kind}/{key}"]})
        clean.append({"kind": kind, "key": key, "label": item.get("label", ""), "note": item.get("note", "")})
    if not clean:
        raise Invalid("请勾选需补正的事项。", errors={"items": ["请至少勾选一项需补正的内容。"]})
    return clean


@transaction.atomic
def review_decide(
    *,
    actor,
    application: FilingApplication,
    step: str,
    outcome: str,
    comment: str,
    correction_items: list[dict] | None = None,
    correction_deadline: datetime.date | None = None,
    today: datetime.date | None = None,
) -> ReviewDecision:
    """Decide an acceptance or review step: approve (pass to the next step), return for correction with one
    consolidated deficiency list and a deadline, or reject. A comment (审批意见) is always required."""
    today = today or timezone.localdate()
    application = _lock(application)
    if step not in STEP_STATUS:
        raise Invalid("未知的审批环节。", errors={"step": ["未知的审批环节。"]})
    if application.status != STEP_STATUS[step]:
        raise WrongState("申请当前不在该审批环节，可能已被他人处理。", status=application.status)
    if outcome not in ReviewOutcome.values:
        raise Invalid("请选择审批结论。", errors={"outcome": ["请选择通过、退回补正或不予通过。"]})
    _check_reviewer(actor, application, step, f"review.{step}")
    if not comment.strip():
        raise Invalid("请填写审批意见。", errors={"comment": ["审批意见不能为空。"]})

    correction = None
    if outcome == ReviewOutcome.APPROVE:
        if step == ReviewStep.DISTRICT_ACCEPT:
            application.accept(today)
            clock_switch(application, ClockPeriod.Kind.REVIEW, today)
        elif step == ReviewStep.DISTRICT_REVIEW:
            application.pass_district_review()
        else:
            application.pass_municipal_review()
    elif outcome == ReviewOutcome.RETURN:
        items = _validate_items(application, correction_items or [])
        if correction_deadline is None or correction_deadline <= today:
            raise Invalid("请设定补正期限。", errors={"correction_deadline": ["补正期限须晚于今天。"]})
        application.return_for_correction()
        correction = Correction.objects.create(
            application=application,
            round=application.corrections.count() + 1,
            step=step,
            requested_by=actor,
            deadline=correction_deadline,
            comment=comment,
            items=items,
            snapshot=snapshot(application),
        )
        clock_switch(application, ClockPeriod.Kind.CORRECTION, today)
    else:
        application.reject()
        application.closed_at = timezone.now()
        application.closing_reason = comment
        clock_switch(application, None, today)
    save_transition(application)
    decision = ReviewDecision.objects.create(
        application=application, step=step, outcome=outcome, comment=comment, actor=actor
    )
    audit_record(
        actor=actor,
        action=f"review.{step}.{outcome}",
        obj=application,
        payload={"comment": comment, "status": application.status},
    )
    kwargs = {"sender": FilingApplication, "application": application, "actor": actor}
    if outcome == ReviewOutcome.APPROVE:
        signal = (
            signals.application_accepted
            if step == ReviewStep.DISTRICT_ACCEPT
            else signals.application_review_passed
        )
        signal.send(decision=decision, **kwargs)
    elif outcome == ReviewOutcome.RETURN:
        signals.application_returned.send(correction=correction, **kwargs)
    else:
        signals.application_rejected.send(reason=comment, **kwargs)
    return decision


def _experts(user_ids) -> dict:
    User = get_user_model()
    expert_ids = set(
        Membership.objects.filter(role=Role.EXPERT, is_active=True, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    return {u.pk: u for u in User.objects.filter(pk__in=expert_ids, is_active=True)}


@transaction.atomic
def panel_assign(
    *, actor, application: FilingApplication, experts: list, today=None
) -> list[ExpertAssignment]:
    """Name the expert panel: at least three, an odd number, experts by role, none from the applicant."""
    application = _lock(application)
    if application.status != S.EXPERT_ASSESSMENT or application.experts.exists():
        raise WrongState("该申请不在待组织专家评审阶段。")
    deny_unless(
        access.is_municipal_reviewer(actor) and not access.belongs_to(actor, application.organisation_id),
        actor=actor,
        action="panel.assign",
        obj=application,
        message="只有市职业技能鉴定中心可以组织专家评审。",
    )
    ids = list(dict.fromkeys(getattr(e, "pk", e) for e in experts))
    found = _experts(ids)
    errors = []
    if len(ids) < MIN_PANEL or len(ids) % 2 == 0:
        errors.append("专家组人数须为不少于3人的单数。")
    if set(ids) - set(found):
        errors.append("所选人员不是在册评审专家。")
    if any(access.belongs_to(found[i], application.organisation_id) for i in found):
        errors.append("专家不能来自申报单位。")
    if errors:
        raise Invalid("专家组不合法。", errors={"experts": errors})
    assignments = [ExpertAssignment.objects.create(application=application, expert=found[i]) for i in ids]
    clock_switch(application, ClockPeriod.Kind.EXPERT, today)
    audit_record(
        actor=actor,
        action="panel.assign",
        obj=application,
        payload={"experts": [found[i].get_username() for i in ids]},
    )
    signals.expert_panel_assigned.send(
        sender=FilingApplication, application=application, actor=actor, assignments=assignments
    )
    return assignments


def _replacement_for(application: FilingApplication):
    taken = set(application.experts.values_list("expert_id", flat=True))
    candidates = (
        Membership.objects.filter(role=Role.EXPERT, is_active=True, user__is_active=True)
        .exclude(user_id__in=taken)
        .select_related("user")
        .order_by("user_id")
    )
    for membership in candidates:
        if not access.belongs_to(membership.user, application.organisation_id):
            return membership.user
    return None


@transaction.atomic
def expert_declare_conflict(*, actor, assignment: ExpertAssignment, reason: str) -> ExpertAssignment:
    """The expert recuses; the next available expert takes the seat."""
    assignment = ExpertAssignment.objects.select_for_update().get(pk=assignment.pk)
    application = _lock(assignment.application)
    deny_unless(
        assignment.expert_id == actor.pk,
        actor=actor,
        action="expert.conflict",
        obj=application,
        message="只能为本人的评审任务申报回避。",
    )
    if assignment.state != ExpertAssignment.State.ASSIGNED or application.status != S.EXPERT_ASSESSMENT:
        raise WrongState("该评审任务已完成或已回避。")
    if not reason.strip():
        raise Invalid("请说明回避理由。", errors={"reason": ["请说明回避理由。"]})
    replacement_user = _replacement_for(application)
    if replacement_user is None:
        raise Conflict("暂无可替换的评审专家，请联系市职业技能鉴定中心。")
    assignment.state = ExpertAssignment.State.CONFLICT
    assignment.conflict_reason = reason
    assignment.finished_at = timezone.now()
    assignment.save(update_fields=["state", "conflict_reason", "finished_at"])
    replacement = ExpertAssignment.objects.create(
        application=application, expert=replacement_user, replaces=assignment
    )
    audit_record(
        actor=actor,
        action="expert.conflict",
        obj=application,
        payload={"reason": reason, "replacement": replacement_user.get_username()},
    )
    signals.expert_replaced.send(
        sender=FilingApplication,
        application=application,
        actor=actor,
        assignment=assignment,
        replacement=replacement,
    )
    return replacement


@transaction.atomic
def expert_score(*, actor, assignment: ExpertAssignment, scores: dict, today=None) -> ExpertAssignment:
    """Score every line: ``scores = {line_id: {"score": 0..100, "recommendation": ..., "comment": ...}}``.
    When the last expert has scored, the application moves on to the decision."""
    assignment = ExpertAssignment.objects.select_for_update().get(pk=assignment.pk)
    application = _lock(assignment.application)
    deny_unless(
        assignment.expert_id == actor.pk,
        actor=actor,
        action="expert.score",
        obj=application,
        message="只能提交本人的评分。",
    )
    if assignment.state != ExpertAssignment.State.ASSIGNED or application.status != S.EXPERT_ASSESSMENT:
        raise WrongState("该评审任务已完成或已回避。")
    lines = {line.pk: line for line in application.lines.all()}
    errors: dict[str, list[str]] = {}
    rows = []
    for line_id, line in lines.items():
        entry = scores.get(line_id) or scores.get(str(line_id))
        if not entry:
            errors[f"line_{line_id}"] = ["请为每个备案项目评分。"]
            continue
        try:
            value = int(entry.get("score"))
        except (TypeError, ValueError):
            value = -1
        if not 0 <= value <= 100:
            errors[f"line_{line_id}"] = ["评分应为0至100的整数。"]
            continue
        recommendation = entry.get("recommendation")
        if recommendation not in ExpertScore.Recommendation.values:
            errors[f"line_{line_id}"] = ["请选择评审意见。"]
            continue
        rows.append(
            ExpertScore(
                assignment=assignment,
                line=line,
                score=value,
                recommendation=recommendation,
                comment=entry.get("comment", ""),
            )
        )
    if errors:
        raise Invalid("评分不完整。", errors=errors)
    ExpertScore.objects.bulk_create(rows)
    assignment.state = ExpertAssignment.State.SCORED
    assignment.finished_at = timezone.now()
    assignment.save(update_fields=["state", "finished_at"])
    audit_record(
        actor=actor,
        action="expert.score",
        obj=application,
        payload={"scores": {str(r.line_id): r.score for r in rows}},
    )
    if not application.experts.filter(state=ExpertAssignment.State.ASSIGNED).exists():
        application.finish_expert_assessment()
        save_transition(application)
        clock_switch(application, ClockPeriod.Kind.REVIEW, today)
        audit_record(action="application.experts_done", obj=application)
    signals.expert_scored.send(
        sender=FilingApplication, application=application, actor=actor, assignment=assignment
    )
    return assignment


def score_summary(application: FilingApplication) -> dict[int, dict]:
    """Per line: mean score and recommendation counts of the experts who scored."""
    summary: dict[int, dict] = {}
    for score in ExpertScore.objects.filter(assignment__application=application).select_related("assignment"):
        row = summary.setdefault(score.line_id, {"scores": [], "approve": 0, "reject": 0})
        row["scores"].append(score.score)
        row[score.recommendation] += 1
    for row in summary.values():
        row["mean"] = round(sum(row["scores"]) / len(row["scores"]), 1) if row["scores"] else None
    return summary


@transaction.atomic
def application_decide(
    *,
    actor,
    application: FilingApplication,
    line_decisions: dict,
    comment: str,
    today=None,
) -> ReviewDecision:
    """Decide each line (approve / reject with a reason). Any approved line starts publicity for
    ``PUBLICITY_WORKING_DAYS``; none approved rejects the application."""
    today = today or timezone.localdate()
    application = _lock(application)
    if application.status != S.DECISION:
        raise WrongState("申请当前不在审批决定阶段。", status=application.status)
    _check_reviewer(actor, application, ReviewStep.DECISION, "review.decision")
    if not comment.strip():
        raise Invalid("请填写审批意见。", errors={"comment": ["审批意见不能为空。"]})
    lines = list(application.lines.all())
    errors: dict[str, list[str]] = {}
    for line in lines:
        entry = line_decisions.get(line.pk) or line_decisions.get(str(line.pk))
        if not entry or entry.get("decision") not in (
            FilingLine.Decision.APPROVED,
            FilingLine.Decision.REJECTED,
        ):
            errors[f"line_{line.pk}"] = ["请对每个备案项目作出决定。"]
        elif entry["decision"] == FilingLine.Decision.REJECTED and not entry.get("reason", "").strip():
            errors[f"line_{line.pk}"] = ["不予备案须说明理由。"]
    if errors:
        raise Invalid("决定不完整。", errors=errors)
    approved, rejected = [], []
    for line in lines:
        entry = line_decisions.get(line.pk) or line_decisions.get(str(line.pk))
        line.decision = entry["decision"]
        line.decision_reason = entry.get("reason", "")
        (approved if line.decision == FilingLine.Decision.APPROVED else rejected).append(line)
    FilingLine.objects.bulk_update(lines, ["decision", "decision_reason"])
    application.decided_at = timezone.now()
    if approved or application.kind == ApplicationKind.CHANGE:
        days = settings.FILING["PUBLICITY_WORKING_DAYS"]
        application.start_publicity(today, add_working_days(today, days))
        clock_switch(application, ClockPeriod.Kind.PUBLICITY, today)
        outcome = ReviewOutcome.APPROVE
    else:
        application.reject()
        application.closed_at = timezone.now()
        application.closing_reason = comment
        clock_switch(application, None, today)
        outcome = ReviewOutcome.REJECT
    save_transition(application)
    decision = ReviewDecision.objects.create(
        application=application, step=ReviewStep.DECISION, outcome=outcome, comment=comment, actor=actor
    )
    audit_record(
        actor=actor,
        action="review.decision",
        obj=application,
        payload={
            "approved": [str(x) for x in approved],
            "rejected": [str(x) for x in rejected],
            "comment": comment,
        },
    )
    signals.application_decided.send(
        sender=FilingApplication,
        application=application,
        actor=actor,
        decision=decision,
        approved_lines=approved,
        rejected_lines=rejected,
    )
    if application.status == S.PUBLICITY:
        signals.publicity_started.send(
            sender=FilingApplication,
            application=application,
            starts_on=application.publicity_starts_on,
            ends_on=application.publicity_ends_on,
        )
    else:
        signals.application_rejected.send(
            sender=FilingApplication, application=application, actor=actor, reason=comment
        )
    return decision


@transaction.atomic
def objection_file(*, application: FilingApplication, name: str, contact: str, text: str) -> Objection:
    """Anyone may object in writing while the application is under publicity."""
    application = _lock(application)
    if application.status != S.PUBLICITY:
        raise WrongState("该申请不在公示期内。")
    errors = {}
    for field, value, limit in (("name", name, 60), ("contact", contact, 60), ("text", text, 5000)):
        if not value.strip():
            errors[field] = ["此项为必填项。"]
        elif len(value) > limit:
            errors[field] = [f"不能超过{limit}个字符。"]
    if errors:
        raise Invalid("异议信息不完整。", errors=errors)
    objection = Objection.objects.create(application=application, name=name, contact=contact, text=text)
    audit_record(action="objection.file", obj=objection, payload={"application": application.pk})
    signals.objection_filed.send(sender=FilingApplication, application=application, objection=objection)
    return objection


@transaction.atomic
def objection_decide(*, actor, objection: Objection, upheld: bool, reason: str) -> Objection:
    """An upheld objection sends the application back to the decision; a dismissed one lets publicity run."""
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    application = _lock(objection.application)
    if objection.state != Objection.State.PENDING:
        raise WrongState("该异议已处理。")
    deny_unless(
        access.is_municipal_reviewer(actor) and not access.belongs_to(actor, application.organisation_id),
        actor=actor,
        action="objection.decide",
        obj=application,
        message="只有市职业技能鉴定中心可以处理异议。",
    )
    if not reason.strip():
        raise Invalid("请填写处理意见。", errors={"reason": ["请填写处理意见。"]})
    objection.state = Objection.State.UPHELD if upheld else Objection.State.DISMISSED
    objection.decided_by, objection.decided_at, objection.decision_reason = actor, timezone.now(), reason
    objection.save()
    if upheld:
        if application.status != S.PUBLICITY:
            raise WrongState("公示已结束。")
        application.reopen_decision()
        save_transition(application)
        FilingLine.objects.filter(application=application).update(decision=FilingLine.Decision.PENDING)
        clock_switch(application, ClockPeriod.Kind.REVIEW)
    audit_record(
        actor=actor,
        action=f"objection.{'uphold' if upheld else 'dismiss'}",
        obj=application,
        payload={"objection": objection.pk, "reason": reason},
    )
    signals.objection_decided.send(
        sender=FilingApplication, application=application, objection=objection, actor=actor
    )
    return objection


def _allocate_body_serial(province: str) -> str:
    counter, _ = BodySerialCounter.objects.select_for_update().get_or_create(province_code=province)
    # get_or_create may have inserted without the lock on a brand-new province; lock it now.
    counter = BodySerialCounter.objects.select_for_update().get(pk=counter.pk)
    serial = counter.next_serial
    if serial > 999_999:
        raise Conflict("本省评价机构序号已用尽。")
    counter.next_serial = serial + 1
    counter.save(update_fields=["next_serial"])
    return f"{serial:06d}"


@transaction.atomic
def publicity_close(*, application: FilingApplication, today: datetime.date | None = None):
    """Called by the periodic timer: once publicity has ended with no pending or upheld objection, file the
    application — create or extend the evaluation body with the approved lines. Returns the body, or None
    when the application is not (yet) due."""
    today = today or timezone.localdate()
    application = _lock(application)
    if application.status != S.PUBLICITY or application.publicity_ends_on is None:
        return None
    if today <= application.publicity_ends_on:
        return None
    if application.objections.filter(state=Objection.State.PENDING).exists():
        return None
    org = application.organisation
    body = (
        EvaluationBody.objects.select_for_update()
        .filter(organisation=org, category=application.body_category)
        .first()
    )
    if body is None:
        body = EvaluationBody.objects.create(
            organisation=org,
            category=application.body_category,
            province_code=settings.FILING["PROVINCE_CODE"],
            serial=_allocate_body_serial(settings.FILING["PROVINCE_CODE"]),
            name=org.name,
            filed_on=today,
        )
    elif application.kind == ApplicationKind.CHANGE:
        body.name = org.name
        body.save(update_fields=["name"])
    for line in application.lines.filter(decision=FilingLine.Decision.APPROVED):
        FiledLine.objects.update_or_create(
            body=body,
            offering=line.offering,
            defaults={"application": application, "effective_from": today, "status": FiledLineStatus.ACTIVE},
        )
    application.file()
    application.body = body
    application.closed_at = timezone.now()
    save_transition(application)
    clock_switch(application, None, today)
    audit_record(action="application.file", obj=application, payload={"body": body.code})
    signals.application_filed.send(sender=FilingApplication, application=application, body=body)
    return body


@transaction.atomic
def correction_lapse(*, application: FilingApplication, today: datetime.date | None = None) -> bool:
    """Called by the periodic timer: a correction whose deadline passed unanswered lapses the application."""
    today = today or timezone.localdate()
    application = _lock(application)
    if application.status != S.RETURNED:
        return False
    correction = application.corrections.filter(state=Correction.State.OPEN).order_by("-round").first()
    if correction is None or correction.deadline >= today:
        return False
    require_transition(application, application.lapse, "该申请不在补正阶段。")
    application.lapse()
    application.closed_at = timezone.now()
    application.closing_reason = f"未在补正期限（{correction.deadline}）内补正。"
    save_transition(application)
    correction.state = Correction.State.LAPSED
    correction.save(update_fields=["state"])
    clock_switch(application, None, today)
    audit_record(action="application.lapse", obj=application, payload={"deadline": str(correction.deadline)})
    signals.application_lapsed.send(sender=FilingApplication, application=application, correction=correction)
    return True


@transaction.atomic
def clock_extend(*, actor, application: FilingApplication, reason: str) -> FilingApplication:
    """One extension of the statutory limit (+10 working days), approved by a municipal unit lead."""
    application = _lock(application)
    if application.is_final or application.status == S.DRAFT:
        raise WrongState("该申请不在办理中。")
    if application.extension_granted_by_id:
        raise WrongState("办理时限只能延长一次。")
    deny_unless(
        access.is_unit_lead(actor, Role.MUNICIPAL_REVIEWER),
        actor=actor,
        action="clock.extend",
        obj=application,
        message="延长办理时限须经市职业技能鉴定中心负责人批准。",
    )
    if not reason.strip():
        raise Invalid("请填写延期理由。", errors={"reason": ["请填写延期理由。"]})
    application.extension_granted_by = actor
    application.extension_reason = reason
    application.save(update_fields=["extension_granted_by", "extension_reason"])
    audit_record(actor=actor, action="clock.extend", obj=application, payload={"reason": reason})
    signals.clock_extended.send(sender=FilingApplication, application=application, actor=actor)
    return application


def close_ended_publicity(today: datetime.date | None = None) -> list[int]:
    """The publicity timer's sweep: file every application whose publicity has ended."""
    today = today or timezone.localdate()
    filed = []
    due = FilingApplication.objects.filter(status=S.PUBLICITY, publicity_ends_on__lt=today).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        if publicity_close(application=FilingApplication(pk=pk), today=today) is not None:
            filed.append(pk)
    return filed


def lapse_overdue_corrections(today: datetime.date | None = None) -> list[int]:
    today = today or timezone.localdate()
    due = Correction.objects.filter(state=Correction.State.OPEN, deadline__lt=today).values_list(
        "application_id", flat=True
    )
    return [pk for pk in list(due) if correction_lapse(application=FilingApplication(pk=pk), today=today)]
