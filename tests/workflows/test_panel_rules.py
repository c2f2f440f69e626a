"""会签 / 或签 / 票签: the expert panel's completion rule as data per application kind; the flow's join moves
on as soon as the rule is met (the open scoring tasks are cancelled) and the outcome says which rule
decided."""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing import panel
from filing.errors import WrongState
from filing.models import ApplicationStatus, AuditEvent
from filing.services import applications as app_svc
from tests import factories
from workflows import scenarios
from workflows import services as wf
from workflows.flows import FilingReviewFlow
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_panel(applicant, legal_rep, college, district_reviewer, district_lead, municipal_reviewer, experts):
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    application = app_svc.application_submit(actor=applicant, application=draft)
    people = scenarios.Reviewers(district_lead, district_reviewer, municipal_reviewer, None, experts[:3])
    scenarios.review_to_expert_panel(application, people)
    task = open_task(application, "expert_panel")
    wf.task_assign_panel(actor=municipal_reviewer, task_pk=task.pk, experts=[e.pk for e in experts[:3]])
    application.refresh_from_db()
    return application


def score(application, task):
    lines = list(application.lines.all())
    wf.task_expert_score(
        actor=task.owner,
        task_pk=task.pk,
        scores={line.pk: {"score": 80, "recommendation": "approve"} for line in lines},
    )


def scoring_tasks(application):
    return Task.objects.filter(
        process__filingreviewprocess__application=application, flow_task=FilingReviewFlow.expert_score
    ).order_by("pk")


@pytest.mark.parametrize(
    "rule, needed, word",
    [({"rule": "any", "k": 2}, 2, "或签"), ({"rule": "majority", "quorum": 2}, 2, "票签"), ({}, 3, "会签")],
)
def test_the_kinds_rule_decides_when_the_panel_is_done(settings, at_panel, rule, needed, word):
    settings.FILING = {**settings.FILING, "PANEL_RULES": {at_panel.kind: rule} if rule else {}}
    tasks = list(scoring_tasks(at_panel))
    assert len(tasks) == 3
    for task in tasks[: needed - 1]:
        score(at_panel, task)
        at_panel.refresh_from_db()
        assert at_panel.status == ApplicationStatus.EXPERT_ASSESSMENT
    score(at_panel, tasks[needed - 1])
    at_panel.refresh_from_db()
    assert at_panel.status == ApplicationStatus.DECISION
    done = AuditEvent.objects.get(action="application.experts_done", object_id=str(at_panel.pk))
    assert done.payload["explanation"].startswith(word)
    assert word in panel.outcome(at_panel).explanation
    assert open_task(at_panel, "decision").status == STATUS.NEW
    for task in tasks[needed:]:  # the seats that did not need to score: their tasks are cancelled
        task.refresh_from_db()
        assert task.status == STATUS.CANCELED
        with pytest.raises(WrongState):
            score(at_panel, task)


def test_an_unknown_rule_falls_back_to_all(settings, at_panel):
    settings.FILING = {**settings.FILING, "PANEL_RULES": {at_panel.kind: {"rule": "nonsense"}}}
    assert panel.rule_for(at_panel.kind) == {"rule": "all"}
    assert not panel.outcome(at_panel).complete
