"""Deadline reminders (notifications.reminders.send_reminders): due soon (≤ 3 working days left) and overdue
to the task's owner or to everyone who may claim it, correction deadlines to the applicants; each once.

Dates are fixed in 2025/2026, which the working-day calendar knows; the clock's review period is moved
there after the real acceptance."""

from __future__ import annotations

import datetime

import pytest

from filing.clock import NEAR_DEADLINE_DAYS, clock_status, limit_for
from filing.models import ClockPeriod, Correction
from filing.workdays import add_working_days, working_days_between
from notifications.models import Delivery, OutboxEvent
from workflows import services as wf
from workflows.reminders import send_reminders
from workflows.selectors import open_task

from .conftest import return_items, submit

pytestmark = pytest.mark.django_db
REVIEW_STARTED = datetime.date(2025, 9, 1)  # a Monday


def recipients(kind):
    return sorted(
        Delivery.objects.filter(event__kind=kind, channel="inapp").values_list(
            "recipient__username", flat=True
        )
    )


@pytest.fixture
def under_district_review(applicant, legal_rep, college, district_reviewer, district_lead):
    """Accepted by district_pd; the district review task waits in the district's queue. Its review clock
    started on REVIEW_STARTED."""
    application = submit(applicant, legal_rep, college)
    wf.task_review(
        actor=district_reviewer,
        task_pk=open_task(application, "district_accept").pk,
        outcome="approve",
        comment="材料齐全，予以受理",
    )
    application.refresh_from_db()
    assert application.accepted_on is not None
    ClockPeriod.objects.filter(application=application, kind=ClockPeriod.Kind.REVIEW).update(
        started_on=REVIEW_STARTED
    )
    OutboxEvent.objects.all().delete()  # the acceptance's own notifications
    return application


def day_with_left(application, left):
    """The date on which the application's review clock has exactly ``left`` working days left."""
    day = add_working_days(REVIEW_STARTED, limit_for(application) - left)
    assert datetime.date(2025, 1, 1) <= day <= datetime.date(2026, 12, 31)
    assert clock_status(application, day).left == left
    return day


def test_due_soon_then_overdue_reach_every_holder_of_the_queue_once(
    under_district_review, other_district_reviewer, municipal_reviewer, django_capture_on_commit_callbacks
):
    application = under_district_review
    task = open_task(application, "district_review")
    assert task.owner_id is None and task.owner_permission == "filing.review_district_310115"

    # Four working days left: nothing yet.
    assert send_reminders(today=day_with_left(application, NEAR_DEADLINE_DAYS + 1)) == {
        "due_soon": 0,
        "overdue": 0,
        "correction": 0,
    }
    assert OutboxEvent.objects.count() == 0

    # Three left: one reminder to everyone who could claim the task (the district's reviewers only).
    soon = day_with_left(application, NEAR_DEADLINE_DAYS)
    assert send_reminders(today=soon)["due_soon"] == 1
    assert recipients("task_due_soon") == ["district_pd", "district_pd_lead"]
    event = OutboxEvent.objects.get(kind="task_due_soon")
    assert event.payload["left"] == NEAR_DEADLINE_DAYS and event.payload["number"] == application.number

    # Again the same day, and on the last day: nothing new (and nothing enqueued).
    with django_capture_on_commit_callbacks() as callbacks:
        assert send_reminders(today=soon)["due_soon"] == 0
        assert send_reminders(today=day_with_left(application, 0))["due_soon"] == 0
    assert callbacks == []
    assert OutboxEvent.objects.filter(kind="task_due_soon").count() == 1
    assert Delivery.objects.filter(event__kind="task_due_soon").count() == 2

    # Overdue: one more, once.
    late = day_with_left(application, -1)
    assert send_reminders(today=late) == {"due_soon": 0, "overdue": 1, "correction": 0}
    assert send_reminders(today=late) == {"due_soon": 0, "overdue": 0, "correction": 0}
    assert send_reminders(today=day_with_left(application, -3))["overdue"] == 0
    assert recipients("task_overdue") == ["district_pd", "district_pd_lead"]
    assert OutboxEvent.objects.get(kind="task_overdue").payload["overdue"] == 1
    assert sorted(OutboxEvent.objects.values_list("kind", flat=True)) == ["task_due_soon", "task_overdue"]


def test_a_claimed_task_reminds_its_owner_only(under_district_review, district_lead):
    application = under_district_review
    wf.task_claim(actor=district_lead, task_pk=open_task(application, "district_review").pk)
    OutboxEvent.objects.all().delete()

    assert send_reminders(today=day_with_left(application, 1))["due_soon"] == 1
    assert recipients("task_due_soon") == ["district_pd_lead"]
    assert send_reminders(today=day_with_left(application, -2))["overdue"] == 1
    assert recipients("task_overdue") == ["district_pd_lead"]


def test_a_paused_clock_does_not_remind(under_district_review, district_lead):
    """Time with the applicant (a correction) does not count: a task whose clock stopped long ago is not
    'overdue' however late it is."""
    application = under_district_review
    ClockPeriod.objects.filter(application=application).update(ended_on=datetime.date(2025, 9, 5))
    assert send_reminders(today=datetime.date(2026, 6, 1)) == {"due_soon": 0, "overdue": 0, "correction": 0}
    assert OutboxEvent.objects.count() == 0


def test_an_open_correction_near_its_deadline_reminds_the_applicants_once(
    applicant, legal_rep, college, district_reviewer
):
    application = submit(applicant, legal_rep, college)
    wf.task_review(
        actor=district_reviewer, task_pk=open_task(application, "district_accept").pk, **return_items()
    )
    deadline = datetime.date(2026, 3, 16)  # a Monday
    Correction.objects.filter(application=application).update(deadline=deadline)
    OutboxEvent.objects.all().delete()

    assert working_days_between(datetime.date(2026, 3, 9), deadline) > NEAR_DEADLINE_DAYS
    assert send_reminders(today=datetime.date(2026, 3, 9))["correction"] == 0  # still a week
    assert send_reminders(today=datetime.date(2026, 3, 17))["correction"] == 0  # already past
    assert OutboxEvent.objects.count() == 0

    assert 0 <= working_days_between(datetime.date(2026, 3, 12), deadline) <= NEAR_DEADLINE_DAYS
    assert send_reminders(today=datetime.date(2026, 3, 12))["correction"] == 1
    assert recipients("correction_due_soon") == ["applicant", "legalrep"]
    assert OutboxEvent.objects.get(kind="correction_due_soon").payload["deadline"] == "2026-03-16"

    assert send_reminders(today=datetime.date(2026, 3, 13))["correction"] == 0
    assert send_reminders(today=deadline)["correction"] == 0
    assert OutboxEvent.objects.filter(kind="correction_due_soon").count() == 1
    # The correction task is the applicant's, not a review task: no task reminders.
    assert not OutboxEvent.objects.filter(kind__startswith="task_").exists()


def test_an_answered_correction_is_not_reminded(applicant, legal_rep, college, district_reviewer):
    application = submit(applicant, legal_rep, college)
    wf.task_review(
        actor=district_reviewer, task_pk=open_task(application, "district_accept").pk, **return_items()
    )
    Correction.objects.filter(application=application).update(
        deadline=datetime.date(2026, 3, 16), state=Correction.State.ANSWERED
    )
    assert send_reminders(today=datetime.date(2026, 3, 12))["correction"] == 0
    assert not OutboxEvent.objects.filter(kind="correction_due_soon").exists()
