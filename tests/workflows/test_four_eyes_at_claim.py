"""The four-eyes rule is checked when a reviewer claims or opens a task, before any opinion is typed
(issue #13 item 12): the claim is refused with the rule's own message, the task page says why and shows no
form, a colleague can claim it, and a refused decision keeps the typed opinion on the page."""

import pytest
from django.test import Client

from filing.errors import Denied
from filing.models import AuditEvent, ReviewOutcome
from filing.services import applications as app_svc
from workflows import services as wf
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db
RULE = "同一申请的不同审批环节须由不同人员办理（双人原则）。"


@pytest.fixture
def accepted(applicant, legal_rep, college, district_reviewer):
    from tests.factories import complete_draft

    draft = complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    app = app_svc.application_submit(actor=applicant, application=draft)
    wf.task_review(
        actor=district_reviewer,
        task_pk=open_task(app, "district_accept").pk,
        outcome=ReviewOutcome.APPROVE,
        comment="材料齐全，予以受理",
    )
    return app


def test_the_claim_is_refused_for_a_second_step_by_the_same_reviewer(
    accepted, district_reviewer, district_lead
):
    task = open_task(accepted, "district_review")
    with pytest.raises(Denied) as refused:
        wf.task_claim(actor=district_reviewer, task_pk=task.pk)
    assert refused.value.message == RULE
    task.refresh_from_db()
    assert task.owner_id is None
    # A colleague may claim it.
    wf.task_claim(actor=district_lead, task_pk=task.pk)
    task.refresh_from_db()
    assert task.owner_id == district_lead.pk


def test_the_claim_page_answers_with_the_rule_and_the_denial_is_audited(accepted, district_reviewer):
    task = open_task(accepted, "district_review")
    client = Client()
    client.force_login(district_reviewer)
    response = client.post(f"/tasks/{task.pk}/claim/")
    assert response.status_code == 403
    assert RULE in response.content.decode()
    assert AuditEvent.objects.filter(action="task.claim", result="denied").exists()


def test_the_task_page_says_why_before_anything_is_typed(accepted, district_reviewer, district_lead):
    task = open_task(accepted, "district_review")
    client = Client()
    client.force_login(district_reviewer)
    page = client.get(f"/tasks/{task.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "data-refusal" in text and RULE in text
    assert 'data-action="decide"' not in text
    # The colleague sees the form.
    colleague = Client()
    colleague.force_login(district_lead)
    assert 'data-action="decide"' in colleague.get(f"/tasks/{task.pk}/").content.decode()


def test_a_refused_decision_keeps_the_typed_opinion(accepted, district_reviewer):
    task = open_task(accepted, "district_review")
    client = Client()
    client.force_login(district_reviewer)
    opinion = "经核查，办学场地与设备满足要求，同意上报市级审核。"
    response = client.post(f"/tasks/{task.pk}/", {"outcome": "approve", "comment": opinion})
    assert response.status_code == 403
    assert opinion in response.content.decode()
