"""Periodic work (Celery beat in production; `manage.py run_timers` from cron works too): the publicity
timer that files applications whose publicity ended, and the lapse of unanswered corrections."""

from __future__ import annotations

from celery import shared_task

from filing.services import review


@shared_task(name="filing.run_timers")
def run_timers() -> dict:
    return {
        "filed": review.close_ended_publicity(),
        "lapsed": review.lapse_overdue_corrections(),
    }


@shared_task(name="filing.issue_batch", acks_late=True)
def issue_batch(batch_id: int) -> dict:
    """Issue a batch (one transaction). A worker killed mid-way leaves nothing; the message is redelivered
    (acks_late) and the batch issued again from scratch; a finished batch is a no-op."""
    from filing.errors import DomainError
    from filing.services import certificates

    try:
        batch = certificates.issue(batch_id)
    except DomainError as exc:
        certificates.mark_failed(batch_id, exc.message)
        return {"batch": batch_id, "error": exc.message}
    return {"batch": batch.pk, "issued": batch.issued}


@shared_task(name="filing.render_batch_pdfs")
def render_batch_pdfs(batch_id: int) -> int:
    from filing.models import Certificate

    count = 0
    for pk in Certificate.objects.filter(batch_id=batch_id).values_list("pk", flat=True):
        count += render_certificate_pdf(pk)
    return count


@shared_task(name="filing.render_certificate_pdf")
def render_certificate_pdf(certificate_id: int) -> int:
    """Idempotent: renders only when the stored PDF is not of the certificate's current version."""
    from django.core.files.base import ContentFile
    from django.db import transaction

    from filing import pdf
    from filing.models import Certificate

    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().filter(pk=certificate_id).first()
        if certificate is None or certificate.pdf_version == certificate.version:
            return 0
        content = pdf.render(certificate)
        if certificate.pdf:
            certificate.pdf.delete(save=False)
        certificate.pdf.save(
            f"{certificate.number}-v{certificate.version}.pdf", ContentFile(content), save=False
        )
        certificate.pdf_version = certificate.version
        certificate.save(update_fields=["pdf", "pdf_version"])
    return 1
