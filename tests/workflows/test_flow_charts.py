"""The flow diagram on a filing's and a plan's page: viewflow's chart of the flow, in Chinese step names,
with the steps done coloured; only for whoever may see the filing or the plan."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_filing_chart_for_its_people_only(client, applicant, legal_rep, college):
    from filing.services import applications as app_svc

    app = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    app_svc.application_submit(actor=applicant, application=app)
    client.force_login(applicant)
    page = client.get(reverse("applications:detail", args=[app.pk])).text
    assert reverse("tasks:chart", args=["application", app.pk]) in page
    svg = client.get(reverse("tasks:chart", args=["application", app.pk]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    text = svg.content.decode()
    assert "区级受理" in text and "市级审核" in text
    client.force_login(factories.user(role="applicant", organisation=factories.organisation()))
    assert client.get(reverse("tasks:chart", args=["application", app.pk])).status_code == 404
    assert client.get(reverse("tasks:chart", args=["nothing", app.pk])).status_code == 404


def test_the_plan_chart(client, college, body_operator):
    body = factories.filed_body(college)
    plan, _ = factories.plan_with_results(body, passed=1)
    client.force_login(body_operator)
    svg = client.get(reverse("tasks:chart", args=["plan", plan.pk]))
    assert svg.status_code == 200 and "<svg" in svg.content.decode()
