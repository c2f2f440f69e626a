"""Supervision races on PostgreSQL: two decisions on one body at once (exactly one wins, the other is a
409), and two reports for one sitting (exactly one is filed). 20 repetitions each."""

import datetime

import pytest
from django.utils import timezone

from filing.errors import Conflict, WrongState
from filing.models import BodyDecision, BodyStatus, EvaluationPlan, PlanStatus, Sitting, SupervisionReport
from filing.roles import Role
from filing.services import supervision as svc
from filing.services import supervision_reports as reports
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls):
    from tests.workflows.test_concurrency import _race as race

    return race(calls)


def test_suspend_and_revoke_at_once_one_wins(on_postgres, roles):
    reviewers = [factories.user(f"m_sup_{i}", role=Role.MUNICIPAL_REVIEWER) for i in range(2)]
    later = timezone.localdate() + datetime.timedelta(days=30)
    for _ in range(20):
        body = factories.filed_body(factories.organisation())
        results = _race(
            [
                lambda b=body: svc.body_suspend(actor=reviewers[0], body=b, reason="考务混乱"),
                lambda b=body: svc.body_revoke(
                    actor=reviewers[1], body=b, reason="出借资质", reference="文号", banned_until=later
                ),
            ]
        )
        wins = [r for r in results if r[0] == "ok"]
        assert len(wins) >= 1, results
        assert all(isinstance(e, (Conflict, WrongState)) for kind, e in results if kind == "error"), results
        body.refresh_from_db()
        assert body.status in (BodyStatus.SUSPENDED, BodyStatus.REVOKED)
        # Every decision that won is recorded once, and the last one recorded is the status now.
        decisions = list(BodyDecision.objects.filter(body=body).order_by("created_at", "pk"))
        assert len(decisions) == len(wins) and decisions[-1].to_status == body.status


def test_two_reports_for_one_sitting_one_is_filed(on_postgres, roles):
    supervisors = [factories.user(f"s_race_{i}", role=Role.SUPERVISOR) for i in range(2)]
    body = factories.filed_body(factories.organisation())
    operator = factories.user(role="body_operator", organisation=body.organisation)
    now = timezone.now()
    for n in range(20):
        plan = EvaluationPlan.objects.create(
            body=body,
            line=body.lines.get(offering__level=4),
            title=f"竞态{n}",
            expected_headcount=1,
            first_sitting_on=datetime.date(2026, 6, 1),
            created_by=operator,
            status=PlanStatus.IN_PROGRESS,
        )
        sitting = Sitting.objects.create(
            plan=plan,
            part="theory",
            starts_at=now,
            ends_at=now,
            room="A",
            candidates_expected=1,
            started_at=now,
        )
        results = _race(
            [
                lambda s=sitting, u=u: reports.report_file(
                    actor=u, sitting=s, present="1", absent="0", identity_checked=True
                )
                for u in supervisors
            ]
        )
        assert [r[0] for r in results].count("ok") == 1, results
        assert SupervisionReport.objects.filter(sitting=sitting).count() == 1
