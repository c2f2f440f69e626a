"""Staffing of sittings (考务人员配备): evaluators, invigilators and supervisors by the ratios stored as data
(``StaffingRule``), and the recusals that keep a person away from a plan with a related candidate."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from filing.audit import audit_record
from filing.errors import Invalid
from filing.models import (
    PLAN_NOT_STARTED,
    EvaluationPlan,
    Evaluator,
    RecusalDeclaration,
    Sitting,
    SittingStaff,
    StaffingRule,
    StaffRole,
)
from filing.services.common import lock_plan, require_operator, require_status


@transaction.atomic
def staff_assign(*, actor, sitting: Sitting, evaluator: Evaluator, role: str) -> SittingStaff:
    plan = lock_plan(sitting.plan_id)
    require_operator(actor, plan, "staff.assign")
    require_status(plan, *PLAN_NOT_STARTED, message=_("考核开始后不能调整考务人员。"))
    if role not in StaffRole.values:
        raise Invalid(_("未知的人员类别。"), errors={"role": [_("未知的人员类别。")]})
    if role == StaffRole.SUPERVISOR and not evaluator.is_supervisor:
        raise Invalid(_("该人员没有督导员资格。"), errors={"evaluator": [_("该人员没有督导员资格。")]})
    conflicts = recusal_conflicts(plan, evaluator)
    if conflicts:
        raise Invalid(
            _("该人员须回避。"),
            errors={"evaluator": [_("与考生%(who)s存在回避关系。") % {"who": c} for c in conflicts]},
        )
    if SittingStaff.objects.filter(sitting=sitting, evaluator=evaluator).exists():
        raise Invalid(_("该人员已在本场次。"), errors={"evaluator": [_("该人员已在本场次。")]})
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
        values = {"sitting": sitting, "role": rule.get_role_display(), "need": need, "have": have}
        if have < need:
            problems.append(_("%(sitting)s：%(role)s需%(need)d人，现有%(have)d人。") % values)
        elif rule.odd and have % 2 == 0:
            problems.append(_("%(sitting)s：%(role)s人数须为单数，现有%(have)d人。") % values)
    for s in staff:
        conflicts = recusal_conflicts(sitting.plan, s.evaluator)
        if conflicts:
            problems.append(
                _("%(sitting)s：%(name)s须回避（%(who)s）。")
                % {"sitting": sitting, "name": s.evaluator.name, "who": "、".join(conflicts)}
            )
    return problems
