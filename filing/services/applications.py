"""The applicant's side of a filing application: draft, lines, attachments, commitment, submit, answer a
correction, withdraw. Reviewers' services are in :mod:`filing.services.review`."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from filing import access, signals
from filing.audit import audit_record
from filing.clock import clock_switch
from filing.errors import Invalid, NotFound, WrongState
from filing.models import (
    REQUIRED_ATTACHMENTS,
    ApplicationKind,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    BodyCategory,
    BodyStatus,
    ClockPeriod,
    Correction,
    FilingApplication,
    FilingLine,
    Major,
    OccupationLevel,
    OrganisationKind,
)
from filing.roles import Role
from filing.services.common import deny_unless, require_transition, require_version, save_transition

S = ApplicationStatus
EDITABLE_FIELDS = ("summary", "contact_name", "contact_phone")
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# Accepted by content, not by name: PDF, JPEG, PNG.
SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def _lock(application: FilingApplication) -> FilingApplication:
    """Re-read the application ``FOR UPDATE`` inside the service's transaction."""
    return FilingApplication.objects.select_for_update().select_related("organisation").get(pk=application.pk)


def _open_correction(application: FilingApplication) -> Correction | None:
    return application.corrections.filter(state=Correction.State.OPEN).order_by("-round").first()


def _require_editable(actor, application: FilingApplication, kind: str, key: str, action: str) -> None:
    """Drafts are freely editable; a returned application only in the items the reviewer ticked."""
    deny_unless(
        access.acts_for(actor, application.organisation_id, Role.APPLICANT),
        actor=actor,
        action=action,
        obj=application,
        message="只有申报单位经办人可以修改申请。",
    )
    if application.status == S.DRAFT:
        return
    if application.status == S.RETURNED:
        correction = _open_correction(application)
        if correction is not None and correction.allows(kind, key):
            return
        raise WrongState("补正期间只能修改审核人员标注的需补正事项。")
    raise WrongState("申请已提交，不能修改。")


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
        message="只有本单位经办人可以起草申请。",
    )
    errors: dict[str, list[str]] = {}
    if kind not in ApplicationKind.values:
        errors["kind"] = ["未知的申请类型。"]
    if body_category not in BodyCategory.values:
        errors["body_category"] = ["未知的机构类别。"]
    if kind == ApplicationKind.SELECTION:
        body_category = BodyCategory.SOCIAL_ORG
    elif body_category == BodyCategory.SOCIAL_ORG and organisation.kind == OrganisationKind.ENTERPRISE:
        errors["body_category"] = ["企业以用人单位（Y）类别备案。"]
    if (
        kind in (ApplicationKind.EXTENSION, ApplicationKind.CHANGE)
        and not organisation.bodies.filter(
            category=body_category, status__in=[BodyStatus.ACTIVE, BodyStatus.RECTIFICATION]
        ).exists()
    ):
        errors["kind"] = ["扩大范围或变更须以已备案且正常的评价机构为前提。"]
    banned = organisation.bodies.filter(status=BodyStatus.REVOKED, banned_until__gte=timezone.localdate())
    if kind in (ApplicationKind.INITIAL, ApplicationKind.SELECTION) and banned.exists():
        errors["kind"] = [f"该单位的评价机构已被撤销，{banned.first().banned_until} 前不得重新申请。"]
    if errors:
        raise Invalid("申请信息不完整或不合法。", errors=errors)
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
def application_update(*, actor, application: FilingApplication, version: int | None = None, **fields):
    application = _lock(application)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid("不能修改这些字段。", errors={f: ["不可修改。"] for f in unknown})
    for name in fields:
        _require_editable(actor, application, "field", name, "application.update")
    require_version(application, version)
    for name, value in fields.items():
        setattr(application, name, value)
    application.version += 1
    application.save(update_fields=[*fields, "version"])
    audit_record(
        actor=actor, action="application.update", obj=application, payload={"fields": sorted(fields)}
    )
    return application


def _check_line(application: FilingApplication, offering: OccupationLevel, majors: list[Major]) -> dict:
    errors: dict[str, list[str]] = {}
    org = application.organisation
    cap = settings.FILING["SCHOOL_LEVEL_CAP"]
    if org.is_school and offering.level < cap:
        errors["offering"] = [
            f"院校评价机构可备案的最高等级为{cap}级，不能申请{offering.get_level_display()}。"
        ]
    if not offering.occupation.is_active:
        errors["offering"] = ["该职业已停用。"]
    foreign = [m for m in majors if m.organisation_id != org.pk]
    if foreign:
        errors["majors"] = ["只能选择本单位的专业。"]
    if org.is_school and not majors:
        errors["majors"] = ["院校申请须对应至少一个本校专业（课证融通）。"]
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
    version: int | None = None,
) -> FilingLine:
    """Add a scope line; it must be an (occupation, work type, level) that the standard defines."""
    application = _lock(application)
    _require_editable(actor, application, "line", "new", "line.add")
    require_version(application, version)
    majors = list(majors)
    errors = _check_line(application, offering, majors)
    if application.lines.filter(offering=offering).exists():
        errors["offering"] = ["该职业（工种）等级已在申请中。"]
    if not (venue.strip() and equipment.strip() and evaluator_pool.strip()):
        errors["venue"] = ["请填写考核场地、设施设备和考评人员情况。"]
    if errors:
        raise Invalid("备案项目不合法。", errors=errors)
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
    version: int | None = None,
) -> FilingLine:
    application = _lock(line.application)
    _require_editable(actor, application, "line", str(line.pk), "line.update")
    require_version(application, version)
    if majors is not None:
        errors = _check_line(application, line.offering, list(majors))
        if errors:
            raise Invalid("备案项目不合法。", errors=errors)
        line.majors.set(majors)
    for name, value in (("venue", venue), ("equipment", equipment), ("evaluator_pool", evaluator_pool)):
        if value is not None:
            if not value.strip():
                raise Invalid("请填写完整。", errors={name: ["不能为空。"]})
            setattr(line, name, value)
    line.save()
    _bump(application)
    audit_record(actor=actor, action="line.update", obj=line)
    return line


@transaction.atomic
def line_remove(*, actor, line: FilingLine, version: int | None = None) -> None:
    application = _lock(line.application)
    _require_editable(actor, application, "line", str(line.pk), "line.remove")
    require_version(application, version)
    audit_record(actor=actor, action="line.remove", obj=line, payload={"offering": str(line.offering)})
    line.delete()
    _bump(application)


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


@transaction.atomic
def attachment_upload(*, actor, application: FilingApplication, kind: str, uploaded_file) -> Attachment:
    """Store a file under a random name after checking its size and its real type (by content). A new
    file of a required kind supersedes the previous one, which is kept for the change history."""
    application = _lock(application)
    _require_editable(actor, application, "attachment", kind, "attachment.upload")
    if kind not in AttachmentKind.values:
        raise Invalid("未知的材料类型。", errors={"kind": ["未知的材料类型。"]})
    if uploaded_file.size > MAX_ATTACHMENT_BYTES:
        raise Invalid("文件过大。", errors={"file": ["单个文件不能超过20MB。"]})
    if uploaded_file.size == 0:
        raise Invalid("文件为空。", errors={"file": ["文件为空。"]})
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise Invalid("文件类型不允许。", errors={"file": ["只接受PDF、JPG、PNG文件（按文件内容识别）。"]})
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    if kind != AttachmentKind.OTHER:
        application.attachments.filter(kind=kind, superseded_at__isnull=True).update(
            superseded_at=timezone.now()
        )
    original = (uploaded_file.name or "file").replace("/", "_").replace("\\", "_").replace("\x00", "")[-200:]
    attachment = Attachment(
        application=application,
        kind=kind,
        original_name=original,
        content_type=content_type,
        size=uploaded_file.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save("upload", uploaded_file, save=False)
    attachment.save()
    _bump(application)
    audit_record(
        actor=actor,
        action="attachment.upload",
        obj=attachment,
        payload={"kind": kind, "sha256": attachment.sha256, "size": attachment.size},
    )
    return attachment


def missing_requirements(application: FilingApplication) -> list[str]:
    """What still blocks submission, in words the applicant understands."""
    problems = []
    if application.kind != ApplicationKind.CHANGE and not application.lines.exists():
        problems.append("至少申请一个职业（工种）等级。")
    present = set(application.attachments.filter(superseded_at__isnull=True).values_list("kind", flat=True))
    required = list(REQUIRED_ATTACHMENTS[application.kind])
    if application.organisation.is_school and application.kind in (
        ApplicationKind.INITIAL,
        ApplicationKind.EXTENSION,
    ):
        required.append(AttachmentKind.CURRICULUM)
    for kind in required:
        if kind not in present:
            problems.append(f"缺少材料：{AttachmentKind(kind).label}。")
    if not (application.contact_name and application.contact_phone):
        problems.append("请填写联系人和联系电话。")
    if application.commitment_signed_at is None or application.commitment_version != application.version:
        problems.append("法定代表人须在提交前签署申报承诺（申请修改后须重新签署）。")
    return problems


@transaction.atomic
def application_sign_commitment(*, actor, application: FilingApplication, version: int | None = None):
    """The legal representative signs the commitment for exactly this version of the application."""
    application = _lock(application)
    if application.status not in (S.DRAFT, S.RETURNED):
        raise WrongState("只能在提交前签署承诺。")
    deny_unless(
        access.acts_for(actor, application.organisation_id, Role.LEGAL_REPRESENTATIVE),
        actor=actor,
        action="application.sign",
        obj=application,
        message="只有本单位法定代表人可以签署承诺。",
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
def application_submit(*, actor, application: FilingApplication, version: int | None = None):
    """Submit a complete, signed draft to the district of the applicant's organisation."""
    application = _lock(application)
    require_transition(application, application.submit, "只有草稿可以提交。")
    deny_unless(
        access.acts_for(actor, application.organisation_id, Role.APPLICANT),
        actor=actor,
        action="application.submit",
        obj=application,
        message="只有本单位经办人可以提交。",
    )
    require_version(application, version)
    problems = missing_requirements(application)
    if problems:
        raise Invalid("申请尚不完整，不能提交。", errors={"__all__": problems})
    application.submit()
    application.submitted_by = actor
    application.submitted_at = timezone.now()
    save_transition(application)
    audit_record(actor=actor, action="application.submit", obj=application)
    signals.application_submitted.send(sender=FilingApplication, application=application, actor=actor)
    return application


@transaction.atomic
def application_respond(*, actor, application: FilingApplication, comment: str, version: int | None = None):
    """Answer the open correction: the application goes back to the step that returned it and the
    authority's clock restarts (correction time is not counted)."""
    application = _lock(application)
    require_transition(application, application.resubmit, "该申请不在补正阶段。")
    deny_unless(
        access.acts_for(actor, application.organisation_id, Role.APPLICANT),
        actor=actor,
        action="application.respond",
        obj=application,
        message="只有本单位经办人可以答复补正。",
    )
    require_version(application, version)
    if not comment.strip():
        raise Invalid("请说明补正情况。", errors={"comment": ["请说明补正情况。"]})
    problems = [p for p in missing_requirements(application) if "承诺" not in p]
    if problems:
        raise Invalid("补正后的申请仍不完整。", errors={"__all__": problems})
    correction = _open_correction(application)
    target = application.resubmit()
    save_transition(application)
    if correction is not None:
        correction.state = Correction.State.ANSWERED
        correction.responded_at = timezone.now()
        correction.response_comment = comment
        correction.save(update_fields=["state", "responded_at", "response_comment"])
    clock_switch(application, ClockPeriod.Kind.REVIEW if target != S.SUBMITTED else None)
    audit_record(actor=actor, action="application.respond", obj=application, payload={"back_to": target})
    signals.application_resubmitted.send(
        sender=FilingApplication, application=application, actor=actor, correction=correction
    )
    return application


@transaction.atomic
def application_withdraw(*, actor, application: FilingApplication, reason: str):
    """The applicant withdraws from any non-final state; open work is cancelled."""
    application = _lock(application)
    require_transition(application, application.withdraw, "已办结的申请不能撤回。")
    deny_unless(
        access.acts_for(actor, application.organisation_id, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE),
        actor=actor,
        action="application.withdraw",
        obj=application,
        message="只有本单位可以撤回申请。",
    )
    if not reason.strip():
        raise Invalid("请填写撤回理由。", errors={"reason": ["请填写撤回理由。"]})
    application.withdraw()
    application.closed_at = timezone.now()
    application.closing_reason = reason
    save_transition(application)
    application.corrections.filter(state=Correction.State.OPEN).update(state=Correction.State.CANCELLED)
    clock_switch(application, None)
    audit_record(actor=actor, action="application.withdraw", obj=application, payload={"reason": reason})
    signals.application_withdrawn.send(
        sender=FilingApplication, application=application, actor=actor, reason=reason
    )
    return application


def get_application_for(actor, pk: int) -> FilingApplication:
    """One application the actor may see, or NotFound (the same for 'absent' and 'not yours')."""
    from filing.selectors import applications_visible_to

    try:
        return applications_visible_to(actor).get(pk=pk)
    except (FilingApplication.DoesNotExist, ValueError, TypeError):
        raise NotFound("申请不存在。") from None
