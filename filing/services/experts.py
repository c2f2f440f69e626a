"""The expert panel (专家评审): naming it, an expert's recusal with automatic replacement, and the scores.
Expert time is excluded from the statutory clock once the panel sits."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, panel, signals
from filing.audit import audit_record
from filing.clock import clock_follow
from filing.errors import Conflict, Invalid, WrongState
from filing.models import (
    ApplicationStatus,
    ExpertAssignment,
    ExpertScore,
    FilingApplication,
    Membership,
)
from filing.roles import Role
from filing.services.common import deny_unless, lock_application, save_application

S = ApplicationStatus
MIN_PANEL = 3


def _experts(user_ids) -> dict:
    User = get_user_model()
    expert_ids = set(
        Membership.objects.filter(role=Role.EXPERT, is_active=True, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    return {u.pk: u for u in User.objects.filter(pk__in=expert_ids, is_active=True)}


def _user_ids(experts) -> list[int]:
    ids = []
    for expert in experts:
        value = getattr(expert, "pk", expert)
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise Invalid(
                _("专家组不合法。"), errors={"experts": [_("所选人员不是在册评审专家。")]}
            ) from None
    return list(dict.fromkeys(ids))


@transaction.atomic
def panel_assign(
    *, actor, application: FilingApplication, experts: list, today=None
) -> list[ExpertAssignment]:
    """Name the expert panel: at least three, an odd number, experts by role, none from the applicant."""
    application = lock_application(application)
    if application.status != S.EXPERT_ASSESSMENT or application.experts.exists():
        raise WrongState(_("该申请不在待组织专家评审阶段。"))
    deny_unless(
        access.is_municipal_reviewer(actor) and not access.belongs_to(actor, application.organisation_id),
        actor=actor,
        action="panel.assign",
        obj=application,
        message=_("只有市职业技能鉴定中心可以组织专家评审。"),
    )
    ids = _user_ids(experts)
    found = _experts(ids)
    errors = []
    if len(ids) < MIN_PANEL or len(ids) % 2 == 0:
        errors.append(_("专家组人数须为不少于3人的单数。"))
    if set(ids) - set(found):
        errors.append(_("所选人员不是在册评审专家。"))
    if any(access.belongs_to(found[i], application.organisation_id) for i in found):
        errors.append(_("专家不能来自申报单位。"))
    if errors:
        raise Invalid(_("专家组不合法。"), errors={"experts": errors})
    assignments = [ExpertAssignment.objects.create(application=application, expert=found[i]) for i in ids]
    clock_follow(application, today)
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


def _lock_assignment(assignment: ExpertAssignment) -> tuple[ExpertAssignment, FilingApplication]:
    """The application row first, then the assignment (the lock order of every path)."""
    application = lock_application(assignment.application_id)
    return ExpertAssignment.objects.select_for_update().get(pk=assignment.pk), application


@transaction.atomic
def expert_declare_conflict(*, actor, assignment: ExpertAssignment, reason: str) -> ExpertAssignment:
    """The expert recuses; the next available expert takes the seat."""
    assignment, application = _lock_assignment(assignment)
    deny_unless(
        assignment.expert_id == actor.pk,
        actor=actor,
        action="expert.conflict",
        obj=application,
        message=_("只能为本人的评审任务申报回避。"),
    )
    if assignment.state != ExpertAssignment.State.ASSIGNED or application.status != S.EXPERT_ASSESSMENT:
        raise WrongState(_("该评审任务已完成或已回避。"))
    if not reason.strip():
        raise Invalid(_("请说明回避理由。"), errors={"reason": [_("请说明回避理由。")]})
    replacement_user = _replacement_for(application)
    if replacement_user is None:
        raise Conflict(_("暂无可替换的评审专家，请联系市职业技能鉴定中心。"))
    assignment.recuse(reason, timezone.now())
    assignment.save()
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


def _score_rows(assignment: ExpertAssignment, lines: dict, scores: dict) -> list[ExpertScore]:
    errors: dict[str, list[str]] = {}
    rows = []
    for line_id, line in lines.items():
        entry = scores.get(line_id) or scores.get(str(line_id))
        if not isinstance(entry, dict) or not entry:
            errors[f"line_{line_id}"] = [_("请为每个备案项目评分。")]
            continue
        try:
            value = int(entry.get("score"))
        except (TypeError, ValueError):
            value = -1
        if not 0 <= value <= 100:
            errors[f"line_{line_id}"] = [_("评分应为0至100的整数。")]
            continue
        recommendation = entry.get("recommendation")
        if recommendation not in ExpertScore.Recommendation.values:
            errors[f"line_{line_id}"] = [_("请选择评审意见。")]
            continue
        rows.append(
            ExpertScore(
                assignment=assignment,
                line=line,
                score=value,
                recommendation=recommendation,
                comment=str(entry.get("comment", "")),
            )
        )
    if errors:
        raise Invalid(_("评分不完整。"), errors=errors)
    return rows


@transaction.atomic
def expert_score(*, actor, assignment: ExpertAssignment, scores: dict, today=None) -> ExpertAssignment:
    """Score every line: ``scores = {line_id: {"score": 0..100, "recommendation": ..., "comment": ...}}``.
    When the last expert has scored, the application moves on to the decision."""
    assignment, application = _lock_assignment(assignment)
    deny_unless(
        assignment.expert_id == actor.pk,
        actor=actor,
        action="expert.score",
        obj=application,
        message=_("只能提交本人的评分。"),
    )
    if assignment.state != ExpertAssignment.State.ASSIGNED or application.status != S.EXPERT_ASSESSMENT:
        raise WrongState(_("该评审任务已完成或已回避。"))
    lines = {line.pk: line for line in application.lines.all()}
    rows = _score_rows(assignment, lines, scores if isinstance(scores, dict) else {})
    ExpertScore.objects.bulk_create(rows)
    assignment.score(timezone.now())
    assignment.save()
    audit_record(
        actor=actor,
        action="expert.score",
        obj=application,
        payload={"scores": {str(r.line_id): r.score for r in rows}},
    )
    panel_outcome = panel.outcome(application)
    if panel_outcome.complete:  # 会签 / 或签 / 票签: the kind's rule says the panel has scored enough
        application.finish_expert_assessment()
        save_application(application, today)
        audit_record(
            action="application.experts_done",
            obj=application,
            payload={"rule": panel_outcome.rule, "explanation": panel_outcome.explanation},
        )
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
