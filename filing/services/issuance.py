"""Certificate issuance: the idempotent request, the batch issued in ONE transaction, and the PDFs.

Numbering (counter rows locked ``FOR UPDATE``), the certificates, the registrations' status, the audit rows
and the outbox event commit together or not at all. The request is idempotent by key; PDFs are rendered
after commit and regenerated idempotently."""

from __future__ import annotations

import datetime
import secrets

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, jobs, pdf, schedule, signals
from filing.audit import AuditEntry, audit_record, audit_record_many
from filing.errors import Conflict, DomainError, Invalid, WrongState
from filing.models import (
    Certificate,
    CertificateCounter,
    EvaluationPlan,
    IssuanceBatch,
    Level,
    PlanStatus,
    Registration,
    RegistrationStatus,
)
from filing.numbering import NumberParts, formatter
from filing.services import photos
from filing.services.common import deny_unless, save_transition
from filing.standing import Activity, ensure_standing

PROGRESS_KEY = "issuance-progress:{}"


def new_token() -> str:
    """An opaque verification token: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def _existing(key: str, plan) -> IssuanceBatch | None:
    existing = IssuanceBatch.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.plan_id != plan.pk:
        raise Conflict(_("该幂等键已用于另一认定计划。"))
    return existing


@transaction.atomic
def issuance_request(
    *, actor, plan, idempotency_key: str, issue_date: datetime.date | None = None
) -> IssuanceBatch:
    """Ask for a plan's certificates. The same key returns the same batch (and creates nothing)."""
    key = str(idempotency_key or "").strip()
    if not key or len(key) > 80:
        raise Invalid(_("请提供幂等键。"), errors={"idempotency_key": [_("请提供1至80个字符的幂等键。")]})
    # Permission before anything else: a known key must not hand a batch to someone else.
    deny_unless(
        access.operates_body(actor, plan.body),
        actor=actor,
        action="certificate.request",
        obj=plan,
        message=_("只有本评价机构考务人员可以发放证书。"),
    )
    existing = _existing(key, plan)
    if existing is not None:
        return existing
    plan = EvaluationPlan.objects.select_for_update().select_related("body__organisation").get(pk=plan.pk)
    # Again under the plan's lock: a concurrent request with the same key may have committed meanwhile.
    existing = _existing(key, plan)
    if existing is not None:
        return existing
    if plan.status != PlanStatus.RESULTS_CONFIRMED:
        raise WrongState(_("认定结果经确认后才能发放证书。"))
    if plan.issuance_batches.exclude(state=IssuanceBatch.State.FAILED).exists():
        raise WrongState(_("本计划已有发放批次。"))
    issue_date = issue_date or schedule.today()
    schedule.require_issue_date(plan, issue_date)
    ensure_standing(plan.body, plan.line, Activity.ISSUE, issue_date)
    photos.require_photos(plan)
    batch = IssuanceBatch.objects.create(
        plan=plan,
        idempotency_key=key,
        requested_by=actor,
        issue_date=issue_date,
        total=plan.registrations.filter(status=RegistrationStatus.PASSED).count(),
    )
    audit_record(actor=actor, action="certificate.request", obj=plan, payload={"batch": batch.pk, "key": key})
    jobs.after_commit("filing.issue_batch", batch.pk)
    return batch


def _certificates(batch, plan, registrations, first: int) -> list[Certificate]:
    body, offering = plan.body, plan.line.offering
    fmt = formatter()
    level_label = str(Level(offering.level).label)
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
                level_label=level_label,
                body_name=body.name,
                issue_date=batch.issue_date,
                verification_token=new_token(),
            )
        )
        if i % 500 == 0:
            cache.set(PROGRESS_KEY.format(batch.pk), i, 3600)
    return certificates


def issue(batch_id: int) -> IssuanceBatch:
    """Issue the whole batch in one transaction (all or nothing). Safe to call again: a done batch is
    returned as it is."""
    with transaction.atomic():
        batch = IssuanceBatch.objects.select_for_update().get(pk=batch_id)
        if batch.state == IssuanceBatch.State.DONE:
            return batch
        plan = (
            EvaluationPlan.objects.select_for_update(of=("self",))
            .select_related("body", "line__offering__occupation", "line__offering__work_type")
            .get(pk=batch.plan_id)
        )
        ensure_standing(plan.body, plan.line, Activity.ISSUE, batch.issue_date)
        if plan.status != PlanStatus.RESULTS_CONFIRMED:
            raise WrongState(_("认定结果未确认或证书已发放。"))
        photos.require_photos(plan)
        registrations = list(
            Registration.objects.filter(plan=plan, status=RegistrationStatus.PASSED)
            .select_related("candidate")
            .order_by("row_number", "pk")
        )
        level = plan.line.offering.level
        counter, _created = CertificateCounter.objects.get_or_create(
            body=plan.body, year=batch.issue_date.year, level=level
        )
        counter = CertificateCounter.objects.select_for_update().get(pk=counter.pk)
        first = counter.next_serial
        if first + len(registrations) - 1 > formatter().max_serial:
            raise Conflict(
                _("%(year)d年%(level)s证书序号将超出上限，无法发放。")
                % {"year": batch.issue_date.year, "level": Level(level).label}
            )
        counter.next_serial = first + len(registrations)
        counter.save(update_fields=["next_serial"])
        certificates = _certificates(batch, plan, registrations, first)
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
        batch.finish(len(certificates), timezone.now())
        batch.save()
        signals.certificates_issued.send(sender=IssuanceBatch, batch=batch, actor=batch.requested_by)
        jobs.after_commit("filing.render_batch_pdfs", batch.pk)
    cache.set(PROGRESS_KEY.format(batch.pk), batch.issued, 3600)
    return batch


def issue_or_fail(batch_id: int) -> dict:
    """The worker's entry point: a domain refusal marks the batch failed (with its reason) instead of
    retrying forever."""
    try:
        batch = issue(batch_id)
    except DomainError as exc:
        mark_failed(batch_id, exc.message)
        return {"batch": batch_id, "error": exc.message}
    return {"batch": batch.pk, "issued": batch.issued}


@transaction.atomic
def mark_failed(batch_id: int, error: str) -> None:
    batch = IssuanceBatch.objects.select_for_update().get(pk=batch_id)
    if batch.state == IssuanceBatch.State.PENDING:
        batch.fail(error, timezone.now())
        batch.save()


def progress(batch: IssuanceBatch) -> int:
    if batch.state == IssuanceBatch.State.DONE:
        return batch.issued
    return cache.get(PROGRESS_KEY.format(batch.pk), 0)


def render_certificate_pdf(certificate_id: int) -> int:
    """Idempotent: renders only when the stored PDF is not of the certificate's current version."""
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("body", "registration__candidate")
            .filter(pk=certificate_id)
            .first()
        )
        if certificate is None or certificate.pdf_version == certificate.version:
            return 0
        content = pdf.signed(certificate)
        if certificate.pdf:
            certificate.pdf.delete(save=False)
        certificate.pdf.save(
            f"{certificate.number}-v{certificate.version}.pdf", ContentFile(content), save=False
        )
        certificate.pdf_version = certificate.version
        certificate.save(update_fields=["pdf", "pdf_version"])
    return 1


def render_batch_pdfs(batch_id: int) -> int:
    return sum(
        render_certificate_pdf(pk)
        for pk in Certificate.objects.filter(batch_id=batch_id).values_list("pk", flat=True)
    )
