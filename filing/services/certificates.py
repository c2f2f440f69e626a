"""Certificate issuance, revocation, reissue and correction.

A batch is issued in ONE transaction: numbering (counter rows locked ``FOR UPDATE``), the certificates, the
registrations' status, the audit rows and the outbox event commit together or not at all. The request is
idempotent by key; PDFs are rendered after commit and regenerated idempotently."""

from __future__ import annotations

import datetime
import secrets

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from filing import access, signals
from filing.audit import AuditEntry, audit_record, audit_record_many
from filing.errors import Conflict, Invalid, WrongState
from filing.models import (
    BodyStatus,
    Certificate,
    CertificateCounter,
    CertificateStatus,
    FiledLineStatus,
    IssuanceBatch,
    Level,
    PlanStatus,
    Registration,
    RegistrationStatus,
)
from filing.numbering import NumberParts, formatter
from filing.roles import Role
from filing.services.common import deny_unless, save_transition

PROGRESS_KEY = "issuance-progress:{}"


def new_token() -> str:
    """An opaque verification token: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


@transaction.atomic
def issuance_request(
    *, actor, plan, idempotency_key: str, issue_date: datetime.date | None = None
) -> IssuanceBatch:
    """Ask for a plan's certificates. The same key returns the same batch (and creates nothing)."""
    from filing.models import EvaluationPlan

    key = (idempotency_key or "").strip()
    if not key or len(key) > 80:
        raise Invalid("请提供幂等键。", errors={"idempotency_key": ["请提供1至80个字符的幂等键。"]})
    # Permission before anything else: a known key must not hand a batch to someone else.
    deny_unless(
        access.acts_for(actor, plan.body.organisation_id, Role.BODY_OPERATOR),
        actor=actor,
        action="certificate.request",
        obj=plan,
        message="只有本评价机构考务人员可以发放证书。",
    )
    existing = IssuanceBatch.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.plan_id != plan.pk:
            raise Conflict("该幂等键已用于另一认定计划。")
        return existing
    plan = EvaluationPlan.objects.select_for_update().select_related("body__organisation").get(pk=plan.pk)
    # Again under the plan's lock: a concurrent request with the same key may have committed meanwhile.
    existing = IssuanceBatch.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.plan_id != plan.pk:
            raise Conflict("该幂等键已用于另一认定计划。")
        return existing
    deny_unless(
        access.acts_for(actor, plan.body.organisation_id, Role.BODY_OPERATOR),
        actor=actor,
        action="certificate.request",
        obj=plan,
        message="只有本评价机构考务人员可以发放证书。",
    )
    if plan.status != PlanStatus.RESULTS_CONFIRMED:
        raise WrongState("认定结果经确认后才能发放证书。")
    if plan.issuance_batches.exclude(state=IssuanceBatch.State.FAILED).exists():
        raise WrongState("本计划已有发放批次。")
    batch = IssuanceBatch.objects.create(
        plan=plan,
        idempotency_key=key,
        requested_by=actor,
        issue_date=issue_date or timezone.localdate(),
        total=plan.registrations.filter(status=RegistrationStatus.PASSED).count(),
    )
    audit_record(actor=actor, action="certificate.request", obj=plan, payload={"batch": batch.pk, "key": key})
    transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def _enqueue(batch_id: int) -> None:
    from filing.tasks import issue_batch

    issue_batch.delay(batch_id)


def _check_scope(plan, issue_date: datetime.date) -> None:
    body, line = plan.body, plan.line
    problems = []
    if body.status != BodyStatus.ACTIVE:
        problems.append(f"评价机构状态为“{body.get_status_display()}”，不能发证。")
    if line.status != FiledLineStatus.ACTIVE or line.effective_from > issue_date:
        problems.append("发证日该职业等级不在评价机构的有效备案范围内。")
    if problems:
        raise WrongState("；".join(problems))


def issue(batch_id: int) -> IssuanceBatch:
    """Issue the whole batch in one transaction (all or nothing). Safe to call again: a done batch is
    returned as it is."""
    with transaction.atomic():
        batch = IssuanceBatch.objects.select_for_update().get(pk=batch_id)
        if batch.state == IssuanceBatch.State.DONE:
            return batch
        plan = batch.plan
        plan = (
            type(plan)
            .objects.select_for_update(of=("self",))
            .select_related("body", "line__offering__occupation", "line__offering__work_type")
            .get(pk=plan.pk)
        )
        _check_scope(plan, batch.issue_date)
        if plan.status != PlanStatus.RESULTS_CONFIRMED:
            raise WrongState("认定结果未确认或证书已发放。")
        registrations = list(
            Registration.objects.filter(plan=plan, status=RegistrationStatus.PASSED)
            .select_related("candidate")
            .order_by("row_number", "pk")
        )
        body, offering = plan.body, plan.line.offering
        counter, _ = CertificateCounter.objects.get_or_create(
            body=body, year=batch.issue_date.year, level=offering.level
        )
        counter = CertificateCounter.objects.select_for_update().get(pk=counter.pk)
        first = counter.next_serial
        fmt = formatter()
        if first + len(registrations) - 1 > fmt.max_serial:
            raise Conflict(
                f"{batch.issue_date.year}年{offering.get_level_display()}证书序号将超出上限，无法发放。"
            )
        counter.next_serial = first + len(registrations)
        counter.save(update_fields=["next_serial"])
        level_label = Level(offering.level).label
        work_type = offering.work_type.name if offering.work_type_id else "--"
        certificates = []
        for i, registration in enumerate(registrations):
            candidate = registration.candidate
            number = fmt.format(
                NumberParts(
                    body.category,
                    body.ministry_code,
                    body.province_code,
                    body.serial,
                    batch.issue_date.year,
                    offering.level,
                    first + i,
                )
            )
            certificates.append(
                Certificate(
                    number=number,
                    registration=registration,
                    batch=batch,
                    body=body,
                    holder_name=candidate.name,
                    document_type=candidate.document_type,
                    document_masked=candidate.document_masked,
                    document_index=candidate.document_index,
                    occupation_code=offering.occupation.code,
                    occupation_name=offering.occupation.name,
                    work_type=work_type,
                    level=offering.level,
                    level_label=str(level_label),
                    body_name=body.name,
                    issue_date=batch.issue_date,
                    verification_token=new_token(),
                )
            )
            if i % 500 == 0:
                cache.set(PROGRESS_KEY.format(batch.pk), i, 3600)
        Certificate.objects.bulk_create(certificates, batch_size=2000)
        # One status change for the whole batch: PASSED → CERTIFIED (the registration FSM's `certify`).
        Registration.objects.filter(
            pk__in=[r.pk for r in registrations], status=RegistrationStatus.PASSED
        ).update(status=RegistrationStatus.CERTIFIED)
        audit_record_many(
            [
                AuditEntry(
                    "certificate.issue",
                    batch.requested_by,
                    object_type="filing.certificate",
                    object_id=c.number,
                    payload={"batch": batch.pk, "holder": c.holder_name, "document": c.document_masked},
                )
                for c in certificates
            ]
        )
        plan.mark_certificates_issued()
        save_transition(plan)
        batch.state, batch.issued, batch.total = (
            IssuanceBatch.State.DONE,
            len(certificates),
            len(certificates),
        )
        batch.finished_at = timezone.now()
        batch.save(update_fields=["state", "issued", "total", "finished_at"])
        signals.certificates_issued.send(sender=IssuanceBatch, batch=batch, actor=batch.requested_by)
        transaction.on_commit(lambda: _render_after_commit(batch.pk))
    cache.set(PROGRESS_KEY.format(batch.pk), batch.issued, 3600)
    return batch


def _render_after_commit(batch_id: int) -> None:
    from filing.tasks import render_batch_pdfs

    render_batch_pdfs.delay(batch_id)


def mark_failed(batch_id: int, error: str) -> None:
    IssuanceBatch.objects.filter(pk=batch_id).exclude(state=IssuanceBatch.State.DONE).update(
        state=IssuanceBatch.State.FAILED, error=error[:2000]
    )


def progress(batch: IssuanceBatch) -> int:
    if batch.state == IssuanceBatch.State.DONE:
        return batch.issued
    return cache.get(PROGRESS_KEY.format(batch.pk), 0)


def _may_manage(actor, certificate: Certificate) -> bool:
    return access.is_municipal_reviewer(actor) or access.acts_for(
        actor, certificate.body.organisation_id, Role.BODY_OPERATOR
    )


def _lock(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().select_related("body").get(pk=certificate.pk)


@transaction.atomic
def certificate_revoke(
    *, actor, certificate: Certificate, reason: str, authority: str = "", on=None
) -> Certificate:
    certificate = _lock(certificate)
    if certificate.status != CertificateStatus.VALID:
        raise WrongState("只有有效的证书可以撤销。")
    deny_unless(
        _may_manage(actor, certificate),
        actor=actor,
        action="certificate.revoke",
        obj=certificate,
        message="无权撤销该证书。",
    )
    if not reason.strip():
        raise Invalid("请填写撤销理由。", errors={"reason": ["请填写撤销理由。"]})
    certificate.revoke(
        reason=reason, authority=authority or certificate.body_name, by=actor, on=on or timezone.localdate()
    )
    certificate.report_state = "pending"  # the revocation must reach the national system too
    save_transition(certificate)
    audit_record(
        actor=actor,
        action="certificate.revoke",
        obj=certificate,
        payload={"number": certificate.number, "reason": reason},
    )
    signals.certificate_revoked.send(sender=Certificate, certificate=certificate, actor=actor)
    return certificate


@transaction.atomic
def certificate_reissue(*, actor, certificate: Certificate, reason: str) -> Certificate:
    """补发 (lost or damaged): same number, new print serial, version+1; the PDF is rendered again."""
    certificate = _lock(certificate)
    if certificate.status != CertificateStatus.VALID:
        raise WrongState("只有有效的证书可以补发。")
    deny_unless(
        _may_manage(actor, certificate),
        actor=actor,
        action="certificate.reissue",
        obj=certificate,
        message="无权补发该证书。",
    )
    if not reason.strip():
        raise Invalid("请填写补发理由。", errors={"reason": ["请填写补发理由。"]})
    certificate.reissue()
    save_transition(certificate)
    audit_record(
        actor=actor,
        action="certificate.reissue",
        obj=certificate,
        payload={"number": certificate.number, "version": certificate.version, "reason": reason},
    )
    signals.certificate_reissued.send(sender=Certificate, certificate=certificate, actor=actor)
    transaction.on_commit(lambda: _render_one(certificate.pk))
    return certificate


CORRECTABLE = ("holder_name", "work_type")


@transaction.atomic
def certificate_correct(*, actor, certificate: Certificate, reason: str, **changes) -> Certificate:
    """更正: a new version with the corrected content; the old one is superseded (public lookup says so)."""
    certificate = _lock(certificate)
    if certificate.status != CertificateStatus.VALID:
        raise WrongState("只有有效的证书可以更正。")
    deny_unless(
        _may_manage(actor, certificate),
        actor=actor,
        action="certificate.correct",
        obj=certificate,
        message="无权更正该证书。",
    )
    unknown = set(changes) - set(CORRECTABLE)
    if unknown or not changes:
        raise Invalid("只能更正姓名或工种。", errors={"__all__": ["只能更正姓名或工种。"]})
    if not reason.strip():
        raise Invalid("请填写更正理由。", errors={"reason": ["请填写更正理由。"]})
    certificate.supersede()
    save_transition(certificate)
    fields = {
        f.name: getattr(certificate, f.name)
        for f in Certificate._meta.concrete_fields
        if f.name
        not in (
            "id",
            "status",
            "version",
            "verification_token",
            "pdf",
            "pdf_version",
            "corrects",
            "created_at",
            "report",
            "report_state",
            "print_serial",
        )
    }
    fields.update(changes)
    corrected = Certificate.objects.create(
        **fields,
        version=certificate.version + 1,
        corrects=certificate,
        verification_token=new_token(),
        print_serial=certificate.print_serial + 1,
    )
    audit_record(
        actor=actor,
        action="certificate.correct",
        obj=corrected,
        payload={"number": corrected.number, "changes": sorted(changes), "reason": reason},
    )
    signals.certificate_corrected.send(sender=Certificate, certificate=corrected, actor=actor)
    transaction.on_commit(lambda: _render_one(corrected.pk))
    return corrected


def _render_one(pk: int) -> None:
    from filing.tasks import render_certificate_pdf

    render_certificate_pdf.delay(pk)
