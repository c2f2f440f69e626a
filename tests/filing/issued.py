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
