"""Rejecting is confirmed first (issue #13 item 11): a reviewer who answers 不予通过 (驳回), a decision with
lines 不予备案 and an approved revocation each get a page naming the application (number and organisation)
and the consequence; nothing changes until the confirmation is posted; 返回修改 brings the form back as
typed; a reviewer who may not decide gets no confirmation but the refusal."""

import pytest
from django.test import Client

from filing.models import ApplicationStatus, FilingApplication, ReviewOutcome
from filing.services import applications as app_svc
from tests.factories import complete_draft
from workflows import services as wf
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db
OPINION = "申报材料与实际办学条件严重不符，不予受理。"


@pytest.fixture
def submitted(applicant, legal_rep, college):
    draft = complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    return app_svc.application_submit(actor=applicant, application=draft)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def status_of(app) -> str:
    return FilingApplication.objects.get(pk=app.pk).status


def test_rejecting_is_confirmed_with_the_application_and_the_consequence(submitted, district_reviewer):
    task = open_task(submitted, "district_accept")
    client = client_for(district_reviewer)
    client.post(f"/tasks/{task.pk}/claim/")
    page = client.post(f"/tasks/{task.pk}/", {"outcome": "reject", "comment": OPINION})
    text = page.content.decode()
    assert page.status_code == 200 and 'data-section="confirm"' in text
    assert "确认不予受理" in text and submitted.number in text and submitted.organisation.name in text
    assert "不能撤销" in text and "重新提交" in text
    assert f'value="{OPINION}"' in text and 'name="confirmed" value="1"' in text  # the answer travels along
    assert status_of(submitted) == ApplicationStatus.SUBMITTED  # looking at it changes nothing

    back = client.post(f"/tasks/{task.pk}/", {"outcome": "reject", "comment": OPINION, "confirmed": "back"})
    assert back.status_code == 200 and OPINION in back.content.decode()
    assert 'data-section="confirm"' not in back.content.decode()
    assert status_of(submitted) == ApplicationStatus.SUBMITTED

    done = client.post(f"/tasks/{task.pk}/", {"outcome": "reject", "comment": OPINION, "confirmed": "1"})
    assert done.status_code == 302
    assert status_of(submitted) == ApplicationStatus.REJECTED


def test_approving_needs_no_confirmation(submitted, district_reviewer):
    task = open_task(submitted, "district_accept")
    client = client_for(district_reviewer)
    client.post(f"/tasks/{task.pk}/claim/")
    assert client.post(f"/tasks/{task.pk}/", {"outcome": "approve", "comment": "受理"}).status_code == 302
    assert status_of(submitted) == ApplicationStatus.DISTRICT_REVIEW


def test_a_reviewer_who_may_not_decide_gets_the_refusal_not_a_confirmation(
    submitted, district_reviewer, district_lead
):
    wf.task_review(
        actor=district_reviewer,
        task_pk=open_task(submitted, "district_accept").pk,
        outcome=ReviewOutcome.APPROVE,
        comment="受理",
    )
    task = open_task(submitted, "district_review")
    response = client_for(district_reviewer).post(
        f"/tasks/{task.pk}/", {"outcome": "reject", "comment": OPINION, "confirmed": "1"}
    )
    assert response.status_code == 403 and 'data-section="confirm"' not in response.content.decode()
    assert status_of(submitted) == ApplicationStatus.DISTRICT_REVIEW


def test_an_outsider_cannot_reach_the_confirmation(submitted, outsider):
    task = open_task(submitted, "district_accept")
    response = client_for(outsider).post(f"/tasks/{task.pk}/", {"outcome": "reject", "comment": OPINION})
    assert response.status_code == 404


def test_a_decision_rejecting_lines_names_them(submitted):
    from workflows.forms import DecisionForm

    lines = list(submitted.lines.all())
    data = {"comment": "决定"}
    data |= {f"decision_{line.pk}": "rejected" for line in lines}
    data |= {f"reason_{line.pk}": "不具备条件" for line in lines}
    form = DecisionForm(data, subject=submitted)
    assert form.is_valid(), form.errors
    confirmation = form.confirmation("decision")
    assert "全部项目不予备案" in str(confirmation["consequence"]) and str(lines[0].offering) in str(
        confirmation["consequence"]
    )
    data[f"decision_{lines[0].pk}"] = "approved"
    partial = DecisionForm(data, subject=submitted)
    assert partial.is_valid()
    assert "其余项目进入公示" in str(partial.confirmation("decision")["consequence"])
    data |= {f"decision_{line.pk}": "approved" for line in lines}
    approving = DecisionForm(data, subject=submitted)
    assert approving.is_valid() and approving.confirmation("decision") is None
