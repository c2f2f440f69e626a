"""The evaluator register, sitting staffing and recusals over the API (#14 item 6): the same services as the
pages, scoped like them (a body's operator sees its own pool and the city's, maintains its own; another
body's people and plans are a 404), the same error shape, ``version`` and ``Idempotency-Key``."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from filing.models import AuditEvent, Evaluator, RecusalDeclaration, SittingStaff
from filing.roles import Role
from filing.services import roster
from tests import factories
from workflows import scenarios
from workflows.scenarios import SittingSpec

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 6, 1)


def api_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def body(college):
    return factories.filed_body(college)


@pytest.fixture
def occupation(body):
    return body.lines.first().offering.occupation


@pytest.fixture
def plan(body, body_operator, municipal_reviewer, college):
    """A plan open for registration with a theory and a skill sitting and two registered candidates."""
    factories.major(college, code="660103")
    plan = scenarios.plan_to_registration(
        body,
        body_operator,
        municipal_reviewer,
        title="2026届数控车工四级",
        sittings=[SittingSpec("theory", DAY, "A101", 30), SittingSpec("skill", DAY, "实训楼3-1", 30, 13, 4)],
        filed_on=datetime.date(2026, 5, 11),
    )
    rows = [
        ["张一", "居民身份证", factories.citizen_id(11), "660103", "数控1班", "2026-06-30", "是", ""],
        ["王二", "居民身份证", factories.citizen_id(13), "660103", "数控1班", "2026-06-30", "是", ""],
    ]
    record = roster.roster_import(
        actor=body_operator, plan=plan, file_name="r.csv", data=factories.roster_csv(rows)
    )
    assert record.outcome == "accepted", record.report
    return plan


def evaluator_body(body, occupation, **extra) -> dict:
    return {
        "body": body.pk,
        "name": "周建国",
        "certificate_no": "KP-API-1",
        "occupation": occupation.pk,
        "level": 3,
        "valid_until": "2028-12-31",
        **extra,
    }


@pytest.fixture
def other_body(college_other_district):
    return factories.filed_body(college_other_district)


def test_an_operator_keeps_its_own_pool_and_sees_the_citys(
    body, body_operator, municipal_reviewer, occupation, other_body
):
    api = api_for(body_operator)
    created = api.post(
        "/api/v1/evaluators/",
        evaluator_body(body, occupation),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="kp-1",
    )
    assert created.status_code == 201, created.json()
    again = api.post(
        "/api/v1/evaluators/",
        evaluator_body(body, occupation),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="kp-1",
    )
    assert again["Idempotent-Replayed"] == "true" and Evaluator.objects.count() == 1
    person = created.json()
    assert person["body"] == body.pk and person["version"] == 1 and person["active"]

    theirs = factories.evaluator("他校考评员", body=other_body, occupation=occupation, level=3)
    city = factories.evaluator("市督导员", supervisor=True)
    listed = {e["name"] for e in api.get("/api/v1/evaluators/").json()["results"]}
    assert listed == {"周建国", "市督导员"}
    assert api.get(f"/api/v1/evaluators/{theirs.pk}/").status_code == 404
    assert (
        api.patch(
            f"/api/v1/evaluators/{theirs.pk}/", {"version": 1, "name": "x"}, content_type="application/json"
        ).json()["error"]
        == "not_found"
    )
    # the city's pool is seen, kept by the municipal reviewers
    assert api.get(f"/api/v1/evaluators/{city.pk}/").status_code == 200
    assert (
        api.post(
            f"/api/v1/evaluators/{city.pk}/deactivate/", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    # a body the operator does not operate is a 404, not a 403 that names it
    foreign = api.post(
        "/api/v1/evaluators/",
        evaluator_body(other_body, occupation, certificate_no="KP-API-2"),
        content_type="application/json",
    )
    assert foreign.status_code == 404
    everyone = api_for(municipal_reviewer).get("/api/v1/evaluators/?active=true").json()
    assert everyone["count"] == 3


def test_an_update_changes_only_what_is_sent_and_a_no_op_keeps_the_version(body, body_operator, occupation):
    api = api_for(body_operator)
    person = api.post(
        "/api/v1/evaluators/", evaluator_body(body, occupation), content_type="application/json"
    ).json()
    url = f"/api/v1/evaluators/{person['id']}/"
    same = api.patch(url, {"version": 1, "name": "周建国"}, content_type="application/json")
    assert same.status_code == 200 and same.json()["version"] == 1
    changed = api.patch(url, {"version": 1, "valid_until": "2029-06-30"}, content_type="application/json")
    assert changed.json()["valid_until"] == "2029-06-30" and changed.json()["version"] == 2
    assert changed.json()["level"] == 3
    stale = api.patch(url, {"version": 1, "level": 2}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["error"] == "conflict"
    unknown = api.patch(url, {"version": 2, "active": False, "x": 1}, content_type="application/json")
    assert unknown.status_code == 400 and set(unknown.json()["errors"]) == {"active", "x"}
    bad = api.patch(url, {"version": 2, "occupation": 999_999}, content_type="application/json")
    assert bad.status_code == 400 and "occupation" in bad.json()["errors"]

    refused = api.post(f"{url}deactivate/", {"reason": " "}, content_type="application/json")
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    off = api.post(f"{url}deactivate/", {"reason": "退休"}, content_type="application/json")
    assert off.status_code == 200 and off.json()["active"] is False
    assert AuditEvent.objects.filter(action="evaluator.deactivate").exists()
    on = api.post(f"{url}activate/", {}, content_type="application/json")
    assert on.json()["active"] is True


def test_staffing_assign_replace_remove_through_the_services(plan, body, body_operator, occupation):
    api = api_for(body_operator)
    skill = plan.sittings.get(part="skill")
    zhou = factories.evaluator("周考评", body=body, occupation=occupation, level=3)
    wu = factories.evaluator("吴考评", body=body, occupation=occupation, level=3)
    low = factories.evaluator("等级低", body=body, occupation=occupation, level=5)
    offered = api.get(f"/api/v1/plans/{plan.pk}/staff/candidates/?sitting={skill.pk}&role=skill_evaluator")
    assert {e["name"] for e in offered.json()} == {"周考评", "吴考评"}
    assert api.get(f"/api/v1/plans/{plan.pk}/staff/candidates/?sitting={skill.pk}&role=x").status_code == 400

    url = f"/api/v1/plans/{plan.pk}/staff/"
    refused = api.post(
        url,
        {"sitting": skill.pk, "evaluator": low.pk, "role": "skill_evaluator"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "等级低" in str(refused.json()["errors"]["evaluator"])
    assigned = api.post(
        url,
        {"sitting": skill.pk, "evaluator": zhou.pk, "role": "skill_evaluator"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="staff-1",
    )
    assert assigned.status_code == 201, assigned.json()
    seat = assigned.json()["id"]
    sittings = api.get(url).json()
    skill_row = next(row for row in sittings if row["id"] == skill.pk)
    assert [m["name"] for m in skill_row["staff"]] == ["周考评"] and skill_row["problems"]

    # a refused replacement leaves the seat as it was
    bad = api.post(f"{url}{seat}/replace/", {"evaluator": low.pk}, content_type="application/json")
    assert bad.status_code == 400 and SittingStaff.objects.get(pk=seat).evaluator == zhou
    replaced = api.post(
        f"{url}{seat}/replace/",
        {"evaluator": wu.pk},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="r-1",
    )
    assert replaced.status_code == 201 and replaced.json()["name"] == "吴考评"
    retried = api.post(
        f"{url}{seat}/replace/",
        {"evaluator": wu.pk},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="r-1",
    )
    assert retried["Idempotent-Replayed"] == "true" and retried.json() == replaced.json()
    assert replaced.json()["role"] == "skill_evaluator"
    assert list(SittingStaff.objects.values_list("evaluator__name", flat=True)) == ["吴考评"]
    new_seat = replaced.json()["id"]
    assert api.delete(f"{url}{new_seat}/").status_code == 204
    assert api.delete(f"{url}{new_seat}/").status_code == 404
    assert not SittingStaff.objects.exists()


def test_a_recusal_keeps_the_person_off_the_plan(plan, body, body_operator, occupation):
    api = api_for(body_operator)
    zhou = factories.evaluator("周考评", body=body, occupation=occupation, level=3)
    registration = plan.registrations.get(candidate__name="张一")
    declared = api.post(
        f"/api/v1/plans/{plan.pk}/recusals/",
        {"evaluator": zhou.pk, "registration": registration.pk, "relation": "relative", "note": "表兄弟"},
        content_type="application/json",
    )
    assert declared.status_code == 201, declared.json()
    assert declared.json()["candidate_name"] == "张一"
    assert RecusalDeclaration.objects.get().declared_by == body_operator
    (listed,) = api.get(f"/api/v1/plans/{plan.pk}/recusals/").json()
    assert listed["relation"] == "relative"
    twice = api.post(
        f"/api/v1/plans/{plan.pk}/recusals/",
        {"evaluator": zhou.pk, "registration": registration.pk, "relation": "relative"},
        content_type="application/json",
    )
    assert twice.status_code == 400
    theory = plan.sittings.get(part="theory")
    refused = api.post(
        f"/api/v1/plans/{plan.pk}/staff/",
        {"sitting": theory.pk, "evaluator": zhou.pk, "role": "invigilator"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "张一" in str(refused.json()["errors"])


def test_another_bodys_plan_staff_and_people_are_not_found(
    plan, body, body_operator, occupation, other_body, college_other_district
):
    other_operator = factories.user("op2", role=Role.BODY_OPERATOR, organisation=college_other_district)
    theirs = factories.evaluator("他校考评员", body=other_body, occupation=occupation, level=3)
    skill = plan.sittings.get(part="skill")
    zhou = factories.evaluator("周考评", body=body, occupation=occupation, level=3)
    seat = SittingStaff.objects.create(sitting=skill, evaluator=zhou, role="invigilator")
    outsider = api_for(other_operator)
    for method, path, data in [
        ("get", f"/api/v1/plans/{plan.pk}/staff/", None),
        (
            "post",
            f"/api/v1/plans/{plan.pk}/staff/",
            {"sitting": skill.pk, "evaluator": theirs.pk, "role": "x"},
        ),
        ("delete", f"/api/v1/plans/{plan.pk}/staff/{seat.pk}/", None),
        ("post", f"/api/v1/plans/{plan.pk}/staff/{seat.pk}/replace/", {"evaluator": theirs.pk}),
        ("get", f"/api/v1/plans/{plan.pk}/recusals/", None),
        ("get", f"/api/v1/evaluators/{zhou.pk}/", None),
    ]:
        kwargs = {"data": data, "content_type": "application/json"} if data is not None else {}
        response = getattr(outsider, method)(path, **kwargs)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["error"] == "not_found"
    # the plan's own operator cannot staff it with another body's person either
    api = api_for(body_operator)
    foreign = api.post(
        f"/api/v1/plans/{plan.pk}/staff/",
        {"sitting": skill.pk, "evaluator": theirs.pk, "role": "invigilator"},
        content_type="application/json",
    )
    assert foreign.status_code == 404
    assert SittingStaff.objects.count() == 1
