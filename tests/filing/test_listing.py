"""Find and page on the list pages (issue #13 item 13): search, status and date filters, sorting, 50 rows a
page with page links, and an Excel export of exactly what the page would show — never another
organisation's rows, identity numbers only masked, cells escaped against formulas; any bad filter value is
ignored and said, never a 500."""

from __future__ import annotations

import datetime
import io

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from filing.models import Certificate, EvaluationPlan, PlanStatus
from filing.roles import Role
from tests import factories
from tests.filing.issued import issue
from tests.test_list_queries import plans, queries, submitted_applications

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows_of(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_plans_search_status_date_sort_and_page_links(college, body_operator):
    body = factories.filed_body(college)
    plans(body, body_operator, 120)
    EvaluationPlan.objects.filter(title="计划7").update(first_sitting_on=datetime.date(2027, 3, 9))
    client = client_for(body_operator)

    page = client.get("/plans/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "共 120 条" in text and "第 1 / 3 页" in text and 'rel="next"' in text
    assert len(page.context["plans"]) == 50
    last = client.get("/plans/?page=3")
    assert len(last.context["plans"]) == 20 and 'rel="prev"' in last.content.decode()

    found = client.get("/plans/?q=计划7")
    assert {p.title for p in found.context["plans"]} == {"计划7", *{f"计划7{i}" for i in range(10)}}
    dated = client.get("/plans/?date_from=2027-03-01&date_to=2027-03-31")
    assert [p.title for p in dated.context["plans"]] == ["计划7"]
    assert client.get("/plans/?status=confirmed").context["plans"].count() == 0
    ordered = client.get("/plans/?sort=first_sitting_desc").context["plans"]
    assert ordered[0].title == "计划7"
    # The filters stay in the page links.
    assert "q=%E8%AE%A1%E5%88%92&amp;page=2" in client.get("/plans/?q=计划").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "date_from=2026-13-45",
        "date_from=2027-01-01&date_to=2026-01-01",
        "status=nonsense",
        "sort=DROP",
        "q=" + "x" * 500,
        "page=abc",
        "export=xlsx&date_to=notadate",
    ],
)
def test_a_bad_filter_value_is_said_and_never_a_500(query, college, body_operator):
    body = factories.filed_body(college)
    plans(body, body_operator, 3)
    response = client_for(body_operator).get(f"/plans/?{query}")
    assert response.status_code in (200, 404)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(["q", "status", "date_from", "date_to", "sort"]),
        st.text(max_size=30),
        max_size=5,
    )
)
def test_any_filter_values_answer_200(college, body_operator, params):
    response = client_for(body_operator).get("/applications/", params)
    assert response.status_code == 200


def test_the_export_holds_what_is_filtered_and_only_the_users_own(college, college_other_district, roles):
    own = factories.filed_body(college)
    other = factories.filed_body(college_other_district)
    operator = factories.user(role=Role.BODY_OPERATOR, organisation=college)
    other_operator = factories.user(role=Role.BODY_OPERATOR, organisation=college_other_district)
    plans(own, operator, 3)
    plans(other, other_operator, 2)
    EvaluationPlan.objects.filter(body=other).update(title='=HYPERLINK("http://x")')
    EvaluationPlan.objects.filter(body=own, title="计划1").update(status=PlanStatus.CANCELLED)

    rows = rows_of(client_for(operator).get("/plans/?export=xlsx"))
    assert rows[0][:2] == ["计划", "评价机构"]
    assert sorted(r[0] for r in rows[1:]) == ["计划0", "计划2"]  # cancelled plans are hidden, as in the list
    assert {r[1] for r in rows[1:]} == {own.name}
    filtered = rows_of(client_for(operator).get("/plans/?status=cancelled&export=xlsx"))
    assert [r[0] for r in filtered[1:]] == ["计划1"]
    # The other body's operator gets its own rows, with the formula escaped.
    theirs = rows_of(client_for(other_operator).get("/plans/?export=xlsx"))
    assert [r[0] for r in theirs[1:]] == ['\'=HYPERLINK("http://x")'] * 2


def test_certificate_export_masks_identity_numbers_as_the_list_shows_them(college):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=3, title="导出")
    issue(plan, operator, "export")
    client = client_for(operator)
    page = client.get("/certificates/")
    rows = rows_of(client.get("/certificates/?export=xlsx"))
    assert len(rows) == 4
    masked = {c.document_masked for c in Certificate.objects.all()}
    assert {r[3] for r in rows[1:]} == masked
    for certificate in Certificate.objects.all():
        assert certificate.document_masked in page.content.decode()
    name = Certificate.objects.first().holder_name
    assert [r[2] for r in rows_of(client.get("/certificates/", {"q": name, "export": "xlsx"}))[1:]] == [name]


def test_application_number_finds_one_application(college, applicant):
    submitted_applications(college, applicant, 3)
    client = client_for(applicant)
    target = college.applications.order_by("pk")[1]
    found = client.get("/applications/", {"q": target.number}).context["applications"]
    assert [a.pk for a in found] == [target.pk]


@pytest.mark.parametrize(
    "path",
    [
        "/plans/?q=计划&sort=first_sitting&date_from=2026-01-01",
        "/plans/?export=xlsx",
        "/plans/?status=draft&export=xlsx",
    ],
)
def test_filtered_and_exported_plan_lists_keep_a_constant_query_count(path, college, body_operator):
    body = factories.filed_body(college)
    client = client_for(body_operator)
    plans(body, body_operator, 5)
    small = queries(client, path)
    plans(body, body_operator, 195)
    assert queries(client, path) == small


@pytest.mark.parametrize("path", ["/applications/?q=浦江&sort=submitted", "/applications/?export=xlsx"])
def test_filtered_and_exported_application_lists_keep_a_constant_query_count(path, college, applicant):
    client = client_for(applicant)
    submitted_applications(college, applicant, 5)
    small = queries(client, path)
    submitted_applications(college, applicant, 195)
    assert queries(client, path) == small


@pytest.mark.parametrize("path", ["/certificates/?status=valid&sort=name", "/certificates/?export=xlsx"])
def test_filtered_and_exported_certificate_lists_keep_a_constant_query_count(path, college):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=5, title="小")
    issue(plan, operator, "small")
    client = client_for(operator)
    small = queries(client, path)
    plan, other = factories.plan_with_results(body, passed=200, title="大", level=3)
    issue(plan, other, "large")
    assert queries(client, path) == small
