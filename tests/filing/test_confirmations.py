"""What cannot be undone is confirmed first (issue #13 item 11): cancelling a plan, publishing and submitting
its results, issuing certificates and withdrawing an application each go through a page that names the object
and says the consequence; the step itself still happens only on POST, by those allowed to take it."""

from __future__ import annotations

import pytest
from django.test import Client

from filing.models import EvaluationPlan, PlanStatus
from filing.roles import Role
from tests import factories
from tests.test_list_queries import plans

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def draft_plan(college, body_operator):
    body = factories.filed_body(college)
    plans(body, body_operator, 1)
    return EvaluationPlan.objects.get(body=body)


def test_cancelling_a_plan_is_confirmed_with_its_name_and_consequence(draft_plan, body_operator):
    client = client_for(body_operator)
    detail = client.get(f"/plans/{draft_plan.pk}/").content.decode()
    assert f'href="/plans/{draft_plan.pk}/cancel/"' in detail and 'data-section="danger"' in detail
    page = client.get(f"/plans/{draft_plan.pk}/cancel/")
    text = page.content.decode()
    assert page.status_code == 200
    assert draft_plan.title in text and "计划不能恢复" in text and 'name="reason"' in text
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.DRAFT  # looking at the confirmation changes nothing
    response = client.post(f"/plans/{draft_plan.pk}/cancel/", {"reason": "场地检修，改期另行报备"})
    assert response.status_code == 302
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.CANCELLED


def test_only_the_bodys_operator_sees_the_confirmation(draft_plan, municipal_reviewer):
    assert client_for(municipal_reviewer).get(f"/plans/{draft_plan.pk}/cancel/").status_code == 403


def test_a_step_without_confirmation_is_post_only(draft_plan, body_operator):
    assert client_for(body_operator).get(f"/plans/{draft_plan.pk}/file/").status_code == 405


@pytest.mark.parametrize("action", ["publish_results", "submit_results"])
def test_results_steps_are_confirmed(action, draft_plan, body_operator):
    text = client_for(body_operator).get(f"/plans/{draft_plan.pk}/{action}/").content.decode()
    assert draft_plan.title in text and "data-consequence" in text


def test_issuing_certificates_is_confirmed_with_the_count(college):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=4, title="待发证计划")
    page = client_for(operator).get(f"/certificates/plans/{plan.pk}/issue/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "待发证计划" in text and "确认发放 4 本证书" in text and 'name="idempotency_key"' in text
    other = factories.user(
        role=Role.BODY_OPERATOR, organisation=factories.organisation(district_code="310104")
    )
    assert client_for(other).get(f"/certificates/plans/{plan.pk}/issue/").status_code == 404


def test_withdrawing_an_application_says_the_consequence(applicant, legal_rep, college):
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    text = client_for(applicant).get(f"/applications/{draft.pk}/withdraw/").content.decode()
    assert draft.number in text and "不能恢复" in text
