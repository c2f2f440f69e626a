"""The outbox is written in the transaction of the business change: a failure at any step between the
business write and the commit leaves no status change, no outbox row, no e-mail and no enqueued task; the
success case creates exactly the expected events and delivers them after the commit.

These tests use real transactions (``transaction=True``): the service's ``atomic`` is the outermost one,
so commit and rollback are the database's, not a test savepoint's."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import transaction
from viewflow.workflow.models import Task

from filing.models import ApplicationStatus, Correction, ReviewDecision
from filing.services import applications as app_svc
from filing.services import review
from notifications import receivers
from notifications.models import Delivery, DeliveryState, InboxMessage, OutboxEvent
from notifications.outbox import notify
from workflows import receivers as flow_receivers
from workflows import services as wf
from workflows.flows import FilingReviewFlow
from workflows.models import FilingReviewProcess
from workflows.selectors import open_task

from .conftest import deliveries_by_kind, draft_for, give_email, kinds, return_items, submit

pytestmark = pytest.mark.django_db(transaction=True)
S = ApplicationStatus


class Boom(Exception):
    """The injected fault."""


@pytest.fixture
def people(applicant, legal_rep, district_reviewer, college):
    give_email(applicant, legal_rep, district_reviewer)
    return SimpleNamespace(
        applicant=applicant, legal_rep=legal_rep, district_reviewer=district_reviewer, college=college
    )


def assert_nothing_escaped(application, status, enqueued):
    application.refresh_from_db()
    assert application.status == status
    assert OutboxEvent.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert InboxMessage.objects.count() == 0
    assert mail.outbox == []
    assert enqueued == []


# --- the faults -------------------------------------------------------------------------------------------
# Each installs a fault and returns a dict in which it notes how many outbox rows existed (inside the doomed
# transaction) when it fired: where that is > 0 the test proves the rows were rolled back, not never written.


def _rows(seen):
    seen["events"] = OutboxEvent.objects.count()
    seen["deliveries"] = Delivery.objects.count()


def fault_audit(monkeypatch, service_module):
    seen = {}

    def audit_record(**kwargs):
        _rows(seen)
        raise Boom("audit log unavailable")

    monkeypatch.setattr(service_module, "audit_record", audit_record)
    return seen


def fault_notifications_receiver(monkeypatch):
    """A notifications receiver that fails after its first notify() wrote its rows."""
    seen = {}
    real_notify = receivers.notify

    def failing_notify(*args, **kwargs):
        real_notify(*args, **kwargs)
        _rows(seen)
        raise Boom("receiver failed after writing")

    monkeypatch.setattr(receivers, "notify", failing_notify)
    return seen


def fault_bulk_create(monkeypatch):
    """Delivery.objects.bulk_create inside notify() writes, then fails."""
    seen = {}
    manager = Delivery.objects
    real_bulk_create = manager.bulk_create

    def bulk_create(rows, *args, **kwargs):
        real_bulk_create(rows, *args, **kwargs)
        _rows(seen)
        raise Boom("bulk_create failed")

    monkeypatch.setattr(manager, "bulk_create", bulk_create)
    return seen


def fault_start_review(monkeypatch):
    """The workflows receiver start_review fails after the review process was created."""
    seen = {}
    real_start = flow_receivers.FilingReviewFlow.start

    class FailingStart:
        def run(self, **kwargs):
            real_start.run(**kwargs)
            assert FilingReviewProcess.objects.exists()
            _rows(seen)
            raise Boom("workflow engine failed")

    monkeypatch.setattr(flow_receivers, "FilingReviewFlow", SimpleNamespace(start=FailingStart()))
    return seen


def fault_flow_advance(monkeypatch):
    """The review flow fails to create the next task (the correction) after review_decide returned."""
    seen = {}
    real_save = Task.save

    def save(self, *args, **kwargs):
        if self.flow_task == FilingReviewFlow.correction:
            _rows(seen)
            raise Boom("could not create the correction task")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Task, "save", save)
    return seen


# --- submission -------------------------------------------------------------------------------------------


def test_submit_success_writes_the_expected_events_and_delivers_after_commit(people, enqueued):
    draft = draft_for(people.applicant, people.legal_rep, people.college)
    assert OutboxEvent.objects.count() == 0  # building the draft notifies nobody

    application = app_svc.application_submit(actor=people.applicant, application=draft)

    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert kinds() == ["submitted", "submitted_receipt"]
    assert deliveries_by_kind() == {
        "submitted": {("district_pd", "inapp"), ("district_pd", "email")},
        "submitted_receipt": {
            ("applicant", "inapp"),
            ("applicant", "email"),
            ("legalrep", "inapp"),
            ("legalrep", "email"),
        },
    }
    # One task per event, enqueued after the commit (no transaction open any more).
    assert len(enqueued) == 2
    assert all(not in_transaction for _, in_transaction in enqueued)
    assert sorted(pk for ids, _ in enqueued for pk in ids) == sorted(
        Delivery.objects.values_list("pk", flat=True)
    )
    # ...and delivered.
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == [
        "applicant@example.cn",
        "district_pd@example.cn",
        "legalrep@example.cn",
    ]
    assert all(application.number in m.subject for m in mail.outbox)
    assert sorted(InboxMessage.objects.values_list("recipient__username", flat=True)) == [
        "applicant",
        "district_pd",
        "legalrep",
    ]


SUBMIT_FAULTS = {
    "audit_record": lambda mp: fault_audit(mp, app_svc),
    "workflows.start_review": fault_start_review,
    "notifications receiver": fault_notifications_receiver,
    "Delivery.objects.bulk_create": fault_bulk_create,
}


@pytest.mark.parametrize("fault", SUBMIT_FAULTS)
def test_submit_fault_leaves_nothing_behind(people, enqueued, monkeypatch, fault):
    draft = draft_for(people.applicant, people.legal_rep, people.college)
    seen = SUBMIT_FAULTS[fault](monkeypatch)

    with pytest.raises(Boom):
        app_svc.application_submit(actor=people.applicant, application=draft)

    assert seen, "the fault did not fire"
    if fault in ("notifications receiver", "Delivery.objects.bulk_create"):
        assert seen["deliveries"] > 0  # the rows were written, then rolled back
    assert_nothing_escaped(draft, S.DRAFT, enqueued)
    assert not FilingReviewProcess.objects.exists()


def test_submit_then_caller_fails_inside_outer_transaction(people, enqueued):
    draft = draft_for(people.applicant, people.legal_rep, people.college)

    with pytest.raises(Boom), transaction.atomic():
        application = app_svc.application_submit(actor=people.applicant, application=draft)
        assert application.status == S.SUBMITTED
        assert Delivery.objects.count() == 6  # written in this transaction...
        raise Boom("the caller failed after the service returned")

    assert_nothing_escaped(draft, S.DRAFT, enqueued)  # ...and gone with it
    assert not FilingReviewProcess.objects.exists()


# --- a review return (workflows.services.task_review, outcome "return") --------------------------------


@pytest.fixture
def submitted(people):
    """A submitted application; the submission's own notifications are cleared."""
    application = submit(people.applicant, people.legal_rep, people.college)
    OutboxEvent.objects.all().delete()
    mail.outbox.clear()
    return application


def test_return_success_writes_the_returned_event_and_delivers_after_commit(people, submitted, enqueued):
    wf.task_review(
        actor=people.district_reviewer, task_pk=open_task(submitted, "district_accept").pk, **return_items()
    )

    submitted.refresh_from_db()
    assert submitted.status == S.RETURNED
    assert kinds() == ["returned"]
    assert deliveries_by_kind() == {
        "returned": {
            ("applicant", "inapp"),
            ("applicant", "email"),
            ("legalrep", "inapp"),
            ("legalrep", "email"),
        }
    }
    assert len(enqueued) == 1 and enqueued[0][1] is False
    assert sorted(enqueued[0][0]) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == ["applicant@example.cn", "legalrep@example.cn"]
    assert all("质量管理制度" in m.body for m in mail.outbox)
    assert InboxMessage.objects.count() == 2
    assert open_task(submitted, "correction").owner == people.applicant


RETURN_FAULTS = {
    "audit_record": lambda mp: fault_audit(mp, review),
    "notifications receiver": fault_notifications_receiver,
    "Delivery.objects.bulk_create": fault_bulk_create,
    "workflows flow advance": fault_flow_advance,
}


def _assert_return_undone(application, enqueued):
    assert_nothing_escaped(application, S.SUBMITTED, enqueued)
    assert not Correction.objects.exists()
    assert not ReviewDecision.objects.exists()
    assert open_task(application, "district_accept").status == "NEW"  # still in the queue


@pytest.mark.parametrize("fault", RETURN_FAULTS)
def test_return_fault_leaves_nothing_behind(people, submitted, enqueued, monkeypatch, fault):
    task = open_task(submitted, "district_accept")
    seen = RETURN_FAULTS[fault](monkeypatch)

    with pytest.raises(Boom):
        wf.task_review(actor=people.district_reviewer, task_pk=task.pk, **return_items())

    assert seen, "the fault did not fire"
    if fault != "audit_record":
        assert seen["deliveries"] > 0  # the rows were written, then rolled back
    _assert_return_undone(submitted, enqueued)


def test_return_then_caller_fails_inside_outer_transaction(people, submitted, enqueued):
    task = open_task(submitted, "district_accept")

    with pytest.raises(Boom), transaction.atomic():
        wf.task_review(actor=people.district_reviewer, task_pk=task.pk, **return_items())
        assert Delivery.objects.filter(event__kind="returned").count() == 4
        raise Boom("the caller failed after the service returned")

    _assert_return_undone(submitted, enqueued)


# --- rolled-back transactions in general --------------------------------------------------------------------


def test_no_mail_and_no_task_for_a_rolled_back_transaction(people, enqueued):
    payload = {"number": "SF-TEST-1"}
    with pytest.raises(Boom), transaction.atomic():
        notify("accepted", [people.applicant], payload)
        assert Delivery.objects.count() == 2
        raise Boom

    assert OutboxEvent.objects.count() == 0 and Delivery.objects.count() == 0
    assert mail.outbox == [] and enqueued == [] and InboxMessage.objects.count() == 0


def test_a_rolled_back_savepoint_drops_only_its_own_notifications(people, enqueued):
    payload = {"number": "SF-TEST-2"}
    with transaction.atomic():
        kept = notify("accepted", [people.applicant], payload)
        try:
            with transaction.atomic():
                notify("accepted", [people.legal_rep], payload)
                raise Boom
        except Boom:
            pass
        assert enqueued == []  # nothing before the commit

    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    assert len(enqueued) == 1
    assert sorted(enqueued[0][0]) == sorted(kept.deliveries.values_list("pk", flat=True))
    assert [m.to for m in mail.outbox] == [["applicant@example.cn"]]
    assert list(InboxMessage.objects.values_list("recipient__username", flat=True)) == ["applicant"]
