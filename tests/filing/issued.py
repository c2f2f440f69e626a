"""Certificates issued the way the pages and the worker do it, for the certificate tests."""

from __future__ import annotations

import datetime

from django.test import TestCase

from filing.services import issuance

ISSUE = datetime.date(2026, 7, 1)


def issue(plan, operator, key, *, issue_date=ISSUE):
    """Request a batch and run what would run after commit (the issuing task, then PDFs) in-process."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = issuance.issuance_request(
            actor=operator, plan=plan, idempotency_key=key, issue_date=issue_date
        )
    batch.refresh_from_db()
    return batch


def revoke(certificate, operator, reviewer, *, reason="考试作弊", authority="", comment="同意撤销"):
    """The whole revocation: the body's operator requests it, a municipal reviewer approves the task."""
    from filing.services import certificates
    from workflows import services as wf
    from workflows.selectors import open_task

    request = certificates.revocation_request(
        actor=operator, certificate=certificate, reason=reason, authority=authority
    )
    task = open_task(request, "review_revocation")
    wf.task_revocation_review(actor=reviewer, task_pk=task.pk, approve=True, comment=comment)
    request.refresh_from_db()
    return request
