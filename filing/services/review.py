"""The authority's review steps: acceptance and reviews (approve, return for correction, reject), the
per-line decision, and the one clock extension. The expert panel is in :mod:`filing.services.experts`,
publicity and objections in :mod:`filing.services.publicity`.

Four-eyes: nobody decides two different steps of the same application, and nobody reviews an application
of an organisation they belong to.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, signals
from filing.audit import audit_record
from filing.errors import Denied, Invalid, WrongState
from filing.models import (
    ApplicationKind,
    ApplicationStatus,
    FilingApplication,
    FilingLine,
    ReviewDecision,
    ReviewOutcome,
    ReviewStep,
)
from filing.roles import Role
from filing.services.applications import STEP_STATUS
from filing.services.common import deny_unless, lock_application, save_application
from filing.services.corrections import correction_open, validate_items
from filing.workdays import add_working_days

S = ApplicationStatus
DISTRICT_STEPS = frozenset({ReviewStep.DISTRICT_ACCEPT, ReviewStep.DISTRICT_REVIEW})


def check_reviewer(actor, application: FilingApplication, step: str, action: str) -> None:
    """Scope (the application's district, or the city), recusal (not one's own organisation) and four-eyes
    (no second step of the same application). Raises ``Denied``."""
    if step in DISTRICT_STEPS:
        allowed = access.reviews_district_of(actor, application)
        message = _("只有申报单位所在区的人社局审核人员可以办理。")
    else:
        allowed = access.is_municipal_reviewer(actor)
        message = _("只有市职业技能鉴定中心审核人员可以办理。")
    deny_unless(allowed, actor=actor, action=action, obj=application, message=message)
    deny_unless(
        not access.belongs_to(actor, application.organisation_id),
        actor=actor,
        action=action,
        obj=application,
        message=_("不能审核本人所在单位的申请（回避）。"),
    )
    other_steps = ReviewDecision.objects.filter(application=application, actor=actor).exclude(step=step)
    deny_unless(
        not other_steps.exists(),
        actor=actor,
        action=action,
        obj=application,
        message=_("同一申请的不同审批环节须由不同人员办理（双人原则）。"),
    )


def reviewer_refusal(actor, application: FilingApplication, step: str) -> str | None:
    """Why ``actor`` could not decide ``step`` (scope, recusal, four-eyes), or None: asked when a task is
    claimed or opened, so nobody writes an opinion the decision would then refuse."""
    try:
        check_reviewer(actor, application, step, "")
    except Denied as exc:
        return exc.message
    return None


def may_decide(actor, application: FilingApplication, step: str) -> bool:
    """For pages and transfers: whether ``actor`` could decide ``step`` (scope, recusal, four-eyes)."""
    return reviewer_refusal(actor, application, step) is None


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
    application = lock_application(application)
    if step not in STEP_STATUS:
        raise Invalid(_("未知的审批环节。"), errors={"step": [_("未知的审批环节。")]})
    if application.status != STEP_STATUS[step]:
        raise WrongState(_("申请当前不在该审批环节，可能已被他人处理。"), status=application.status)
    if outcome not in (ReviewOutcome.APPROVE, ReviewOutcome.RETURN, ReviewOutcome.REJECT):
        raise Invalid(_("请选择审批结论。"), errors={"outcome": [_("请选择通过、退回补正或不予通过。")]})
    check_reviewer(actor, application, step, f"review.{step}")
    if not comment.strip():
        raise Invalid(_("请填写审批意见。"), errors={"comment": [_("审批意见不能为空。")]})

    correction = None
    if outcome == ReviewOutcome.APPROVE:
        if step == ReviewStep.DISTRICT_ACCEPT:
            application.accept(today)
        elif step == ReviewStep.DISTRICT_REVIEW:
            application.pass_district_review()
        else:
            application.pass_municipal_review()
    elif outcome == ReviewOutcome.RETURN:
        items = validate_items(application, correction_items or [])
        if not isinstance(correction_deadline, datetime.date) or correction_deadline <= today:
            raise Invalid(_("请设定补正期限。"), errors={"correction_deadline": [_("补正期限须晚于今天。")]})
        application.return_for_correction()
        correction = correction_open(
            actor=actor,
            application=application,
            step=step,
            comment=comment,
            items=items,
            deadline=correction_deadline,
        )
    else:
        application.reject()
        application.closed_at = timezone.now()
        application.closing_reason = comment
    save_application(application, today)
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


#: The step a take-back reopens → (the status the approval led to, the transition back).
TAKE_BACK = {
    ReviewStep.DISTRICT_REVIEW: (S.MUNICIPAL_REVIEW, "back_to_district_review"),
    ReviewStep.MUNICIPAL_REVIEW: (S.EXPERT_ASSESSMENT, "back_to_municipal_review"),
}


@transaction.atomic
def review_take_back(*, actor, application: FilingApplication, step: str, today=None) -> ReviewDecision:
    """拿回: the reviewer who approved ``step`` takes it back while the next step has not acted on it (the
    flow checks its task; here: the application is still where the approval put it, the approval is the
    actor's own and the latest decision, and no expert was named yet). The step is open again for them."""
    application = lock_application(application)
    if step not in TAKE_BACK:
        raise WrongState(_("该环节不支持拿回。"))
    moved_to, back = TAKE_BACK[step]
    if application.status != moved_to:
        raise WrongState(_("下一环节已经办理，不能拿回。"), status=application.status)
    last = ReviewDecision.objects.filter(application=application).order_by("-created_at", "-id").first()
    deny_unless(
        last is not None
        and last.step == step
        and last.outcome == ReviewOutcome.APPROVE
        and last.actor_id == actor.pk,
        actor=actor,
        action=f"review.{step}.take_back",
        obj=application,
        message=_("只能拿回本人作出的最近一次审核通过。"),
    )
    if application.experts.exists():
        raise WrongState(_("已组织专家评审，不能拿回。"), status=application.status)
    getattr(application, back)()
    save_application(application, today)
    decision = ReviewDecision.objects.create(
        application=application,
        step=step,
        outcome=ReviewOutcome.TAKE_BACK,
        comment=_("拿回重办（原审核通过不再有效）"),
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=f"review.{step}.take_back",
        obj=application,
        payload={"status": application.status, "taken_back": last.pk},
    )
    signals.application_taken_back.send(
        sender=FilingApplication, application=application, actor=actor, step=step
    )
    return decision


@transaction.atomic
def review_send_back(*, actor, application: FilingApplication, comment: str, today=None) -> ReviewDecision:
    """退回区级重审: the city returns the filing to the district review with its reasons (not to the
    applicant). The statutory clock keeps running: a review at either level is the authority's time."""
    application = lock_application(application)
    if application.status != S.MUNICIPAL_REVIEW:
        raise WrongState(_("申请当前不在市级审核环节，可能已被他人处理。"), status=application.status)
    check_reviewer(actor, application, ReviewStep.MUNICIPAL_REVIEW, "review.municipal_review.send_back")
    if not (comment or "").strip():
        raise Invalid(_("请填写退回理由。"), errors={"comment": [_("请写明退回区级重审的理由。")]})
    application.back_to_district_review()
    save_application(application, today)
    decision = ReviewDecision.objects.create(
        application=application,
        step=ReviewStep.MUNICIPAL_REVIEW,
        outcome=ReviewOutcome.SEND_BACK,
        comment=comment,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="review.municipal_review.send_back",
        obj=application,
        payload={"comment": comment, "status": application.status},
    )
    signals.application_sent_back.send(
        sender=FilingApplication, application=application, actor=actor, decision=decision
    )
    return decision


def last_send_back(application: FilingApplication) -> ReviewDecision | None:
    """The city's reasons when the district review is open again after a send-back (shown on its task)."""
    last = application.decisions.order_by("-created_at", "-id").first()
    return last if last is not None and last.outcome == ReviewOutcome.SEND_BACK else None


def _line_decisions(lines: list[FilingLine], line_decisions: dict) -> dict[int, dict]:
    """Each line's decision (approve / reject with a reason), or the per-line errors."""
    errors: dict[str, list[str]] = {}
    chosen: dict[int, dict] = {}
    for line in lines:
        entry = line_decisions.get(line.pk) or line_decisions.get(str(line.pk))
        if not isinstance(entry, dict) or entry.get("decision") not in (
            FilingLine.Decision.APPROVED,
            FilingLine.Decision.REJECTED,
        ):
            errors[f"line_{line.pk}"] = [_("请对每个备案项目作出决定。")]
        elif entry["decision"] == FilingLine.Decision.REJECTED and not str(entry.get("reason", "")).strip():
            errors[f"line_{line.pk}"] = [_("不予备案须说明理由。")]
        else:
            chosen[line.pk] = entry
    if errors:
        raise Invalid(_("决定不完整。"), errors=errors)
    return chosen


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
    application = lock_application(application)
    if application.status != S.DECISION:
        raise WrongState(_("申请当前不在审批决定阶段。"), status=application.status)
    check_reviewer(actor, application, ReviewStep.DECISION, "review.decision")
    if not comment.strip():
        raise Invalid(_("请填写审批意见。"), errors={"comment": [_("审批意见不能为空。")]})
    lines = list(application.lines.all())
    chosen = _line_decisions(lines, line_decisions if isinstance(line_decisions, dict) else {})
    approved, rejected = [], []
    for line in lines:
        entry = chosen[line.pk]
        line.decision = entry["decision"]
        line.decision_reason = str(entry.get("reason", ""))
        (approved if line.decision == FilingLine.Decision.APPROVED else rejected).append(line)
    FilingLine.objects.bulk_update(lines, ["decision", "decision_reason"])
    application.decided_at = timezone.now()
    if approved or application.kind == ApplicationKind.CHANGE:
        days = settings.FILING["PUBLICITY_WORKING_DAYS"]
        application.start_publicity(today, add_working_days(today, days))
        outcome = ReviewOutcome.APPROVE
    else:
        application.reject()
        application.closed_at = timezone.now()
        application.closing_reason = comment
        outcome = ReviewOutcome.REJECT
    save_application(application, today)
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
def clock_extend(*, actor, application: FilingApplication, reason: str) -> FilingApplication:
    """One extension of the statutory limit (+10 working days), approved by a municipal unit lead."""
    application = lock_application(application)
    if application.is_final or application.status == S.DRAFT:
        raise WrongState(_("该申请不在办理中。"))
    if application.extension_granted_by_id:
        raise WrongState(_("办理时限只能延长一次。"))
    deny_unless(
        access.is_unit_lead(actor, Role.MUNICIPAL_REVIEWER),
        actor=actor,
        action="clock.extend",
        obj=application,
        message=_("延长办理时限须经市职业技能鉴定中心负责人批准。"),
    )
    if not reason.strip():
        raise Invalid(_("请填写延期理由。"), errors={"reason": [_("请填写延期理由。")]})
    application.extension_granted_by = actor
    application.extension_reason = reason
    application.save(update_fields=["extension_granted_by", "extension_reason"])
    audit_record(actor=actor, action="clock.extend", obj=application, payload={"reason": reason})
    signals.clock_extended.send(sender=FilingApplication, application=application, actor=actor)
    return application
