"""Evaluation bodies over the API: the public catalogue (no login), the supervision record scoped like the
pages, and each supervision action allowed and denied (side, scope, state, bad input)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from filing.models import AuditEvent, BodyStatus, FiledLineStatus, RectificationOrder
from tests import factories

pytestmark = pytest.mark.django_db
LATER = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()


def api_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def body(college, body_operator):
    return factories.filed_body(college)


def test_catalogue_is_public(body):
    anonymous = Client()
    rows = anonymous.get("/api/v1/catalogue/").json()["results"]
    assert [r["code"] for r in rows] == [body.code]
    assert rows[0]["lines"][0]["occupation_code"] == "6-18-01-01" and "organisation" not in rows[0]
    assert (
        anonymous.get("/api/v1/catalogue/", {"status": "nonsense"}).status_code == 400
    )  # the page ignores it
    assert anonymous.get("/api/v1/catalogue/", {"page": "x"}).status_code == 400
    assert anonymous.get("/api/v1/catalogue/", {"q": "不存在的机构"}).json()["count"] == 0
    assert anonymous.get(f"/api/v1/catalogue/{body.code}/").json()["decisions"] == []
    assert anonymous.get("/api/v1/catalogue/XYZ/").status_code == 404


def test_city_suspends_and_the_public_answer_changes_at_once(body, municipal_reviewer):
    city = api_for(municipal_reviewer)
    answer = city.post(
        f"/api/v1/bodies/{body.pk}/suspend/", {"reason": "考务混乱"}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == BodyStatus.SUSPENDED
    public = Client().get(f"/api/v1/catalogue/{body.code}/").json()
    assert public["status"] == BodyStatus.SUSPENDED and public["decisions"][0]["kind"] == "suspended"
    again = city.post(f"/api/v1/bodies/{body.pk}/suspend/", {"reason": "x"}, content_type="application/json")
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="body.suspended").count() == 1


def test_sides_scope_and_input(body, body_operator, municipal_reviewer):
    operator = api_for(body_operator)
    denied = operator.post(
        f"/api/v1/bodies/{body.pk}/suspend/", {"reason": "x"}, content_type="application/json"
    )
    assert denied.status_code == 403
    stranger = api_for(factories.user(role="body_operator", organisation=factories.organisation()))
    assert stranger.get(f"/api/v1/bodies/{body.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/bodies/{body.pk}/request_exit/", {"reason": "x"}).status_code == 404
    assert stranger.get("/api/v1/bodies/").json()["count"] == 0
    assert operator.get("/api/v1/bodies/").json()["count"] == 1
    city = api_for(municipal_reviewer)
    assert city.post(f"/api/v1/bodies/{body.pk}/explode/", {}).status_code == 404
    for bad in ({"findings": "x", "deadline": "abc"}, {"findings": "x"}, {"deadline": LATER}):
        assert (
            city.post(f"/api/v1/bodies/{body.pk}/rectify/", bad, content_type="application/json").status_code
            == 400
        )
    assert not RectificationOrder.objects.exists()


def test_rectification_and_line_actions(body, body_operator, municipal_reviewer):
    city, operator = api_for(municipal_reviewer), api_for(body_operator)
    rectified = city.post(
        f"/api/v1/bodies/{body.pk}/rectify/",
        {"findings": "无监控", "deadline": LATER},
        content_type="application/json",
    ).json()
    assert rectified["status"] == BodyStatus.RECTIFICATION
    order = rectified["rectifications"][0]["id"]
    assert operator.post(f"/api/v1/rectifications/{order}/respond/", {"response": "已改"}).status_code == 200
    assert (
        operator.post(f"/api/v1/rectifications/{order}/accept/", {"note": "x"}).status_code == 403
    )  # the state allows it; the side does not
    accepted = city.post(f"/api/v1/rectifications/{order}/accept/", {"note": "通过"}).json()
    assert accepted["status"] == BodyStatus.ACTIVE
    line = body.lines.first()
    suspended = city.post(f"/api/v1/filed-lines/{line.pk}/suspend/", {"reason": "质量"}).json()
    assert {x["id"]: x["status"] for x in suspended["lines"]}[line.pk] == FiledLineStatus.SUSPENDED
    assert suspended["status"] == BodyStatus.ACTIVE
