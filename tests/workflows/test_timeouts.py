"""超时升级: a waiting task past its node's limit (working days, configured per node) is escalated once to
the unit lead by the timers; not before the limit, not without a configured limit, not twice."""

from __future__ import annotations

import pytest
from django.utils import timezone

from filing.models import AuditEvent
from filing.services import plans as svc
from filing.services.timers import run_timers
from filing.workdays import add_working_days
from notifications.models import OutboxEvent
from tests import factories
from tests.filing.test_plans import FILED_ON, make_plan
from workflows import timeouts
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(college, body_operator):
    body = factories.filed_body(college)
    plan = make_plan(body, body_operator)
    svc.plan_file(actor=body_operator, plan=plan, today=FILED_ON)
    return open_task(plan, "confirm_plan")


@pytest.fixture
def limit(settings):
    settings.WORKFLOW = {
        **settings.WORKFLOW,
        "TIMEOUTS": {"confirm_plan": {"working_days": 5, "action": "escalate"}},
    }


def test_an_overdue_task_is_escalated_once_to_the_unit_lead(
    waiting, limit, municipal_lead, municipal_reviewer
):
    created = timezone.localdate(waiting.created)
    assert timeouts.escalate_overdue(add_working_days(created, 5)) == 0  # on the limit: not yet
    late = add_working_days(created, 6)
    assert run_timers(late)["task_escalations"] == 1
    event = OutboxEvent.objects.get(kind="task_escalated")
    assert set(event.deliveries.values_list("recipient_id", flat=True)) == {municipal_lead.pk}
    assert AuditEvent.objects.get(action="task.escalate").payload["to"] == [municipal_lead.get_username()]
    waiting.refresh_from_db()
    assert waiting.data["escalated_on"] == late.isoformat()
    assert "超时升级" in timeouts.escalation_text(waiting)
    assert run_timers(late)["task_escalations"] == 0  # idempotent
    assert OutboxEvent.objects.filter(kind="task_escalated").count() == 1


def test_no_limit_or_no_lead_means_no_escalation(waiting, settings, municipal_reviewer):
    late = add_working_days(timezone.localdate(waiting.created), 30)
    assert timeouts.escalate_overdue(late) == 0  # nothing configured (the default)
    settings.WORKFLOW = {
        **settings.WORKFLOW,
        "TIMEOUTS": {"confirm_plan": {"working_days": 5, "action": "advance"}, "nope": {"working_days": 1}},
    }
    assert timeouts.rules() == {}  # unknown actions and nodes are ignored
    settings.WORKFLOW = {
        **settings.WORKFLOW,
        "TIMEOUTS": {"confirm_plan": {"working_days": 5, "action": "escalate"}},
    }
    assert timeouts.escalate_overdue(late) == 0  # no unit lead to escalate to
    assert not AuditEvent.objects.filter(action="task.escalate").exists()
