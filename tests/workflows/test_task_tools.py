"""Reviewer tools: claim, release, transfer (转办) by the unit lead, and the statutory clock."""

import datetime

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing.clock import clock_status
from filing.errors import Denied, Invalid, WrongState
from filing.models import ApplicationStatus, ClockPeriod
from filing.roles import Role
from filing.services import applications as app_svc
from filing.services import review
from tests import factories
from workflows import selectors as wf_selectors
from workflows import services as wf
from workflows.flows import FilingReviewFlow

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(applicant, legal_rep, college):
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    return app_svc.application_submit(actor=applicant, application=draft)


def accept(application, reviewer, *, on: datetime.date) -> None:
    """The district's acceptance on a given day: the statutory clock starts there."""
    review.review_decide(
        actor=reviewer,
        application=application,
        step="district_accept",
        outcome="approve",
        comment="受理",
        today=on,
    )
    application.refresh_from_db()


def accept_task(application):
    return Task.objects.get(
        process__filingreviewprocess__application=application, flow_task=FilingReviewFlow.district_accept
    )


def test_claim_and_release(submitted, district_reviewer, other_district_reviewer):
    task = accept_task(submitted)
    with pytest.raises(Denied):
        wf.task_claim(actor=other_district_reviewer, task_pk=task.pk)
    wf.task_claim(actor=district_reviewer, task_pk=task.pk)
    task.refresh_from_db()
    assert task.owner == district_reviewer and task.status == STATUS.ASSIGNED
    assert task in list(wf_selectors.tasks_visible_to(district_reviewer)["inbox"])
    with pytest.raises(WrongState):
        wf.task_claim(actor=district_reviewer, task_pk=task.pk)
    wf.task_release(actor=district_reviewer, task_pk=task.pk)
    task.refresh_from_db()
    assert task.owner is None and task.status == STATUS.NEW


def test_claimed_task_can_only_be_decided_by_its_owner(submitted, district_reviewer, district_lead):
    task = accept_task(submitted)
    wf.task_claim(actor=district_reviewer, task_pk=task.pk)
    with pytest.raises(Denied):
        wf.task_review(actor=district_lead, task_pk=task.pk, outcome="approve", comment="受理")


def test_unit_lead_transfers_a_task_to_a_colleague(submitted, district_reviewer, district_lead, roles):
    colleague = factories.user("district_pd_2", role=Role.DISTRICT_REVIEWER, district_code="310115")
    task = accept_task(submitted)
    wf.task_claim(actor=district_reviewer, task_pk=task.pk)
    # A plain reviewer may not transfer; the lead may, with a reason, to someone who could claim it.
    with pytest.raises(Denied):
        wf.task_transfer(actor=district_reviewer, task_pk=task.pk, to_user_pk=colleague.pk, reason="休假")
    with pytest.raises(Invalid):
        wf.task_transfer(actor=district_lead, task_pk=task.pk, to_user_pk=colleague.pk, reason=" ")
    xh = factories.user("district_xh_2", role=Role.DISTRICT_REVIEWER, district_code="310104")
    with pytest.raises(Denied):
        wf.task_transfer(actor=district_lead, task_pk=task.pk, to_user_pk=xh.pk, reason="休假")
    wf.task_transfer(actor=district_lead, task_pk=task.pk, to_user_pk=colleague.pk, reason="原经办人休假")
    task.refresh_from_db()
    assert task.owner == colleague
    wf.task_review(actor=colleague, task_pk=task.pk, outcome="approve", comment="受理")
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.DISTRICT_REVIEW


def test_clock_counts_review_time_only(submitted, district_reviewer, district_lead, municipal_lead):
    # Accepted on a Monday (2025-09-15); 2025 National Day holidays fall inside the review.
    monday = datetime.date(2025, 9, 15)
    accept(submitted, district_reviewer, on=monday)
    status = clock_status(submitted, today=datetime.date(2025, 9, 19))
    assert (status.used, status.left, status.running) == (4, 16, True)
    periods = ClockPeriod.objects.filter(application=submitted)
    assert [p.kind for p in periods] == [ClockPeriod.Kind.REVIEW]
    # 20 working days from 09-15 across 国庆 (10-01..10-08 off, 09-28 and 10-11 make-up workdays).
    # 09-16..19 (4), 09-22..26 (5), Sun 09-28 (1), 09-29..30 (2), 10-09..10 (2), Sat 10-11 (1), 10-13..17 (5).
    assert clock_status(submitted, today=datetime.date(2025, 10, 14)).due_on == datetime.date(2025, 10, 17)
    status = clock_status(submitted, today=datetime.date(2025, 10, 17))
    assert status.used == 20 and status.left == 0 and status.state == "near"
    assert clock_status(submitted, today=datetime.date(2025, 10, 20)).state == "overdue"
    review.clock_extend(actor=municipal_lead, application=submitted, reason="需现场核查")
    submitted.refresh_from_db()
    extended = clock_status(submitted, today=datetime.date(2025, 10, 20))
    assert extended.limit == 30 and extended.left == 9 and extended.extended
    with pytest.raises(WrongState):
        review.clock_extend(actor=municipal_lead, application=submitted, reason="再次延期")


def test_correction_time_is_excluded(submitted, district_reviewer, district_lead):
    accept(submitted, district_reviewer, on=datetime.date(2025, 9, 15))
    review.review_decide(
        actor=district_lead,
        application=submitted,
        step="district_review",
        outcome="return",
        comment="补正",
        correction_items=[{"kind": "field", "key": "summary"}],
        correction_deadline=datetime.date(2025, 12, 31),
        today=datetime.date(2025, 9, 19),
    )
    submitted.refresh_from_db()
    paused = clock_status(submitted, today=datetime.date(2025, 11, 3))
    assert (paused.used, paused.running, paused.state) == (4, False, "paused")


def test_only_a_municipal_lead_extends(submitted, municipal_reviewer):
    with pytest.raises(Denied):
        review.clock_extend(actor=municipal_reviewer, application=submitted, reason="x")


def test_clock_reaching_an_undeclared_year_reports_the_gap_instead_of_failing(
    client, monkeypatch, submitted, district_reviewer
):
    """Late in a year whose successor's holiday schedule is not entered, the clock still shows the days used
    and left; only the due date waits for the schedule. Inside such a year it says it cannot count. The inbox
    and the application page keep working (they answered 500 before)."""
    from filing import workdays
    from filing.models import CalendarYear

    monkeypatch.setattr(workdays, "_package_knows", lambda year: year <= 2025)
    accept(submitted, district_reviewer, on=datetime.date(2025, 12, 22))
    late = clock_status(submitted, today=datetime.date(2025, 12, 24))
    assert (late.used, late.left, late.due_on, late.calendar_gap, late.state) == (2, 18, None, 2026, "ok")
    inside = clock_status(submitted, today=datetime.date(2026, 1, 5))
    assert (inside.used, inside.left, inside.calendar_gap, inside.state) == (None, None, 2026, "unknown")

    client.force_login(district_reviewer)
    for url in ("/tasks/", f"/applications/{submitted.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "法定时限" in response.content.decode()

    CalendarYear.objects.create(year=2026, source="国务院办公厅关于2026年部分节假日安排的通知")
    declared = clock_status(submitted, today=datetime.date(2025, 12, 24))
    assert declared.calendar_gap is None and declared.due_on is not None
