"""Annual task lists over the API (issue #18): the pages' services and scope."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from filing.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_draft_submit_confirm_and_return_over_the_api(
    applicant, college, district_reviewer, other_district_reviewer, municipal_reviewer
):
    year = timezone.localdate().year
    body = {
        "organisation": college.pk,
        "year": year,
        "targets": [{"indicator": "certificates", "target": "80"}],
    }
    created = api(applicant).post("/api/v1/task-lists/", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["targets"][0]["actual"] == "0.0"
    assert api(applicant).post("/api/v1/task-lists/", body, format="json").status_code == 400  # one a year
    unknown = {**body, "year": year + 1, "targets": [{"indicator": "nope", "target": 1}]}
    assert api(applicant).post("/api/v1/task-lists/", unknown, format="json").status_code == 400
    extra = {**body, "year": year + 1, "colour": "red"}
    assert api(applicant).post("/api/v1/task-lists/", extra, format="json").status_code == 400
    assert api(applicant).post(f"/api/v1/task-lists/{pk}/submit/", {}, format="json").status_code == 200
    assert api(other_district_reviewer).get(f"/api/v1/task-lists/{pk}/").status_code == 404
    assert (
        api(municipal_reviewer).post(f"/api/v1/task-lists/{pk}/confirm/", {}, format="json").status_code
        == 403
    )
    assert (
        api(district_reviewer).post(f"/api/v1/task-lists/{pk}/confirm/", {}, format="json").status_code == 200
    )
    back = api(municipal_reviewer).post(
        f"/api/v1/task-lists/{pk}/return/", {"reason": "请细化"}, format="json"
    )
    assert back.status_code == 200 and back.json()["status"] == "returned"
    again = api(applicant).put(
        f"/api/v1/task-lists/{pk}/", {"targets": [{"indicator": "apprentices", "target": 5}]}, format="json"
    )
    assert again.status_code == 200 and again.json()["targets"][0]["indicator"] == "apprentices"
    assert api(applicant).post(f"/api/v1/task-lists/{pk}/bogus/", {}, format="json").status_code == 404
    assert api(applicant).get("/api/v1/task-lists/?year=abc").status_code == 400
    leader = factories.user("leader", role=Role.DISTRICT_LEADER, district_code="310115")
    assert [r["id"] for r in api(leader).get("/api/v1/task-lists/").json()["results"]] == [pk]
    assert api(leader).post(f"/api/v1/task-lists/{pk}/submit/", {}, format="json").status_code == 403


def test_the_indicator_registry(applicant, outsider):
    rows = api(applicant).get("/api/v1/indicators/").json()
    codes = {r["code"]: r for r in rows}
    assert codes["certificates"]["reported"] is False and codes["master_studios"]["reported"] is True
    assert codes["competition_entries"]["reported"] is False  # from the competition register
    assert api(outsider).get("/api/v1/indicators/").status_code == 404
