"""直接认定 and 以赛促评 over the API: the same services and scope as the pages — a competition recorded,
its results uploaded (a bad file is a 422 with the per-row report), decided (each decision with its checks),
a 以赛促评 plan created with it and its promoted people enrolled; a worker added to a 直接认定 plan with
evidence; another body's competition is a 404; the rules are public."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from filing.models import AuditEvent, PlanMethod
from tests import factories
from tests.filing.test_recognition import (
    FILED_ON,
    REVIEW_ON,
    direct_plan,
    entrant,
    make_enterprise,
    results_csv,
    worker,
)
from workflows import scenarios

pytestmark = pytest.mark.django_db


def api_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def enterprise(roles):
    return make_enterprise()


def test_competition_over_the_api(enterprise, municipal_reviewer, college, body_operator, monkeypatch):
    body, operator = enterprise
    api = api_for(operator)
    occupation = body.lines.first().offering.occupation
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: FILED_ON)
    created = api.post(
        "/api/v1/competitions/",
        {
            "body": body.pk,
            "name": "市数控车工大赛",
            "level": "city_1",
            "organiser": "市人社局",
            "occupation": occupation.code,
            "held_on": "2026-04-20",
            "participants": 30,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    bad = api.post(
        f"/api/v1/competitions/{pk}/results/upload/",
        {"file": SimpleUploadedFile("r.csv", results_csv([entrant(1, 1), entrant(1, 2)]))},
    )
    assert bad.status_code == 422 and bad.json()["results_report"][0]["column"] == "证件号码"
    good = api.post(
        f"/api/v1/competitions/{pk}/results/upload/",
        {"file": SimpleUploadedFile("r.csv", results_csv([entrant(1, 1), entrant(2, 11)]))},
    )
    assert good.status_code == 201 and good.json()["status"] == "results"
    decided = api.post(f"/api/v1/competitions/{pk}/decide/", {}, content_type="application/json")
    assert decided.status_code == 200
    rows = {r["rank"]: r for r in decided.json()}
    assert rows[1]["promoted"] and rows[1]["to_level"] == 3 and rows[1]["checks"][0]["rule"] == "rank"
    assert not rows[11]["promoted"] and "前10名" in rows[11]["reason"]
    again = api.post(f"/api/v1/competitions/{pk}/decide/", {}, content_type="application/json")
    assert again.status_code == 409
    # another body's operator does not learn it exists; the city reads it; the rules are public
    school_body = factories.filed_body(college)
    assert school_body and api_for(body_operator).get(f"/api/v1/competitions/{pk}/").status_code == 404
    assert api_for(municipal_reviewer).get(f"/api/v1/competitions/{pk}/results/").status_code == 200
    rules = Client().get("/api/v1/promotion-rules/").json()
    assert {r["competition_level"] for r in rules} >= {"national", "city_1", "enterprise"}
    assert AuditEvent.objects.filter(action="competition.decide").count() == 1

    # a 以赛促评 plan with it, its promoted people enrolled by the plan action
    line = body.lines.get(offering__level=3)
    plan = api.post(
        "/api/v1/plans/",
        {
            "line": line.pk,
            "title": "以赛促评",
            "expected_headcount": 1,
            "first_sitting_on": REVIEW_ON.isoformat(),
            "method": "competition",
            "competition": pk,
            "photos_waived": True,
        },
        content_type="application/json",
    )
    assert plan.status_code == 201, plan.json()
    assert plan.json()["method"] == "competition"
    refused = api.post(
        "/api/v1/plans/",
        {
            "line": body.lines.get(offering__level=4).pk,
            "title": "直接认定中级工",
            "expected_headcount": 1,
            "first_sitting_on": REVIEW_ON.isoformat(),
            "method": "direct",
        },
        content_type="application/json",
    )
    assert refused.status_code == 400 and "line" in refused.json()["errors"]


def test_direct_recognition_over_the_api(enterprise, municipal_reviewer, outsider):
    body, operator = enterprise
    plan = direct_plan(enterprise, municipal_reviewer)
    api = api_for(operator)
    values = worker(1)
    added = api.post(f"/api/v1/plans/{plan.pk}/recognition/", values, content_type="application/json")
    assert added.status_code == 201, added.json()
    assert added.json()["achievements"].startswith("主持") and "1990" not in added.json()["document"]
    registration = added.json()["registration"]
    listed = api.get(f"/api/v1/plans/{plan.pk}/recognition/").json()
    assert [r["registration"] for r in listed] == [registration]
    missing = api.post(
        f"/api/v1/plans/{plan.pk}/recognition/",
        worker(2, achievements=""),
        content_type="application/json",
    )
    assert missing.status_code == 400 and "achievements" in missing.json()["errors"]
    extra = api.post(
        f"/api/v1/plans/{plan.pk}/recognition/", worker(3) | {"age": 40}, content_type="application/json"
    )
    assert extra.status_code == 400  # an undeclared field is refused by name
    changed = api.put(
        f"/api/v1/plans/{plan.pk}/recognition/{registration}/",
        {"post": "数控车工", "achievements": "修订的业绩"},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["achievements"] == "修订的业绩"
    assert api_for(outsider).get(f"/api/v1/plans/{plan.pk}/recognition/").status_code == 404
    exam = scenarios.plan_to_registration(
        body,
        operator,
        municipal_reviewer,
        title="考核",
        sittings=[
            scenarios.SittingSpec("theory", REVIEW_ON, "A1", 2),
            scenarios.SittingSpec("skill", REVIEW_ON, "B1", 2, 13),
        ],
        filed_on=FILED_ON,
        line=body.lines.get(offering__level=4),
    )
    assert exam.method == PlanMethod.EXAM
    wrong = api.post(f"/api/v1/plans/{exam.pk}/recognition/", worker(4), content_type="application/json")
    assert wrong.status_code == 409
