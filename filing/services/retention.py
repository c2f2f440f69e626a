"""Retention of roster personal data (PIPL: keep no longer than needed). Once a plan is archived (every
certificate acknowledged by the national system) and FILING["ROSTER_RETENTION_DAYS"] have passed, the timer
purges what its rosters brought in: the registrations' imported row details, the import reports and file
layouts, and the candidates who hold no certificate and have no registration in a plan still kept.
Certificates (with their holder snapshot) and results are kept; so are candidates who hold a certificate
(a later correction or revocation must still reach the national report with the full number)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction

from filing.audit import audit_record
from filing.models import Candidate, EvaluationPlan, PlanStatus, Registration, RosterImport

PURGED_NAME = "（已清除）"


def retention_days() -> int:
    return settings.FILING["ROSTER_RETENTION_DAYS"]


def plans_due(today: datetime.date):
    cutoff = today - datetime.timedelta(days=retention_days())
    return EvaluationPlan.objects.filter(
        status=PlanStatus.ARCHIVED, archived_on__lte=cutoff, roster_purged_on__isnull=True
    ).order_by("pk")


@transaction.atomic
def roster_purge(*, plan: EvaluationPlan, today: datetime.date, actor=None) -> dict:
    """Purge one archived plan's roster personal data (idempotent: a purged plan is left alone)."""
    plan = EvaluationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.roster_purged_on is not None or plan.status != PlanStatus.ARCHIVED:
        return {"registrations": 0, "imports": 0, "candidates": 0}
    registrations = Registration.objects.filter(plan=plan)
    candidate_ids = list(registrations.values_list("candidate_id", flat=True))
    n_registrations = registrations.update(
        class_name="", row_number=None, eligibility=[], ineligible_reason=""
    )
    n_imports = RosterImport.objects.filter(plan=plan).update(file_name="", report=[], layout={})
    kept_elsewhere = (
        Registration.objects.filter(candidate_id__in=candidate_ids)
        .exclude(plan=plan)
        .exclude(plan__roster_purged_on__isnull=False)
    )
    purgeable_ids = set(
        Candidate.objects.filter(pk__in=candidate_ids)
        .exclude(registrations__certificates__isnull=False)
        .exclude(pk__in=kept_elsewhere.values("candidate_id"))
        .values_list("pk", flat=True)
    )
    # Locked by primary key alone: PostgreSQL refuses FOR UPDATE with DISTINCT or joins to nullable sides.
    purgeable = Candidate.objects.select_for_update().filter(pk__in=purgeable_ids).order_by("pk")
    n_candidates = 0
    for candidate in purgeable:
        # The keyed index is released too: the same person registering again later is a new candidate.
        candidate.name, candidate.document_encrypted, candidate.birth_date = PURGED_NAME, "", None
        candidate.document_masked, candidate.document_index = "", f"purged-{candidate.pk}"
        candidate.save(
            update_fields=["name", "document_encrypted", "birth_date", "document_masked", "document_index"]
        )
        n_candidates += 1
    plan.roster_purged_on = today
    plan.save(update_fields=["roster_purged_on"])
    counts = {"registrations": n_registrations, "imports": n_imports, "candidates": n_candidates}
    audit_record(
        actor=actor,
        action="plan.roster_purge",
        obj=plan,
        payload={**counts, "archived_on": str(plan.archived_on), "retention_days": retention_days()},
    )
    return counts


def purge_expired_rosters(today: datetime.date) -> int:
    """The timer: every archived plan past the retention period, each in its own transaction."""
    done = 0
    for plan in plans_due(today):
        roster_purge(plan=plan, today=today)
        done += 1
    return done
