"""The rest of the pages' work over the API (#14 items 9 and 10): the clock extension, statistics with the
page's figures, the employer's bulk check, and list filters, ordering and counts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from filing import statistics
from filing.models import Certificate
from tests import factories
from tests.filing.conftest import cast as cast  # the fixture
from tests.filing.issued import issue
from tests.filing.lifecycle import S, reach

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_limits():
    cache.clear()


def api_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_municipal_unit_lead_extends_the_clock_once_and_nobody_else_can(cast):
    app = reach(cast, S.DISTRICT_REVIEW)
    refused = api_for(cast.m1).post(
        f"/api/v1/applications/{app.pk}/extend/", {"reason": "材料较多"}, content_type="application/json"
    )
    assert refused.status_code == 403
    lead = api_for(cast.m2)
    done = lead.post(
        f"/api/v1/applications/{app.pk}/extend/", {"reason": "材料较多"}, content_type="application/json"
    )
    assert done.status_code == 200, done.content
    again = lead.post(
        f"/api/v1/applications/{app.pk}/extend/", {"reason": "再延"}, content_type="application/json"
    )
    assert again.status_code == 409


@pytest.fixture
def certificates(college, roles):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=3)
    issue(plan, operator, "stats")
    return list(Certificate.objects.order_by("number")), operator


def test_statistics_are_the_pages_figures_for_the_city_only(certificates, municipal_reviewer, auditor):
    _certs, operator = certificates
    answer = api_for(municipal_reviewer).get("/api/v1/statistics/certificates/").json()
    page = statistics.certificate_statistics()
    assert answer["total"] == page["total"] == 3 and answer["revoked"] == 0
    assert [(r["name"], r["n"]) for r in answer["by_body"]] == [
        (r["body_name"], r["n"]) for r in page["by_body"]
    ]
    assert api_for(auditor).get("/api/v1/statistics/certificates/?year=2026").status_code == 200
    assert api_for(auditor).get("/api/v1/statistics/certificates/?year=abc").status_code == 400
    assert api_for(operator).get("/api/v1/statistics/certificates/").status_code == 403


def test_the_bulk_check_answers_each_pair_in_order_and_never_lists(certificates, client):
    certs, _operator = certificates
    items = [
        {"number": certs[0].number, "name": certs[0].holder_name},
        {"number": certs[1].number, "name": "别人"},
        {"number": "Y000000000000000000000", "name": "无"},
    ]
    answer = client.post("/api/v1/verify/bulk/", {"items": items}, content_type="application/json")
    assert answer.status_code == 200
    found = [row["found"] for row in answer.json()]
    assert found == [True, False, False]
    assert answer.json()[0]["holder"] != certs[0].holder_name  # masked, as single checks
    too_many = client.post("/api/v1/verify/bulk/", {"items": items * 7}, content_type="application/json")
    assert too_many.status_code == 400


def test_the_bulk_check_counts_each_pair_against_the_limit(certificates, client, settings):
    settings.VERIFY_RATE_PER_MINUTE = 5
    certs, _operator = certificates
    items = [{"number": certs[0].number, "name": certs[0].holder_name}] * 6
    assert (
        client.post("/api/v1/verify/bulk/", {"items": items}, content_type="application/json").status_code
        == 429
    )


def test_lists_filter_order_and_count(certificates, municipal_reviewer):
    certs, operator = certificates
    city = api_for(municipal_reviewer)
    newest_first = city.get("/api/v1/certificates/?ordering=-number").json()
    assert newest_first["count"] == 3
    assert [c["number"] for c in newest_first["results"]] == sorted((c.number for c in certs), reverse=True)
    issued = certs[0].issue_date.isoformat()
    assert city.get(f"/api/v1/certificates/?issued_after={issued}").json()["count"] == 3
    assert city.get("/api/v1/certificates/?issued_before=2000-01-01").json()["count"] == 0
    assert city.get("/api/v1/certificates/?issued_after=not-a-date").status_code == 400
    assert city.get("/api/v1/certificates/?ordering=no_such_field").status_code == 200  # ignored
    mine = api_for(operator).get("/api/v1/plans/?ordering=first_sitting_on&first_sitting_after=2000-01-01")
    assert mine.status_code == 200 and mine.json()["count"] == 1


def test_applications_filter_by_date_and_search(cast):
    app = reach(cast, S.SUBMITTED)
    client = api_for(cast.applicant)
    day = app.submitted_at.date().isoformat()
    assert client.get(f"/api/v1/applications/?submitted_after={day}").json()["count"] == 1
    assert client.get("/api/v1/applications/?submitted_before=2000-01-01").json()["count"] == 0
    assert client.get(f"/api/v1/applications/?q={app.number}").json()["count"] == 1
    assert client.get("/api/v1/applications/?q=不存在的单位").json()["count"] == 0
    assert client.get("/api/v1/applications/?ordering=number").status_code == 200  # not a sort key: ignored
    assert client.get("/api/v1/applications/?ordering=-submitted_at").json()["count"] == 1
