"""The staff register (职工名册) and 人人持证 over the API: the same services and scope as the pages (an
enterprise's own people read and write its register, the city reads, another enterprise's entry is a 404),
the same error shape; the import answers 201 or 422 with the per-row report."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from filing.models import StaffMember
from tests import factories
from tests.filing.test_staff import TODAY, load, row, staff_csv

pytestmark = pytest.mark.django_db


def api_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two(roles):
    mine = factories.organisation(kind="enterprise", name="上海精密机床有限公司", new_type=False, batch=None)
    theirs = factories.organisation(kind="enterprise", name="另一家企业", new_type=False, batch=None)
    me = factories.user("api_staff_op", role="body_operator", organisation=mine)
    them = factories.user("api_staff_other", role="body_operator", organisation=theirs)
    load(me, mine, staff_csv([row(1), row(2, skilled="否", occupation="")]))
    load(them, theirs, staff_csv([row(3)]))
    return mine, theirs, me, them


def test_list_detail_and_scope(two, municipal_reviewer):
    mine, theirs, me, them = two
    client = api_for(me)
    listed = client.get("/api/v1/staff/").json()
    assert {m["employee_number"] for m in listed["results"]} == {"E001", "E002"}
    assert all("*" in m["document_masked"] for m in listed["results"])
    assert client.get("/api/v1/staff/", {"skilled_post": "maybe"}).status_code == 400
    assert len(client.get("/api/v1/staff/", {"skilled_post": "true"}).json()["results"]) == 1
    other = StaffMember.objects.get(employee_number="E003")
    assert client.get(f"/api/v1/staff/{other.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/staff/{other.pk}/", {"post": "x"}, content_type="application/json").status_code
        == 404
    )
    city = api_for(municipal_reviewer)
    assert city.get(f"/api/v1/staff/{other.pk}/").status_code == 200
    assert len(city.get("/api/v1/staff/").json()["results"]) == 3


def test_correcting_over_the_api(two, municipal_reviewer):
    mine, theirs, me, them = two
    member = StaffMember.objects.get(employee_number="E001")
    client = api_for(me)
    url = f"/api/v1/staff/{member.pk}/"
    ok = client.patch(url, {"version": 1, "department": "装配车间"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["department"] == "装配车间" and ok.json()["version"] == 2
    stale = client.patch(url, {"version": 1, "department": "x"}, content_type="application/json")
    assert stale.status_code == 409
    bad = client.patch(url, {"occupation": "不存在"}, content_type="application/json")
    assert bad.status_code == 400 and "occupation" in bad.json()["errors"]
    unknown = client.patch(url, {"document_index": "x"}, content_type="application/json")
    assert unknown.status_code == 400
    city = api_for(municipal_reviewer).patch(url, {"post": "x"}, content_type="application/json")
    assert city.status_code == 403


def test_import_over_the_api(two, municipal_reviewer):
    mine, theirs, me, them = two
    client = api_for(me)

    def upload(org, data):
        return client.post(
            "/api/v1/staff/import/",
            {"organisation": org.pk, "file": SimpleUploadedFile("名册.csv", data, content_type="text/csv")},
        )

    assert upload(mine, staff_csv([row(4)])).status_code == 201
    rejected = upload(mine, staff_csv([row(5, hired="2019-13-01")]))
    assert rejected.status_code == 422 and rejected.json()["report"][0]["column"] == "入职日期"
    assert upload(theirs, staff_csv([row(6)])).status_code == 404
    assert client.post("/api/v1/staff/import/", {"organisation": mine.pk}).status_code == 400
    assert TODAY  # the helper's day


def test_holding_over_the_api(two, municipal_reviewer):
    mine, theirs, me, them = two
    client = api_for(me)
    answer = client.get("/api/v1/staff/holding/", {"organisation": mine.pk, "on": "2026-06-30"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == {"staff": 1, "certified": 0, "percent": 0.0}
    assert [m["employee_number"] for m in body["without"]] == ["E001"] and len(body["trend"]) == 12
    assert client.get("/api/v1/staff/holding/", {"organisation": theirs.pk}).status_code == 404
    assert client.get("/api/v1/staff/holding/", {"on": "2026-02-30"}).status_code == 400
    assert (
        api_for(municipal_reviewer).get("/api/v1/staff/holding/", {"organisation": theirs.pk}).status_code
        == 200
    )
