"""What an integrating system needs to fill in its requests (#14 items 5 and 7): occupation levels with their
assessment parts, bodies with their filed lines, experts for a panel, majors with their occupation mappings,
and the corrections of an application (ticked items, deadline, state; for reviewers, the changes)."""

from __future__ import annotations

import pytest
from django.test import Client

from filing.roles import Role
from filing.services import applications as app_svc
from tests import factories
from tests.filing.conftest import cast as cast  # the fixture
from tests.filing.lifecycle import S, reach

pytestmark = pytest.mark.django_db


def api_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_offerings_with_their_parts_filter_by_occupation_and_level(applicant):
    rows = api_for(applicant).get("/api/v1/offerings/?occupation=6-18-01-01&level=4").json()
    assert rows["count"] >= 1
    (first, *_rest) = rows["results"]
    assert first["occupation_code"] == "6-18-01-01" and first["level"] == 4
    assert set(first["parts"]) >= {"theory", "skill"} and first["level_name"]
    assert api_for(applicant).get("/api/v1/offerings/?level=abc").status_code == 400


def test_bodies_list_their_filed_lines_for_their_operators_and_the_city_only(
    body_operator, college, other_college_same_district, municipal_reviewer, applicant
):
    ours = factories.filed_body(college)
    factories.filed_body(other_college_same_district)
    mine = api_for(body_operator).get("/api/v1/bodies/").json()
    assert [b["id"] for b in mine["results"]] == [ours.pk]
    lines = mine["results"][0]["lines"]
    assert {line["offering"]["level"] for line in lines} == {4, 3}
    assert mine["results"][0]["code"] == ours.code
    assert api_for(municipal_reviewer).get("/api/v1/bodies/").json()["count"] == 2
    assert api_for(applicant).get("/api/v1/bodies/").json()["count"] == 0


def test_experts_are_listed_to_municipal_reviewers_only(experts, municipal_reviewer, applicant):
    listed = api_for(municipal_reviewer).get("/api/v1/experts/").json()
    assert {e["username"] for e in listed} == {e.username for e in experts}
    assert api_for(applicant).get("/api/v1/experts/").json() == []


def test_majors_carry_their_occupation_mappings(applicant, college):
    factories.major(college)
    (major,) = api_for(applicant).get(f"/api/v1/organisations/{college.pk}/majors/").json()["results"]
    assert major["occupations"] and {"code", "name", "relation"} <= set(major["occupations"][0])


def test_the_open_correction_is_in_the_application_and_the_changes_go_to_its_reviewers(cast):
    app = reach(cast, S.RETURNED, items=[{"kind": "field", "key": "summary"}])
    applicant = api_for(cast.applicant)
    detail = applicant.get(f"/api/v1/applications/{app.pk}/").json()
    correction = detail["open_correction"]
    assert correction["state"] == "open" and correction["round"] == 1
    assert [i["key"] for i in correction["items"]] == ["summary"] and correction["deadline"]
    listed = applicant.get("/api/v1/applications/").json()["results"]
    assert listed[0]["open_correction"]["round"] == 1

    app = app_svc.application_update(
        actor=cast.applicant, application=app, version=detail["version"], summary="补正后的申请说明"
    )
    app_svc.application_respond(actor=cast.applicant, application=app, comment="已补正申请说明")
    assert applicant.get(f"/api/v1/applications/{app.pk}/").json()["open_correction"] is None
    (own_view,) = applicant.get(f"/api/v1/applications/{app.pk}/corrections/").json()
    assert own_view["state"] == "answered" and own_view["changes"] is None
    (reviewer_view,) = api_for(cast.d1).get(f"/api/v1/applications/{app.pk}/corrections/").json()
    (change,) = reviewer_view["changes"]
    assert change["after"] == "补正后的申请说明" and change["before"] != change["after"]
    other = factories.user("nosy", role=Role.APPLICANT, organisation=cast.college)
    assert api_for(other).get(f"/api/v1/applications/{app.pk}/corrections/").status_code == 200
    assert api_for(cast.other_applicant).get(f"/api/v1/applications/{app.pk}/corrections/").status_code == 404
