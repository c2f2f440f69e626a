"""Home pages that show the work (issue #13 item 16): for each role what waits, what is late or due this
week, and the figures it is judged by — right, scoped to the role, and in a constant number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from filing import dashboard
from filing.models import Correction, EvaluationPlan, FilingApplication, PlanStatus
from tests import factories
from tests.test_list_queries import plans, queries, submitted_applications

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def figures(panel) -> dict:
    return {str(f["label"]): f["count"] for f in panel["figures"]}


def test_week_end_is_the_sunday():
    assert dashboard.week_end(datetime.date(2026, 12, 23)) == datetime.date(2026, 12, 27)
    assert dashboard.week_end(datetime.date(2026, 12, 27)) == datetime.date(2026, 12, 27)


def test_the_district_sees_its_queue_and_not_another(
    college, college_other_district, applicant, roles, district_reviewer, other_district_reviewer
):
    submitted_applications(college, applicant, 3)
    [panel] = dashboard.panels_for(district_reviewer)
    assert panel["key"] == "district" and figures(panel)["待受理"] == 3
    assert len(panel["rows"]) == 3
    [other] = dashboard.panels_for(other_district_reviewer)
    assert figures(other)["待受理"] == 0 and other["rows"] == []


def test_the_city_sees_reviews_publicity_ending_plans_to_confirm_and_certificates(
    college, applicant, body_operator, municipal_reviewer
):
    submitted_applications(college, applicant, 2)
    FilingApplication.objects.filter(organisation=college).update(
        status="publicity", publicity_ends_on=timezone.localdate()
    )
    body = factories.filed_body(college)
    plans(body, body_operator, 3)
    EvaluationPlan.objects.filter(body=body).update(status=PlanStatus.FILED)
    [panel] = dashboard.panels_for(municipal_reviewer)
    got = figures(panel)
    assert got["公示中"] == 2 and got["本周公示期满"] == 2 and got["待确认的认定计划"] == 3
    assert got["本年发放证书"] == 0
    assert [r["text"].split()[0] for r in panel["rows"]] == [
        a.number for a in FilingApplication.objects.filter(status="publicity").order_by("pk")
    ]


def test_the_body_sees_plans_by_state_and_sittings_ahead(college, body_operator):
    body = factories.filed_body(college)
    plans(body, body_operator, 2)
    [panel] = dashboard.panels_for(body_operator)
    assert panel["key"] == "body"
    assert figures(panel)["草稿"] == 2 and figures(panel)["两周内的考核场次"] == 0


def test_the_college_sees_corrections_due_this_week(college, applicant, legal_rep, district_reviewer):
    from filing.models import ReviewOutcome
    from filing.services import applications as app_svc
    from workflows import services as wf
    from workflows.selectors import open_task

    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    app = app_svc.application_submit(actor=applicant, application=draft)
    wf.task_review(
        actor=district_reviewer,
        task_pk=open_task(app, "district_accept").pk,
        outcome=ReviewOutcome.RETURN,
        comment="请补正质量管理制度",
        correction_items=[{"kind": "attachment", "key": "quality"}],
        correction_deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    Correction.objects.filter(application=app).update(deadline=timezone.localdate())
    [panel] = dashboard.panels_for(applicant)
    assert panel["key"] == "college" and figures(panel)["本周到期的补正"] == 1
    assert panel["rows"][0]["text"] == app.number and "年" in str(panel["rows"][0]["note"])


def test_the_home_page_shows_the_panel(college, applicant, district_reviewer):
    submitted_applications(college, applicant, 2)
    text = client_for(district_reviewer).get("/home/").content.decode()
    assert 'data-panel="district"' in text and "本区审核队列" in text and "data-clock" in text


@pytest.mark.parametrize("who", ["district", "city", "body"])
def test_home_pages_keep_a_constant_query_count(
    who, college, applicant, body_operator, district_reviewer, municipal_reviewer
):
    user = {"district": district_reviewer, "city": municipal_reviewer, "body": body_operator}[who]
    body = factories.filed_body(college)
    client = client_for(user)

    def grow(n):
        submitted_applications(college, applicant, n)
        plans(body, body_operator, n)

    grow(3)
    small = queries(client, "/home/")
    grow(40)
    assert queries(client, "/home/") == small
