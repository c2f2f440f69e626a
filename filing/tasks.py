"""Celery tasks of the domain: each is a one-line call of a service (beat runs the timers; issuance and PDF
rendering are queued after commit by :func:`filing.jobs.after_commit`)."""

from __future__ import annotations

from celery import shared_task

from filing.services import issuance, timers


@shared_task(name="filing.run_timers")
def run_timers() -> dict:
    return timers.run_timers()


@shared_task(name="filing.issue_batch", acks_late=True)
def issue_batch(batch_id: int) -> dict:
    """A worker killed mid-way leaves nothing; the message is redelivered (acks_late) and the batch issued
    again from scratch; a finished batch is a no-op."""
    return issuance.issue_or_fail(batch_id)


@shared_task(name="filing.render_batch_pdfs")
def render_batch_pdfs(batch_id: int) -> int:
    return issuance.render_batch_pdfs(batch_id)


@shared_task(name="filing.render_certificate_pdf")
def render_certificate_pdf(certificate_id: int) -> int:
    return issuance.render_certificate_pdf(certificate_id)


@shared_task(name="filing.yearly_report")
def yearly_report(report_id: int) -> str:
    from filing.services import yearly_reports

    return yearly_reports.yearly_report_build(report_id)
