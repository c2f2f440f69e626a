"""Races on PostgreSQL: N reviewers deciding the same task at once → exactly one decision, one audit entry,
one next task; everybody else gets a 409-class error (never a 500). SQLite has no row locks, so these run
on PostgreSQL only (and fail rather than skip in CI)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from viewflow.workflow import lock
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing.errors import Conflict, WrongState
from filing.models import ApplicationStatus, AuditEvent, ReviewDecision
from filing.roles import Role
from filing.services import applications as app_svc
from tests import factories
from workflows import services as wf
from workflows.flows import FilingReviewFlow

LOST = (Conflict, WrongState)


def all_flows():
    from viewflow.workflow.base import Flow

    found, stack = [], list(Flow.__subclasses__())
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


def test_every_flow_locks_the_process_row():
    flows = all_flows()
    assert FilingReviewFlow in flows
    for flow_class in flows:
        assert flow_class.lock_impl is lock.select_for_update_lock, (
            f"{flow_class.__name__} keeps the no-op lock"
        )


def _race(calls, timeout=60):
    """Run the callables at the same instant, one database connection per thread."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def runner(i, call):
        try:
            barrier.wait(timeout=timeout)
            results[i] = ("ok", call())
        except Exception as exc:  # the assertion below names any unexpected kind
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a racing thread did not finish (deadlock?)"
    return results


def _submitted(applicant, legal_rep, college):
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    return app_svc.application_submit(actor=applicant, application=draft)


def _accept_task(application):
    return Task.objects.get(
        process__filingreviewprocess__application=application, flow_task=FilingReviewFlow.district_accept
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("n", [2, 10, 50])
def test_exactly_one_reviewer_wins(on_postgres, roles, n):
    reviewers = [
        factories.user(f"rev{n}_{i}", role=Role.DISTRICT_REVIEWER, district_code="310115") for i in range(n)
    ]
    repetitions = 20
    for rep in range(repetitions):
        college = factories.organisation(district_code="310115")
        applicant = factories.user(role=Role.APPLICANT, organisation=college)
        legal_rep = factories.user(role=Role.LEGAL_REPRESENTATIVE, organisation=college)
        application = _submitted(applicant, legal_rep, college)
        task = _accept_task(application)
        audit_before = AuditEvent.objects.filter(action="review.district_accept.approve").count()

        results = _race(
            [
                (lambda r=r: wf.task_review(actor=r, task_pk=task.pk, outcome="approve", comment="受理"))
                for r in reviewers
            ]
        )
        wins = [r for r in results if r[0] == "ok"]
        losses = [r[1] for r in results if r[0] == "error"]
        assert len(wins) == 1, f"repetition {rep}: {len(wins)} winners"
        assert all(isinstance(e, LOST) for e in losses), [type(e).__name__ for e in losses]
        application.refresh_from_db()
        assert application.status == ApplicationStatus.DISTRICT_REVIEW
        assert ReviewDecision.objects.filter(application=application).count() == 1
        assert AuditEvent.objects.filter(action="review.district_accept.approve").count() == audit_before + 1
        assert (
            Task.objects.filter(
                process__filingreviewprocess__application=application,
                flow_task=FilingReviewFlow.district_review,
            ).count()
            == 1
        )


@pytest.mark.django_db(transaction=True)
def test_approve_return_reject_withdraw_race(on_postgres, roles):
    reviewers = [
        factories.user(f"rr{i}", role=Role.DISTRICT_REVIEWER, district_code="310115") for i in range(3)
    ]
    import datetime

    for rep in range(10):
        college = factories.organisation(district_code="310115")
        applicant = factories.user(role=Role.APPLICANT, organisation=college)
        legal_rep = factories.user(role=Role.LEGAL_REPRESENTATIVE, organisation=college)
        application = _submitted(applicant, legal_rep, college)
        task = _accept_task(application)
        deadline = datetime.date.today() + datetime.timedelta(days=20)
        calls = [
            lambda: wf.task_review(actor=reviewers[0], task_pk=task.pk, outcome="approve", comment="受理"),
            lambda: wf.task_review(
                actor=reviewers[1],
                task_pk=task.pk,
                outcome="return",
                comment="补正",
                correction_items=[{"kind": "field", "key": "summary"}],
                correction_deadline=deadline,
            ),
            lambda: wf.task_review(actor=reviewers[2], task_pk=task.pk, outcome="reject", comment="不予受理"),
            lambda: app_svc.application_withdraw(actor=applicant, application=application, reason="撤回"),
        ]
        results = _race(calls)
        review_wins = [i for i in range(3) if results[i][0] == "ok"]
        withdrawn = results[3][0] == "ok"
        errors = [r[1] for r in results if r[0] == "error"]
        assert all(isinstance(e, LOST) for e in errors), errors
        # At most one review decision wins; a withdrawal is legal before or after it (any non-final state).
        assert len(review_wins) <= 1, f"repetition {rep}: review winners {review_wins}"
        assert ReviewDecision.objects.filter(application=application).count() == len(review_wins)
        application.refresh_from_db()
        open_tasks = Task.objects.filter(
            process__filingreviewprocess__application=application, status__in=[STATUS.NEW, STATUS.ASSIGNED]
        ).count()
        if withdrawn:
            assert application.status == ApplicationStatus.WITHDRAWN
            assert review_wins in ([], [0], [1])  # a rejection is final: withdrawing after it must fail
            assert open_tasks == 0 and application.review_process.status == "CANCELED"
        else:
            assert len(review_wins) == 1
            expected = [
                ApplicationStatus.DISTRICT_REVIEW,
                ApplicationStatus.RETURNED,
                ApplicationStatus.REJECTED,
            ]
            assert application.status == expected[review_wins[0]]
            assert open_tasks == (0 if review_wins == [2] else 1)
