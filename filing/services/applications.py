"""The applicant's side of a filing application: draft, lines, commitment, submit, answer a correction,
withdraw. Attachments are in :mod:`filing.services.attachments`; the authority's steps in
:mod:`filing.services.review`."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, signals
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    REQUIRED_ATTACHMENTS,
    ApplicationKind,
    ApplicationStatus,
    AttachmentKind,
    BodyCategory,
    BodyStatus,
    Correction,
    FilingApplication,
    FilingLine,
    Major,
    OccupationLevel,
    OrganisationKind,
    ReviewStep,
)
from filing.roles import Role
from filing.selectors import applications_visible_to, one_visible
from filing.services.common import (
    deny_unless,
    lock_application,
    require_transition,
    require_version,
    save_application,
)
from filing.services.corrections import CORRECTABLE_FIELDS, NEW_LINE, open_correction, require_editable

S = ApplicationStatus
#: Where a correction goes back to: the status of the step that returned it.
STEP_STATUS = {
    ReviewStep.DISTRICT_ACCEPT: S.SUBMITTED,
    ReviewStep.DISTRICT_REVIEW: S.DISTRICT_REVIEW,
    ReviewStep.MUNICIPAL_REVIEW: S.MUNICIPAL_REVIEW,
}


def _bump(application: FilingApplication) -> None:
    application.version += 1
    application.save(update_fields=["version"])


@transaction.atomic
def application_create(
    *,
    actor,
    organisation,
    kind: str,
    body_category: str = BodyCategory.EMPLOYER,
    summary: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> FilingApplication:
    """A new draft. Extensions and changes need an existing body of the same category; a selection
    (遴选) is always category S."""
    deny_unless(
        access.acts_for(actor, organisation, Role.APPLICANT),
        actor=actor,
        action="application.create",
        obj=organisation,
        message=_("只有本单位经办人可以起草申请。"),
    )
    errors: dict[str, list[str]] = {}
    if kind not in ApplicationKind.values:
        errors["kind"] = [_("未知的申请类型。")]
    if body_category not in BodyCategory.values:
        errors["body_category"] = [_("未知的机构类别。")]
    if kind == ApplicationKind.SELECTION:
        body_category = BodyCategory.SOCIAL_ORG
    elif body_category == BodyCategory.SOCIAL_ORG and organisation.kind == OrganisationKind.ENTERPRISE:
        errors["body_category"] = [_("企业以用人单位（Y）类别备案。")]
    if (
        kind in (ApplicationKind.EXTENSION, ApplicationKind.CHANGE)
        and not organisation.bodies.filter(
            category=body_category, status__in=[BodyStatus.ACTIVE, BodyStatus.RECTIFICATION]
        ).exists()
    ):
        errors["kind"] = [_("扩大范围或变更须以已备案且正常的评价机构为前提。")]
    banned = organisation.bodies.filter(status=BodyStatus.REVOKED, banned_until__gte=timezone.localdate())
    if kind in (ApplicationKind.INITIAL, ApplicationKind.SELECTION) and banned.exists():
        errors["kind"] = [
            _("该单位的评价机构已被撤销，%(date)s 前不得重新申请。") % {"date": banned.first().banned_until}
        ]
    if errors:
        raise Invalid(_("申请信息不完整或不合法。"), errors=errors)
    application = FilingApplication.objects.create(
        organisation=organisation,
        kind=kind,
        body_category=body_category,
        summary=summary,
        contact_name=contact_name,
        contact_phone=contact_phone,
        created_by=actor,
    )
    audit_record(actor=actor, action="application.create", obj=application, payload={"kind": kind})
    return application


@transaction.atomic
def application_update(*, actor, application: FilingApplication, version=None, **fields):
    """Change the application's own fields. Fields whose value does not change are ignored; a request that
    changes nothing changes no version."""
    application = lock_application(application)
    unknown = set(fields) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise Invalid(_("不能修改这些字段。"), errors={f: [_("不可修改。")] for f in sorted(unknown)})
    changed = {name: value for name, value in fields.items() if value != getattr(application, name)}
    for name in changed or fields:
        require_editable(actor, application, "field", name, "application.update")
    require_version(application, version)
    if not changed:
        return application
    for name, value in changed.items():
        setattr(application, name, value)
    application.version += 1
    application.save(update_fields=[*changed, "version"])
    audit_record(
        actor=actor, action="application.update", obj=application, payload={"fields": sorted(changed)}
    )
    return application


def _check_line(application: FilingApplication, offering: OccupationLevel, majors: list[Major]) -> dict:
    errors: dict[str, list[str]] = {}
    org = application.organisation
    cap = settings.FILING["SCHOOL_LEVEL_CAP"]
    if org.is_school and offering.level < cap:
        errors["offering"] = [
            _("院校评价机构可备案的最高等级为%(cap)d级，不能申请%(level)s。")
            % {"cap": cap, "level": offering.get_level_display()}
        ]
    if not offering.occupation.is_active:
        errors["offering"] = [_("该职业已停用。")]
    if any(m.organisation_id != org.pk for m in majors):
        errors["majors"] = [_("只能选择本单位的专业。")]
    if org.is_school and not majors:
        errors["majors"] = [_("院校申请须对应至少一个本校专业（课证融通）。")]
    return errors


@transaction.atomic
def line_add(
    *,
    actor,
    application: FilingApplication,
    offering: OccupationLevel,
    majors: list[Major] = (),
    venue: str,
    equipment: str,
    evaluator_pool: str,
    version=None,
) -> FilingLine:
    """Add a scope line; it must be an (occupation, work type, level) that the standard defines."""
    application = lock_application(application)
    require_editable(actor, application, "line", NEW_LINE, "line.add")
    require_version(application, version)
    majors = list(majors)
    errors = _check_line(application, offering, majors)
    if application.lines.filter(offering=offering).exists():
        errors["offering"] = [_("该职业（工种）等级已在申请中。")]
    if not (venue.strip() and equipment.strip() and evaluator_pool.strip()):
        errors["venue"] = [_("请填写考核场地、设施设备和考评人员情况。")]
    if errors:
        raise Invalid(_("备案项目不合法。"), errors=errors)
    line = FilingLine.objects.create(
        application=application,
        offering=offering,
        venue=venue,
        equipment=equipment,
        evaluator_pool=evaluator_pool,
    )
    line.majors.set(majors)
    _bump(application)
    audit_record(actor=actor, action="line.add", obj=line, payload={"offering": str(offering)})
    return line


@transaction.atomic
def line_update(
    *,
    actor,
    line: FilingLine,
    majors: list[Major] | None = None,
    venue: str | None = None,
    equipment: str | None = None,
    evaluator_pool: str | None = None,
    version=None,
) -> FilingLine:
    application = lock_application(line.application_id)
    require_editable(actor, application, "line", line.pk, "line.update")
    require_version(application, version)
    if majors is not None:
        errors = _check_line(application, line.offering, list(majors))
        if errors:
            raise Invalid(_("备案项目不合法。"), errors=errors)
        line.majors.set(majors)
    for name, value in (("venue", venue), ("equipment", equipment), ("evaluator_pool", evaluator_pool)):
        if value is not None:
            if not value.strip():
                raise Invalid(_("请填写完整。"), errors={name: [_("不能为空。")]})
            setattr(line, name, value)
    line.save()
    _bump(application)
    audit_record(actor=actor, action="line.update", obj=line)
    return line


@transaction.atomic
def line_remove(*, actor, line: FilingLine, version=None) -> None:
    application = lock_application(line.application_id)
    require_editable(actor, application, "line", line.pk, "line.remove")
    require_version(application, version)
    audit_record(actor=actor, action="line.remove", obj=line, payload={"offering": str(line.offering)})
    line.delete()
    _bump(application)


def missing_requirements(application: FilingApplication, *, commitment: bool = True) -> list[str]:
    """What still blocks submission, in words the applicant understands (``commitment=False``: an answer to a
    correction needs no new commitment, the application was signed when first submitted)."""
    problems = []
    if application.kind != ApplicationKind.CHANGE and not application.lines.exists():
        problems.append(_("至少申请一个职业（工种）等级。"))
    present = set(application.attachments.filter(superseded_at__isnull=True).values_list("kind", flat=True))
    required = list(REQUIRED_ATTACHMENTS[application.kind])
    if application.organisation.is_school and application.kind in (
        ApplicationKind.INITIAL,
        ApplicationKind.EXTENSION,
    ):
        required.append(AttachmentKind.CURRICULUM)
    for kind in required:
        if kind not in present:
            problems.append(_("缺少材料：%(label)s。") % {"label": AttachmentKind(kind).label})
    if not (application.contact_name and application.contact_phone):
        problems.append(_("请填写联系人和联系电话。"))
    if commitment and not commitment_is_current(application):
        problems.append(_("法定代表人须在提交前签署申报承诺（申请修改后须重新签署）。"))
    return problems


def commitment_is_current(application: FilingApplication) -> bool:
    return (
        application.commitment_signed_at is not None and application.commitment_version == application.version
    )


#: The commitment the legal representative signs, shown to them beside the button, for one version.
COMMITMENT_TEXT = _(
    "本单位郑重承诺：本申请所填报的信息和提交的全部材料真实、准确、完整，不存在虚假记载或隐瞒；"
    "本单位将严格按照国家职业标准（评价规范）和备案的职业（工种）、等级范围开展职业技能等级认定，"
    "落实考务管理和质量督导要求，不以任何形式出租、出借评价资质。"
    "如有违反，本单位愿承担相应法律责任，并接受撤销备案、向社会公布等处理。"
)


@transaction.atomic
def application_sign_commitment(*, actor, application: FilingApplication, version=None):
    """The legal representative signs the commitment for exactly this version of the application."""
    application = lock_application(application)
    if application.status not in (S.DRAFT, S.RETURNED):
        raise WrongState(_("只能在提交前签署承诺。"))
    deny_unless(
        access.acts_for(actor, application.organisation_id, Role.LEGAL_REPRESENTATIVE),
        actor=actor,
        action="application.sign",
        obj=application,
        message=_("只有本单位法定代表人可以签署承诺。"),
    )
    require_version(application, version)
    application.commitment_signed_by = actor
    application.commitment_signed_at = timezone.now()
    application.commitment_version = application.version
    application.save(update_fields=["commitment_signed_by", "commitment_signed_at", "commitment_version"])
    audit_record(
        actor=actor, action="application.sign", obj=application, payload={"version": application.version}
    )
    return application


@transaction.atomic
def application_submit(*, actor, application: FilingApplication, version=None):
    """Submit a complete, signed draft to the district of the applicant's organisation."""
    application = lock_application(application)
    require_transition(application, application.submit, _("只有草稿可以提交。"))
    deny_unless(
        access.acts_for(actor, application.organisation_id, Role.APPLICANT),
        actor=actor,
        action="application.submit",
        obj=application,
        message=_("只有本单位经办人可以提交。"),
    )
    require_version(application, version)
    problems = missing_requirements(application)
    if problems:
        raise Invalid(_("申请尚不完整，不能提交。"), errors={"__all__": problems})
    application.submit()
    application.submitted_by = actor
    application.submitted_at = timezone.now()
    save_application(application)
    audit_record(actor=actor, action="application.submit", obj=application)
    signals.application_submitted.send(sender=FilingApplication, application=application, actor=actor)
    return application


@transaction.atomic
def application_respond(*, actor, application: FilingApplication, comment: str, version=None):
    """Answer the open correction: the application goes back to the step that returned it and the
    authority's clock restarts (correction time is not counted)."""
    application = lock_application(application)
    require_transition(application, application.resubmit, _("该申请不在补正阶段。"))
    deny_unless(
        access.acts_for(actor, application.organisation_id, Role.APPLICANT),
        actor=actor,
        action="application.respond",
        obj=application,
        message=_("只有本单位经办人可以答复补正。"),
    )
    require_version(application, version)
    if not comment.strip():
        raise Invalid(_("请说明补正情况。"), errors={"comment": [_("请说明补正情况。")]})
    problems = missing_requirements(application, commitment=False)
    if problems:
        raise Invalid(_("补正后的申请仍不完整。"), errors={"__all__": problems})
    correction = open_correction(application)
    back_to = STEP_STATUS.get(correction.step, S.SUBMITTED) if correction else S.SUBMITTED
    target = application.resubmit(back_to)
    save_application(application)
    if correction is not None:
        correction.answer(comment, timezone.now())
        correction.save()
    audit_record(actor=actor, action="application.respond", obj=application, payload={"back_to": target})
    signals.application_resubmitted.send(
        sender=FilingApplication, application=application, actor=actor, correction=correction
    )
    return application


@transaction.atomic
def application_withdraw(*, actor, application: FilingApplication, reason: str):
    """The applicant withdraws from any non-final state; open work is cancelled."""
    application = lock_application(application)
    require_transition(application, application.withdraw, _("已办结的申请不能撤回。"))
    deny_unless(
        access.acts_for(actor, application.organisation_id, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE),
        actor=actor,
        action="application.withdraw",
        obj=application,
        message=_("只有本单位可以撤回申请。"),
    )
    if not reason.strip():
        raise Invalid(_("请填写撤回理由。"), errors={"reason": [_("请填写撤回理由。")]})
    application.withdraw()
    application.closed_at = timezone.now()
    application.closing_reason = reason
    save_application(application)
    for correction in application.corrections.filter(state=Correction.State.OPEN):
        correction.cancel()
        correction.save()
    audit_record(actor=actor, action="application.withdraw", obj=application, payload={"reason": reason})
    signals.application_withdrawn.send(
        sender=FilingApplication, application=application, actor=actor, reason=reason
    )
    return application


def get_application_for(actor, pk) -> FilingApplication:
    """One application the actor may see, or NotFound (the same for 'absent' and 'not yours')."""
    return one_visible(applications_visible_to(actor), actor, pk, message=_("申请不存在。"))
