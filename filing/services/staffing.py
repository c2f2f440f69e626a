"""Staffing of sittings (考务人员配备) from the evaluator register (考评员库): a body's operators keep their
own pool (add, edit, deactivate); staffing a sitting picks active people of the body's pool or the city's,
qualified for the role (evaluators: the plan's occupation at its level or above), whose certificate is valid
on the sitting's date and who declared no relation (回避声明) to a candidate of the plan. The ratios are
stored as data (``StaffingRule``)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, schedule
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    PLAN_NOT_STARTED,
    Candidate,
    EvaluationBody,
    EvaluationPlan,
    Evaluator,
    Occupation,
    PlanStatus,
    RecusalDeclaration,
    RecusalRelation,
    Sitting,
    SittingStaff,
    StaffingRule,
    StaffRole,
)
from filing.services.common import deny_unless, lock_plan, require_operator, require_status, require_version

#: Roles that judge the candidates' work: they need the plan's occupation at its level or above.
JUDGING_ROLES = (StaffRole.SKILL_EVALUATOR, StaffRole.REVIEW_PANEL)
EDITABLE_FIELDS = (
    "name",
    "certificate_no",
    "occupation",
    "level",
    "valid_until",
    "can_evaluate",
    "can_invigilate",
    "is_supervisor",
)


# --- the register ---------------------------------------------------------------------------------------


def _clean(fields: dict, *, exclude_pk: int | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    name = str(fields.get("name") or "").strip()
    number = str(fields.get("certificate_no") or "").strip()
    if not name:
        errors["name"] = [_("请填写姓名。")]
    if not number:
        errors["certificate_no"] = [_("请填写考评员证号。")]
    elif Evaluator.objects.filter(certificate_no=number).exclude(pk=exclude_pk).exists():
        errors["certificate_no"] = [_("该考评员证号已在人员库中。")]
    if not (fields.get("can_evaluate") or fields.get("can_invigilate") or fields.get("is_supervisor")):
        errors["can_evaluate"] = [_("请至少选择一项人员类别（考评员、监考人员、督导员）。")]
    if fields.get("can_evaluate") and (not fields.get("occupation") or not fields.get("level")):
        errors["occupation"] = [_("考评员须登记考评职业和等级。")]
    if not isinstance(fields.get("valid_until"), datetime.date):
        errors["valid_until"] = [_("请填写证书有效期。")]
    if fields.get("occupation") is not None and not isinstance(fields["occupation"], Occupation):
        errors["occupation"] = [_("请选择考评职业。")]
    if errors:
        raise Invalid(_("人员信息不完整。"), errors=errors)
    return {**{k: fields.get(k) for k in EDITABLE_FIELDS}, "name": name, "certificate_no": number}


def may_maintain(actor, body: EvaluationBody | None) -> bool:
    """A body's pool is kept by its operators; the city's pool (no body) by the municipal reviewers."""
    if body is None:
        return access.is_municipal_reviewer(actor)
    return access.operates_body(actor, body)


@transaction.atomic
def evaluator_create(*, actor, body: EvaluationBody | None, **fields) -> Evaluator:
    """Add a person to the body's pool (its operator) or to the city's pool (a municipal reviewer)."""
    deny_unless(
        may_maintain(actor, body),
        actor=actor,
        action="evaluator.create",
        obj=body,
        message=_("只有本评价机构的考务人员可以维护本机构人员库。"),
    )
    evaluator = Evaluator.objects.create(
        body=body, organisation=body.organisation if body else None, **_clean(fields)
    )
    audit_record(
        actor=actor,
        action="evaluator.create",
        obj=evaluator,
        payload={"certificate_no": evaluator.certificate_no},
    )
    return evaluator


def _lock_own(actor, evaluator: Evaluator, action: str) -> Evaluator:
    evaluator = Evaluator.objects.select_for_update(of=("self",)).select_related("body").get(pk=evaluator.pk)
    deny_unless(
        may_maintain(actor, evaluator.body),
        actor=actor,
        action=action,
        obj=evaluator,
        message=_("只有人员所服务评价机构的考务人员可以维护。"),
    )
    return evaluator


@transaction.atomic
def evaluator_update(*, actor, evaluator: Evaluator, version=None, **fields) -> Evaluator:
    evaluator = _lock_own(actor, evaluator, "evaluator.update")
    require_version(evaluator, version)
    cleaned = _clean(fields, exclude_pk=evaluator.pk)
    changed = {k: str(v) for k, v in cleaned.items() if getattr(evaluator, k) != v}
    if not changed:  # a save that changes nothing changes no version (a client's copy stays current)
        return evaluator
    for key, value in cleaned.items():
        setattr(evaluator, key, value)
    evaluator.version += 1
    evaluator.save()
    audit_record(actor=actor, action="evaluator.update", obj=evaluator, payload={"changed": changed})
    return evaluator


@transaction.atomic
def evaluator_set_active(*, actor, evaluator: Evaluator, active: bool, reason: str = "") -> Evaluator:
    """Deactivate (停用) or reactivate a person; their past assignments stay on record."""
    evaluator = _lock_own(actor, evaluator, "evaluator.deactivate" if not active else "evaluator.activate")
    if not active and not reason.strip():
        raise Invalid(_("请填写停用理由。"), errors={"reason": [_("请填写停用理由。")]})
    evaluator.active = active
    evaluator.version += 1
    evaluator.save(update_fields=["active", "version"])
    audit_record(
        actor=actor,
        action="evaluator.activate" if active else "evaluator.deactivate",
        obj=evaluator,
        payload={"reason": reason},
    )
    return evaluator


# --- recusals -------------------------------------------------------------------------------------------


@transaction.atomic
def recusal_declare(
    *, actor, plan: EvaluationPlan, evaluator: Evaluator, candidate: Candidate, relation: str, note: str = ""
) -> RecusalDeclaration:
    """Record an evaluator's declaration of a relation to a candidate of the plan (回避声明), entered by the
    body's operator on their behalf. Staffing refuses the person for the plan's sittings from then on."""
    plan = lock_plan(plan)
    require_operator(actor, plan, "recusal.declare")
    if relation not in RecusalRelation.values:
        raise Invalid(_("请选择关系。"), errors={"relation": [_("请选择关系。")]})
    if evaluator.body_id not in (None, plan.body_id):
        raise Invalid(
            _("该人员不在本机构人员库中。"), errors={"evaluator": [_("该人员不在本机构人员库中。")]}
        )
    if not plan.registrations.filter(candidate=candidate).exists():
        raise Invalid(_("该考生未报名本计划。"), errors={"candidate": [_("该考生未报名本计划。")]})
    declaration, created = RecusalDeclaration.objects.get_or_create(
        evaluator=evaluator,
        candidate=candidate,
        defaults={"relation": relation, "note": note.strip()[:200], "declared_by": actor},
    )
    if not created:
        raise Invalid(_("该人员已申报与该考生的回避关系。"), errors={"candidate": [_("已申报过。")]})
    audit_record(
        actor=actor,
        action="recusal.declare",
        obj=plan,
        payload={"evaluator": evaluator.pk, "candidate": candidate.pk, "relation": relation},
    )
    return declaration


def recusal_conflicts(plan: EvaluationPlan, evaluator: Evaluator) -> list[str]:
    declared = RecusalDeclaration.objects.filter(
        evaluator=evaluator, candidate__registrations__plan=plan
    ).select_related("candidate")
    return sorted({f"{d.candidate.name}（{d.get_relation_display()}）" for d in declared})


# --- staffing -------------------------------------------------------------------------------------------


def qualification_problems(evaluator: Evaluator, sitting: Sitting, role: str) -> list[str]:
    """Why ``evaluator`` may not take ``role`` in ``sitting`` (empty when they may): in the body's or the
    city's pool, active, certificate valid on the sitting's date, the role held, and for judging roles
    the plan's occupation at its level or above (level 1 is the highest)."""
    plan = sitting.plan
    problems = []
    if evaluator.body_id not in (None, plan.body_id):
        problems.append(_("%(name)s不在本机构人员库中。") % {"name": evaluator.name})
    if not evaluator.active:
        problems.append(_("%(name)s已停用。") % {"name": evaluator.name})
    day = schedule.sitting_date(sitting)
    if evaluator.valid_until is None or evaluator.valid_until < day:
        problems.append(
            _("%(name)s的证书有效期至%(until)s，不覆盖考核日期%(date)s。")
            % {
                "name": evaluator.name,
                "until": schedule.chinese_date(evaluator.valid_until)
                if evaluator.valid_until
                else _("（未登记）"),
                "date": schedule.chinese_date(day),
            }
        )
    if role == StaffRole.SUPERVISOR and not evaluator.is_supervisor:
        problems.append(_("%(name)s没有督导员资格。") % {"name": evaluator.name})
    if role == StaffRole.SUPERVISOR and evaluator.body_id is not None:
        # 逢考必督: the sitting's supervisor acts for the city (外督), never one of the body's own people.
        problems.append(_("%(name)s是本机构人员，督导员须从市级督导员库中选派。") % {"name": evaluator.name})
    if role == StaffRole.INVIGILATOR and not evaluator.can_invigilate:
        problems.append(_("%(name)s没有监考资格。") % {"name": evaluator.name})
    if role in JUDGING_ROLES:
        offering = plan.line.offering
        if not evaluator.can_evaluate:
            problems.append(_("%(name)s没有考评员资格。") % {"name": evaluator.name})
        elif evaluator.occupation_id != offering.occupation_id or (evaluator.level or 99) > offering.level:
            problems.append(
                _("%(name)s的考评资格为%(has)s，本计划需%(need)s。")
                % {
                    "name": evaluator.name,
                    "has": f"{evaluator.occupation or '—'} {evaluator.get_level_display() or ''}".strip(),
                    "need": f"{offering.occupation} {offering.get_level_display()}",
                }
            )
    return problems


def booking_conflicts(evaluator: Evaluator, sitting: Sitting) -> list[str]:
    """Other sittings the person is already staffed on at an overlapping time (a person cannot be in two
    rooms at once), each named: the plan and sitting when it is the same body's, otherwise only the time
    (another body's plans are not shown to this one)."""
    clashes = (
        SittingStaff.objects.filter(
            evaluator=evaluator,
            sitting__starts_at__lt=sitting.ends_at,
            sitting__ends_at__gt=sitting.starts_at,
        )
        .exclude(sitting=sitting)
        .exclude(sitting__plan__status=PlanStatus.CANCELLED)
        .select_related("sitting__plan")
        .order_by("sitting__starts_at")
    )
    found = []
    for clash in clashes:
        other = clash.sitting
        start, end = timezone.localtime(other.starts_at), timezone.localtime(other.ends_at)
        values = {
            "name": evaluator.name,
            "plan": other.plan.title,
            "sitting": other,
            "from": f"{schedule.chinese_date(start.date())} {start:%H:%M}",
            "to": f"{end:%H:%M}"
            if end.date() == start.date()
            else f"{schedule.chinese_date(end.date())} {end:%H:%M}",
        }
        if other.plan.body_id == sitting.plan.body_id:
            found.append(
                _("%(name)s已安排在“%(plan)s”的场次%(sitting)s（%(from)s至%(to)s），与本场次时间重叠。")
                % values
            )
        else:
            found.append(_("%(name)s已安排在其他评价机构%(from)s至%(to)s的场次，与本场次时间重叠。") % values)
    return found


def candidates_for(sitting: Sitting, role: str) -> list[Evaluator]:
    """The people of the register who may take ``role`` in ``sitting`` now (what the staffing page offers)."""
    pool = Evaluator.objects.filter(
        active=True, body_id__in=[sitting.plan.body_id]
    ) | Evaluator.objects.filter(active=True, body__isnull=True)
    taken = set(sitting.staff.values_list("evaluator_id", flat=True))
    return [
        e
        for e in pool.select_related("occupation").order_by("name")
        if e.pk not in taken
        and not qualification_problems(e, sitting, role)
        and not recusal_conflicts(sitting.plan, e)
        and not booking_conflicts(e, sitting)
    ]


def city_appoints(actor, plan, role: str) -> bool:
    """逢考必督: the city (a municipal reviewer outside the body) may choose a sitting's supervisor itself."""
    return role == StaffRole.SUPERVISOR and access.acts_as_authority(actor, plan.body.organisation_id)


@transaction.atomic
def staff_assign(*, actor, sitting: Sitting, evaluator: Evaluator, role: str) -> SittingStaff:
    """The body's operator staffs a sitting; the city may choose its supervisor (from the city's register)."""
    plan = lock_plan(sitting.plan_id)
    if not city_appoints(actor, plan, role):
        require_operator(actor, plan, "staff.assign")
    require_status(plan, *PLAN_NOT_STARTED, message=_("考核开始后不能调整考务人员。"))
    if role not in StaffRole.values:
        raise Invalid(_("未知的人员类别。"), errors={"role": [_("未知的人员类别。")]})
    sitting = Sitting.objects.select_related("plan__line__offering__occupation").get(pk=sitting.pk, plan=plan)
    # As it is now, and locked: two bodies staffing one city evaluator at the same hour queue up here.
    evaluator = (
        Evaluator.objects.select_for_update(of=("self",)).select_related("occupation").get(pk=evaluator.pk)
    )
    problems = qualification_problems(evaluator, sitting, role)
    if problems:
        raise Invalid(_("该人员不符合条件。"), errors={"evaluator": problems})
    conflicts = recusal_conflicts(plan, evaluator)
    if conflicts:
        raise Invalid(
            _("该人员须回避。"),
            errors={"evaluator": [_("与考生%(who)s存在回避关系。") % {"who": c} for c in conflicts]},
        )
    if SittingStaff.objects.filter(sitting=sitting, evaluator=evaluator).exists():
        raise Invalid(_("该人员已在本场次。"), errors={"evaluator": [_("该人员已在本场次。")]})
    clashes = booking_conflicts(evaluator, sitting)
    if clashes:
        raise Invalid(_("该人员在同一时段已有安排。"), errors={"evaluator": clashes})
    staff = SittingStaff.objects.create(sitting=sitting, evaluator=evaluator, role=role)
    audit_record(actor=actor, action="staff.assign", obj=plan, payload={"sitting": sitting.pk, "role": role})
    return staff


@transaction.atomic
def staff_remove(*, actor, staff: SittingStaff) -> None:
    """Take a person off a sitting, until the plan starts."""
    plan = lock_plan(staff.sitting.plan_id)
    if not city_appoints(actor, plan, staff.role):
        require_operator(actor, plan, "staff.remove")
    require_status(plan, *PLAN_NOT_STARTED, message=_("考核开始后不能调整考务人员。"))
    staff = SittingStaff.objects.filter(pk=staff.pk, sitting__plan=plan).select_related("evaluator").first()
    if staff is None:
        raise WrongState(_("该人员已不在本场次。"))
    audit_record(
        actor=actor,
        action="staff.remove",
        obj=plan,
        payload={"sitting": staff.sitting_id, "evaluator": staff.evaluator_id, "role": staff.role},
    )
    staff.delete()


@transaction.atomic
def staff_replace(*, actor, staff: SittingStaff, evaluator: Evaluator) -> SittingStaff:
    """Put another person in the same seat (sitting and role): the removal and the assignment, with all
    their checks, in one transaction, so a refused replacement leaves the seat as it was."""
    sitting, role = staff.sitting, staff.role
    staff_remove(actor=actor, staff=staff)
    return staff_assign(actor=actor, sitting=sitting, evaluator=evaluator, role=role)


def staffing_problems(sitting: Sitting) -> list[str]:
    """What stops the sitting from starting: ratios, odd panels, a supervisor, qualifications valid on the
    day, recusals."""
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
        for problem in qualification_problems(s.evaluator, sitting, s.role):
            problems.append(_("%(sitting)s：%(problem)s") % {"sitting": sitting, "problem": problem})
        conflicts = recusal_conflicts(sitting.plan, s.evaluator)
        if conflicts:
            problems.append(
                _("%(sitting)s：%(name)s须回避（%(who)s）。")
                % {"sitting": sitting, "name": s.evaluator.name, "who": "、".join(conflicts)}
            )
        for clash in booking_conflicts(s.evaluator, sitting):  # e.g. a sitting moved after staffing
            problems.append(_("%(sitting)s：%(problem)s") % {"sitting": sitting, "problem": clash})
    return problems
