"""Roster retention (``filing.services.retention``): after an archived plan's retention period the timer
purges its rosters' personal data, audited and once; certificates and their holders' numbers are kept."""

from __future__ import annotations

import datetime

import pytest

from filing import pii
from filing.errors import WrongState
from filing.models import AuditEvent, Candidate, Certificate, PlanStatus, RegistrationStatus, RosterImport
from filing.services import national
from filing.services.roster import reveal_document_number
from filing.services.timers import run_timers
from tests import factories
from tests.filing.issued import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived(college, roles, municipal_reviewer, settings):
    settings.FILING = {**settings.FILING, "ROSTER_RETENTION_DAYS": 30}
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=2, failed=1)
    plan.registrations.update(class_name="数控2201班", eligibility=[{"rule": "age", "passed": True}])
    RosterImport.objects.create(
        plan=plan,
        uploaded_by=operator,
        file_name="2026届数控名册.xlsx",
        sha256="0" * 64,
        outcome=RosterImport.Outcome.REJECTED,
        report=[{"row": 3, "column": "姓名", "reason": "姓名与证件号码不符"}],
        layout={"sheet": "考生名册"},
    )
    issue(plan, operator, "keep")
    report = national.report_export(actor=municipal_reviewer)
    national.report_acknowledge(actor=municipal_reviewer, report=report)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ARCHIVED
    return plan, operator


def test_nothing_is_purged_before_the_retention_period(archived):
    plan, _operator = archived
    run_timers(plan.archived_on + datetime.timedelta(days=29))
    plan.refresh_from_db()
    assert plan.roster_purged_on is None
    assert RosterImport.objects.get(plan=plan).file_name


def test_the_timer_purges_roster_data_and_keeps_certificates(archived):
    plan, operator = archived
    certified = {c.registration.candidate_id for c in Certificate.objects.select_related("registration")}
    failed = plan.registrations.get(status=RegistrationStatus.FAILED)
    numbers = {c.pk: pii.decrypt(c.document_encrypted) for c in Candidate.objects.filter(pk__in=certified)}
    day = plan.archived_on + datetime.timedelta(days=30)
    results = run_timers(day)
    assert results["rosters_purged"] == 1
    plan.refresh_from_db()
    assert plan.roster_purged_on == day
    imported = RosterImport.objects.get(plan=plan)
    assert (imported.file_name, imported.report, imported.layout) == ("", [], {})
    assert set(plan.registrations.values_list("class_name", flat=True)) == {""}
    assert all(r.eligibility == [] and r.row_number is None for r in plan.registrations.all())
    gone = Candidate.objects.get(pk=failed.candidate_id)
    assert gone.document_encrypted == "" and gone.birth_date is None and gone.document_masked == ""
    with pytest.raises(WrongState):
        reveal_document_number(actor=operator, registration=plan.registrations.get(pk=failed.pk))
    # Certificates and their holders' numbers stay (a later correction is reported with the full number).
    assert Certificate.objects.count() == 2
    assert {
        c.pk: pii.decrypt(c.document_encrypted) for c in Candidate.objects.filter(pk__in=certified)
    } == numbers
    event = AuditEvent.objects.get(action="plan.roster_purge")
    assert event.payload["candidates"] == 1 and event.payload["registrations"] == 3
    assert run_timers(day)["rosters_purged"] == 0  # once
    assert AuditEvent.objects.filter(action="plan.roster_purge").count() == 1
