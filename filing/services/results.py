"""Scores and results: part scores while the plan is in scoring, the outcome rule (pass only when every
required part reaches 60, no compensation), results publicity, submission, and the authority's audit."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import schedule, signals
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    DECIDED,
    SCORABLE,
    EvaluationPlan,
    PartScore,
    PlanStatus,
    Registration,
    RegistrationStatus,
)
from filing.services import supervision_reports
from filing.services.common import (
    lock_plan,
    require_authority,
    require_operator,
    require_status,
    required_parts,
    save_transition,
)
from filing.workdays import add_working_days

P = PlanStatus
R = RegistrationStatus
PASS_MARK = Decimal("60")


def parse_score(value) -> Decimal | None:
    if value in (None, ""):
        return None
    message = _("成绩应为0至100的数字。")
    try:
        score = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise Invalid(_("成绩应为数字。"), errors={"score": [message]}) from None
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(100):
        raise Invalid(_("成绩超出范围。"), errors={"score": [message]})
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
    today: datetime.date | None = None,
) -> PartScore:
    """One part's score (or absent / disqualified) while the plan is in scoring, once the part was held."""
    plan = lock_plan(registration.plan_id)
    require_status(plan, P.SCORING, message=_("计划不在成绩录入阶段。"))
    require_operator(actor, plan, "score.enter")
    registration = Registration.objects.select_for_update().get(pk=registration.pk, plan=plan)
    if registration.status not in SCORABLE:
        raise WrongState(_("该考生未参加本计划考核。"))
    if part not in required_parts(plan):
        raise Invalid(_("该职业等级不需要此项考核。"), errors={"part": [_("该职业等级不需要此项考核。")]})
    schedule.require_part_held(plan, part, today)
    value = parse_score(score)
    if value is None and not (absent or disqualified):
        message = _("请填写成绩，或标记缺考/违纪。")
        raise Invalid(message, errors={"score": [message]})
    part_score, _created = PartScore.objects.update_or_create(
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


def _record_outcome(registration: Registration, outcome: str) -> None:
    if registration.status == R.SCHEDULED:
        if outcome in (R.ABSENT, R.DISQUALIFIED):
            (registration.mark_absent if outcome == R.ABSENT else registration.disqualify)()
            registration.save()
            return
        registration.assess()
    {
        R.PASSED: registration.mark_passed,
        R.FAILED: registration.mark_failed,
        R.ABSENT: registration.mark_absent,
        R.DISQUALIFIED: registration.disqualify,
    }[outcome]()
    registration.save()


@transaction.atomic
def plan_publish_results(
    *, actor, plan: EvaluationPlan, today: datetime.date | None = None
) -> EvaluationPlan:
    """Compute every outcome and publish them (masked) for ``RESULTS_PUBLICITY_WORKING_DAYS``."""
    today = today or timezone.localdate()
    plan = lock_plan(plan)
    require_status(plan, P.SCORING, message=_("计划不在成绩录入阶段。"))
    require_operator(actor, plan, "plan.publish_results")
    schedule.require_sittings_held(plan, today)
    parts = required_parts(plan)
    registrations = list(
        plan.registrations.filter(status__in=[R.SCHEDULED, R.ASSESSED])
        .select_related("candidate")
        .prefetch_related("scores")
    )
    missing = []
    for registration in registrations:
        outcome = outcome_for(parts, {s.part: s for s in registration.scores.all()})
        if outcome is None:
            missing.append(
                _("第%(row)s行考生%(name)s缺少成绩")
                % {"row": registration.row_number or registration.pk, "name": registration.candidate.name}
            )
            continue
        _record_outcome(registration, outcome)
    if missing:
        raise Invalid(_("成绩不完整。"), errors={"__all__": missing[:50]})
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
    plan = lock_plan(plan)
    require_status(plan, P.RESULTS_PUBLICITY, message=_("结果尚未公示。"))
    require_operator(actor, plan, "plan.submit_results")
    if today <= plan.results_publicity_ends_on:
        raise WrongState(_("结果公示至%(date)s，期满后才能报送。") % {"date": plan.results_publicity_ends_on})
    plan.submit_results()
    save_transition(plan)
    audit_record(actor=actor, action="plan.submit_results", obj=plan)
    signals.results_submitted.send(sender=EvaluationPlan, plan=plan, actor=actor)
    return plan


@transaction.atomic
def plan_audit_results(
    *, actor, plan: EvaluationPlan, approve: bool, comment: str, today: datetime.date | None = None
) -> EvaluationPlan:
    """The authority's audit: confirmed results are what certificates are issued from (dated no earlier
    than the day of confirmation, ``filing.schedule.require_issue_date``)."""
    today = today or schedule.today()
    plan = lock_plan(plan)
    require_status(plan, P.RESULTS_SUBMITTED, message=_("结果未报送或已审核。"))
    require_authority(actor, plan, "plan.audit_results")
    if not comment.strip():
        raise Invalid(_("请填写审核意见。"), errors={"comment": [_("请填写审核意见。")]})
    if approve:
        problems = supervision_reports.results_audit_problems(plan)
        if problems:
            raise Invalid(_("认定结果不能确认。"), errors={"__all__": problems})
        plan.confirm_results(actor, today)
    else:
        plan.return_results()
        for registration in plan.registrations.filter(status__in=DECIDED):
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
