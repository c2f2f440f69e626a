"""Partner agreements and coverage over the API (#14 item 9): the school proposes, the partner body accepts
or declines, the school withdraws, either side terminates; coverage per organisation (own / partner /
uncovered per major, with the graduating students) and the city's overview — the same services and
selectors as the pages, with a 404 for whoever is neither side."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from filing.models import AgreementStatus, AuditEvent, PartnerAgreement
from filing.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def api_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(college, applicant, roles):
    """The school with a major its own line covers (钳工), one a partner could cover (车工) and one nobody
    covers (焊工); an enterprise body filed for 车工 with its operator; a bystander body's operator."""
    factories.filed_body(college, code="6-20-01-01")
    factories.major(
        college, code="660101", name="钳工技术", students=50, occupations=(("6-20-01-01", "same"),)
    )
    factories.major(college, code="660103", name="数控技术应用", students=120)
    factories.major(
        college, code="660201", name="焊接技术", students=30, occupations=(("6-18-02-04", "same"),)
    )
    enterprise = factories.organisation(
        kind="enterprise", name="上海机床厂有限公司", new_type=False, batch=None
    )
    partner = factories.filed_body(enterprise, code="6-18-01-01")
    bystander_org = factories.organisation(kind="enterprise", name="另一家企业", new_type=False, batch=None)
    factories.filed_body(bystander_org, code="6-18-01-01")
    return {
        "school": college,
        "applicant": applicant,
        "partner": partner,
        "operator": factories.user("partner_op", role=Role.BODY_OPERATOR, organisation=enterprise),
        "bystander": factories.user("bystander_op", role=Role.BODY_OPERATOR, organisation=bystander_org),
    }


def proposal(world, **extra) -> dict:
    return {
        "partner": world["partner"].pk,
        "agreement_no": "XY-2026-01",
        "offerings": [factories.offering("6-18-01-01", 4).pk],
        "valid_from": str(TODAY - datetime.timedelta(days=30)),
        "valid_until": str(TODAY + datetime.timedelta(days=365)),
        **extra,
    }


def coverage_of(world, user=None) -> dict:
    answer = api_for(user or world["applicant"]).get(f"/api/v1/organisations/{world['school'].pk}/coverage/")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_propose_accept_and_the_coverage_follows(world, municipal_reviewer):
    school = api_for(world["applicant"])
    before = coverage_of(world)
    assert {r["code"]: r["status"] for r in before["rows"]} == {
        "660101": "own",
        "660103": "uncovered",
        "660201": "uncovered",
    }
    assert (before["covered_students"], before["students"]) == (50, 200)
    created = school.post(
        "/api/v1/agreements/", proposal(world), content_type="application/json", HTTP_IDEMPOTENCY_KEY="xy-1"
    )
    assert created.status_code == 201, created.json()
    replay = school.post(
        "/api/v1/agreements/", proposal(world), content_type="application/json", HTTP_IDEMPOTENCY_KEY="xy-1"
    )
    assert replay["Idempotent-Replayed"] == "true" and PartnerAgreement.objects.count() == 1
    agreement = created.json()
    assert agreement["status"] == "proposed" and agreement["in_force"] is False
    assert coverage_of(world)["covered_students"] == 50  # nothing until the partner accepts

    # the school cannot accept its own proposal; the partner can
    url = f"/api/v1/agreements/{agreement['id']}/"
    assert school.post(f"{url}accept/", {}, content_type="application/json").status_code == 403
    partner = api_for(world["operator"])
    assert [a["id"] for a in partner.get("/api/v1/agreements/?status=proposed").json()["results"]] == [
        agreement["id"]
    ]
    accepted = partner.post(f"{url}accept/", {"note": "同意"}, content_type="application/json")
    assert accepted.status_code == 200 and accepted.json()["in_force"] is True
    after = coverage_of(world)
    rows = {r["code"]: r for r in after["rows"]}
    assert rows["660103"]["status"] == "partner" and "XY-2026-01" in rows["660103"]["via"]
    assert rows["660201"]["reason"] and (after["covered_students"], after["share"]) == (170, 85.0)
    city = api_for(municipal_reviewer).get("/api/v1/coverage/").json()
    mine = next(c for c in city["colleges"] if c["organisation"] == world["school"].pk)
    assert mine["covered_students"] == 170

    again = partner.post(f"{url}accept/", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"] == "wrong_state"
    no_reason = school.post(f"{url}terminate/", {}, content_type="application/json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    ended = school.post(f"{url}terminate/", {"reason": "合作到期前终止"}, content_type="application/json")
    assert ended.json()["status"] == AgreementStatus.TERMINATED
    assert coverage_of(world)["covered_students"] == 50
    assert AuditEvent.objects.filter(action="agreement.terminate").exists()


def test_decline_and_withdraw(world):
    school, partner = api_for(world["applicant"]), api_for(world["operator"])
    first = school.post("/api/v1/agreements/", proposal(world), content_type="application/json").json()
    declined = partner.post(
        f"/api/v1/agreements/{first['id']}/decline/", {"reason": "无考位"}, content_type="application/json"
    )
    assert declined.json()["status"] == "declined" and declined.json()["decision_note"] == "无考位"
    second = school.post(
        "/api/v1/agreements/", proposal(world, agreement_no="XY-2026-02"), content_type="application/json"
    ).json()
    withdrawn = school.post(
        f"/api/v1/agreements/{second['id']}/withdraw/",
        {"reason": "编号写错"},
        content_type="application/json",
    )
    assert withdrawn.json()["status"] == "withdrawn"
    bogus = school.post(f"/api/v1/agreements/{second['id']}/bogus/", {}, content_type="application/json")
    assert bogus.status_code == 404


def test_bad_proposals_are_400_naming_the_field(world):
    school = api_for(world["applicant"])
    cases = {
        "partner": proposal(world, partner=999_999),
        "offerings": proposal(world, offerings=[999_999]),
        "valid_until": proposal(world, valid_until=str(TODAY - datetime.timedelta(days=60))),
        "unknown": proposal(world, unknown=1),
    }
    for field, body in cases.items():
        answer = school.post("/api/v1/agreements/", body, content_type="application/json")
        assert answer.status_code == 400 and field in answer.json()["errors"], (field, answer.json())
    own_body = proposal(world, partner=world["school"].bodies.first().pk, agreement_no="XY-own")
    assert school.post("/api/v1/agreements/", own_body, content_type="application/json").status_code == 400
    assert not PartnerAgreement.objects.exists()


def test_whoever_is_neither_side_gets_404(world, other_college_same_district):
    agreement = (
        api_for(world["applicant"])
        .post("/api/v1/agreements/", proposal(world), content_type="application/json")
        .json()
    )
    bystander = api_for(world["bystander"])
    assert bystander.get("/api/v1/agreements/").json()["count"] == 0
    assert bystander.get(f"/api/v1/agreements/{agreement['id']}/").status_code == 404
    answer = bystander.post(
        f"/api/v1/agreements/{agreement['id']}/accept/", {}, content_type="application/json"
    )
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"
    assert bystander.get(f"/api/v1/organisations/{world['school'].pk}/coverage/").status_code == 404
    assert bystander.get("/api/v1/coverage/").status_code == 404
    # a school proposes only for itself: naming another school is a 404 too
    other = api_for(world["applicant"]).post(
        "/api/v1/agreements/",
        proposal(world, school=other_college_same_district.pk, agreement_no="XY-9"),
        content_type="application/json",
    )
    assert other.status_code == 404
    assert PartnerAgreement.objects.get().status == AgreementStatus.PROPOSED
