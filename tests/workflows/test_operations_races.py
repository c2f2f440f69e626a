"""Races of the task operations on PostgreSQL (row locks; SQLite proves nothing): a take-back against the
next step's claim or decision — exactly one wins, 20 repetitions each; the loser gets a 409-class error."""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing.models import ApplicationStatus, AuditEvent, ReviewDecision, ReviewOutcome
from filing.roles import Role
from filing.services import applications as app_svc
from tests import factories
from tests.workflows.test_concurrency import LOST, _race
from workflows import operations as ops
from workflows import services as wf
from workflows.flows import FilingReviewFlow

REPETITIONS = 20


def _at_municipal_review(district_reviewer, accepter):
    college = factories.organisation(district_code="310115")
    applicant = factories.user(role=Role.APPLICANT, organisation=college)
    legal_rep = factories.user(role=Role.LEGAL_REPRESENTATIVE, organisation=college)
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    application = app_svc.application_submit(actor=applicant, application=draft)

    def task(node):
        return Task.objects.filter(
            process__filingreviewprocess__application=application, flow_task=getattr(FilingReviewFlow, node)
        ).latest("pk")

    wf.task_review(actor=accepter, task_pk=task("district_accept").pk, outcome="approve", comment="受理")
    done = task("district_review")
    wf.task_review(actor=district_reviewer, task_pk=done.pk, outcome="approve", comment="同意")
    return application, done, task("municipal_review")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rival", ["claim", "decide"])
def test_take_back_races_the_next_step(on_postgres, roles, rival):
    district = factories.user(f"tb_d_{rival}", role=Role.DISTRICT_REVIEWER, district_code="310115")
    accepter = factories.user(f"tb_a_{rival}", role=Role.DISTRICT_REVIEWER, district_code="310115")
    city = factories.user(f"tb_m_{rival}", role=Role.MUNICIPAL_REVIEWER)
    outcomes = {"take_back": 0, rival: 0}
    for rep in range(REPETITIONS):
        application, done, municipal = _at_municipal_review(district, accepter)
        audit_before = AuditEvent.objects.filter(action="task.take_back").count()

        def take_back():
            return ops.task_take_back(actor=district, task_pk=done.pk)

        def next_step():
            if rival == "claim":
                return wf.task_claim(actor=city, task_pk=municipal.pk)
            return wf.task_review(actor=city, task_pk=municipal.pk, outcome="approve", comment="市级同意")

        results = _race([take_back, next_step])
        wins = [i for i, r in enumerate(results) if r[0] == "ok"]
        losses = [r[1] for r in results if r[0] == "error"]
        assert len(wins) == 1, f"repetition {rep}: {results}"
        assert all(isinstance(e, LOST) for e in losses), [repr(e) for e in losses]
        application.refresh_from_db()
        municipal.refresh_from_db()
        taken_back = AuditEvent.objects.filter(action="task.take_back").count() - audit_before
        open_district = Task.objects.filter(
            process=done.process, flow_task=FilingReviewFlow.district_review, status=STATUS.ASSIGNED
        ).count()
        if wins == [0]:  # the take-back won: the city's task is cancelled, the district's reopened
            outcomes["take_back"] += 1
            assert application.status == ApplicationStatus.DISTRICT_REVIEW
            assert municipal.status == STATUS.CANCELED
            assert taken_back == 1 and open_district == 1
            assert (
                ReviewDecision.objects.filter(
                    application=application, outcome=ReviewOutcome.TAKE_BACK
                ).count()
                == 1
            )
        else:  # the next step won: nothing was taken back
            outcomes[rival] += 1
            expected = (
                ApplicationStatus.MUNICIPAL_REVIEW
                if rival == "claim"
                else ApplicationStatus.EXPERT_ASSESSMENT
            )
            assert application.status == expected
            assert municipal.status in (STATUS.ASSIGNED, STATUS.DONE)
            assert taken_back == 0 and open_district == 0
            assert not ReviewDecision.objects.filter(
                application=application, outcome=ReviewOutcome.TAKE_BACK
            ).exists()
    assert sum(outcomes.values()) == REPETITIONS
