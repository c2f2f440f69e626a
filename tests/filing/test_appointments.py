"""特级技师 / 首席技师 评聘: only an enterprise, only in an occupation with a 一级 level, only for a holder
of a valid 一级 certificate of our register, a term after today of at most 5 years; submitted, reviewed by the
city, publicised, made by the timer; every transition allowed and denied for state and role; the holder's
page shows it; the enterprise is reminded before the term ends."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from filing.errors import Denied, Invalid, WrongState
from filing.models import (
    AppointmentStatus,
    CertificateStatus,
    Occupation,
    OccupationLevel,
    TechnicianAppointment,
)
from filing.services import appointments as svc
from filing.services import timers
from tests import factories
from tests.filing.issued import issue

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
A = AppointmentStatus


@pytest.fixture
def enterprise(roles):
    org = factories.organisation(kind="enterprise", name="上海机床厂有限公司", new_type=False, batch=None)
    body = factories.filed_body(org, levels=(1, 2))
    operator = factories.user("ent_op", role="body_operator", organisation=org)
    return body, operator


@pytest.fixture
def senior(enterprise):
    body, _ = enterprise
    plan, operator = factories.plan_with_results(body, passed=2, level=1)
    return list(
        issue(
            plan, operator, "senior", issue_date=plan.first_sitting_on + datetime.timedelta(30)
        ).certificates.order_by("number")
    )


def propose(operator, body, certificate, **overrides):
    fields = {
        "grade": "principal",
        "certificate_number": certificate.number,
        "holder_name": certificate.holder_name,
        "employee_number": "E001",
        "post": "数控车工",
        "achievements": "攻克主轴加工精度难题，获市级技术创新奖",
        "term_start": TODAY + datetime.timedelta(days=30),
        "term_end": TODAY + datetime.timedelta(days=30 + 3 * 365),
        **overrides,
    }
    return svc.appointment_create(actor=operator, body=body, **fields)


def test_the_whole_path_and_the_holders_page(client, enterprise, senior, municipal_reviewer):
    body, operator = enterprise
    appointment = propose(operator, body, senior[0])
    assert appointment.status == A.DRAFT
    with pytest.raises(WrongState):
        svc.appointment_review(actor=municipal_reviewer, appointment=appointment, approve=True, comment="x")
    with pytest.raises(Denied):
        svc.appointment_submit(actor=municipal_reviewer, appointment=appointment)
    svc.appointment_submit(actor=operator, appointment=appointment)
    with pytest.raises(Denied):
        svc.appointment_review(actor=operator, appointment=appointment, approve=True, comment="x")
    with pytest.raises(Invalid):
        svc.appointment_review(actor=municipal_reviewer, appointment=appointment, approve=True, comment=" ")
    svc.appointment_review(
        actor=municipal_reviewer, appointment=appointment, approve=True, comment="同意公示"
    )
    appointment.refresh_from_db()
    assert appointment.status == A.PUBLICITY and appointment.publicity_ends_on > TODAY
    assert senior[0].holder_name in client.get(reverse("appointments_public")).text
    timers.run_timers(appointment.publicity_ends_on)  # the last day of publicity: not yet
    appointment.refresh_from_db()
    assert appointment.status == A.PUBLICITY
    timers.run_timers(appointment.publicity_ends_on + datetime.timedelta(days=1))
    appointment.refresh_from_db()
    assert appointment.status == A.APPOINTED and appointment.in_force(appointment.term_start)
    with pytest.raises(WrongState):
        svc.appointment_withdraw(actor=operator, appointment=appointment)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"holder_name": "别人"}, "certificate"),
        ({"certificate_number": "Y0000"}, "certificate"),
        ({"grade": "apprentice"}, "grade"),
        ({"term_start": TODAY}, "term_start"),
        ({"term_start": "abc"}, "term_start"),
        ({"term_end": TODAY + datetime.timedelta(days=30 + 6 * 365)}, "term_end"),
        ({"term_end": TODAY + datetime.timedelta(days=10)}, "term_end"),
        ({"achievements": ""}, "achievements"),
        ({"post": "岗" * 100}, "post"),
    ],
)
def test_rules_refuse_with_the_field(enterprise, senior, overrides, field):
    body, operator = enterprise
    with pytest.raises(Invalid) as exc:
        propose(operator, body, senior[0], **overrides)
    assert field in exc.value.errors
    assert not TechnicianAppointment.objects.exists()


def test_only_an_enterprise_and_only_level_one_holders(enterprise, senior, college, body_operator):
    body, operator = enterprise
    school_body = factories.filed_body(college)
    with pytest.raises(Invalid, match="不符合条件") as exc:
        propose(body_operator, school_body, senior[0])
    assert "只有企业" in str(exc.value.errors)
    plan, op4 = factories.plan_with_results(body, passed=1, level=2)
    technician = issue(
        plan, op4, "level2", issue_date=plan.first_sitting_on + datetime.timedelta(30)
    ).certificates.get()
    with pytest.raises(Invalid, match="不符合条件"):
        propose(operator, body, technician)
    revoked = senior[1]
    type(revoked).objects.filter(pk=revoked.pk).update(status=CertificateStatus.REVOKED)
    with pytest.raises(Invalid):
        propose(operator, body, revoked)
    with pytest.raises(Denied):
        propose(factories.user(role="body_operator", organisation=factories.organisation()), body, senior[0])


def test_an_occupation_without_a_level_one_has_no_such_grade(enterprise, senior):
    body, operator = enterprise
    Occupation.objects.create(code="9-99-99-99", name="无一级职业")
    OccupationLevel.objects.create(
        occupation=Occupation.objects.get(code="9-99-99-99"), level=3, parts=["theory"]
    )
    type(senior[0]).objects.filter(pk=senior[0].pk).update(occupation_code="9-99-99-99")
    senior[0].refresh_from_db()
    with pytest.raises(Invalid) as exc:
        propose(operator, body, senior[0])
    assert "没有一级" in str(exc.value.errors)


def test_one_live_appointment_per_person_and_grade(enterprise, senior, municipal_reviewer):
    body, operator = enterprise
    propose(operator, body, senior[0])
    with pytest.raises(Invalid, match="不符合条件"):
        propose(operator, body, senior[0])
    assert propose(operator, body, senior[0], grade="chief").grade == "chief"


def test_rejection_and_withdrawal(enterprise, senior, municipal_reviewer):
    body, operator = enterprise
    rejected = propose(operator, body, senior[0])
    svc.appointment_submit(actor=operator, appointment=rejected)
    svc.appointment_review(
        actor=municipal_reviewer, appointment=rejected, approve=False, comment="业绩材料不足"
    )
    rejected.refresh_from_db()
    assert rejected.status == A.REJECTED
    with pytest.raises(WrongState):
        svc.appointment_withdraw(actor=operator, appointment=rejected)
    again = propose(operator, body, senior[0])  # a rejected one is not live
    svc.appointment_withdraw(actor=operator, appointment=again)
    again.refresh_from_db()
    assert again.status == A.WITHDRAWN


def test_expiry_reminder_once(enterprise, senior, municipal_reviewer):
    from notifications.models import OutboxEvent

    body, operator = enterprise
    appointment = propose(operator, body, senior[0])
    TechnicianAppointment.objects.filter(pk=appointment.pk).update(status=A.APPOINTED)
    near = appointment.term_end - datetime.timedelta(days=30)
    assert svc.remind_expiring(near) == [appointment.pk]
    assert svc.remind_expiring(near) == []
    assert OutboxEvent.objects.filter(kind="appointment_expiring").count() == 1


def test_pages(client, enterprise, senior, municipal_reviewer):
    body, operator = enterprise
    client.force_login(operator)
    form = client.get(reverse("appointments:create"))
    assert form.status_code == 200
    bad = client.post(
        reverse("appointments:create"), {"body": body.pk, "grade": "principal", "term_start": "x"}
    )
    assert bad.status_code == 422
    created = client.post(
        reverse("appointments:create"),
        {
            "body": body.pk,
            "grade": "principal",
            "holder_name": senior[0].holder_name,
            "certificate_number": senior[0].number,
            "employee_number": "E9",
            "post": "车工",
            "achievements": "业绩",
            "term_start": (TODAY + datetime.timedelta(days=40)).isoformat(),
            "term_end": (TODAY + datetime.timedelta(days=400)).isoformat(),
        },
    )
    assert created.status_code == 302
    appointment = TechnicianAppointment.objects.get()
    client.post(reverse("appointments:action", args=[appointment.pk, "submit"]))
    assert (
        client.post(
            reverse("appointments:action", args=[appointment.pk, "approve"]), {"comment": "x"}
        ).status_code
        == 403
    )
    client.force_login(municipal_reviewer)
    page = client.get(reverse("appointments:detail", args=[appointment.pk])).text
    assert 'data-action="approve"' in page and senior[0].document_masked in page
    client.post(reverse("appointments:action", args=[appointment.pk, "approve"]), {"comment": "同意"})
    appointment.refresh_from_db()
    assert appointment.status == A.PUBLICITY
    stranger = factories.user(role="body_operator", organisation=factories.organisation())
    client.force_login(stranger)
    assert client.get(reverse("appointments:detail", args=[appointment.pk])).status_code == 404
    assert client.post(reverse("appointments:action", args=[appointment.pk, "bogus"])).status_code == 404


def test_api_parity(enterprise, senior, municipal_reviewer):
    from django.test import Client

    body, operator = enterprise
    api = Client()
    api.force_login(operator)
    payload = {
        "body": body.pk,
        "grade": "chief",
        "holder_name": senior[1].holder_name,
        "certificate_number": senior[1].number,
        "employee_number": "E2",
        "post": "车工",
        "achievements": "业绩",
        "term_start": (TODAY + datetime.timedelta(days=40)).isoformat(),
        "term_end": (TODAY + datetime.timedelta(days=400)).isoformat(),
    }
    assert (
        api.post(
            "/api/v1/appointments/", {**payload, "term_start": "x"}, content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        api.post(
            "/api/v1/appointments/", {**payload, "holder_name": "别人"}, content_type="application/json"
        ).status_code
        == 400
    )
    created = api.post("/api/v1/appointments/", payload, content_type="application/json")
    assert created.status_code == 201 and created.json()["document_masked"] == senior[1].document_masked
    pk = created.json()["id"]
    assert api.post(f"/api/v1/appointments/{pk}/submit/").json()["status"] == "submitted"
    assert api.post(f"/api/v1/appointments/{pk}/approve/", {"comment": "x"}).status_code == 403
    city = Client()
    city.force_login(municipal_reviewer)
    assert (
        city.post(f"/api/v1/appointments/{pk}/approve/", {"comment": "同意"}).json()["status"] == "publicity"
    )
    stranger = Client()
    stranger.force_login(factories.user(role="body_operator", organisation=factories.organisation()))
    assert stranger.get(f"/api/v1/appointments/{pk}/").status_code == 404
    assert stranger.post("/api/v1/appointments/", payload, content_type="application/json").status_code == 404


def test_a_term_from_29_february_is_measured_in_years_not_a_crash(enterprise, senior):
    body, operator = enterprise
    start = datetime.date(2028, 2, 29)
    ok = propose(operator, body, senior[0], term_start=start, term_end=datetime.date(2033, 2, 28))
    assert ok.term_end == datetime.date(2033, 2, 28)
    with pytest.raises(Invalid) as exc:
        propose(
            operator, body, senior[0], grade="chief", term_start=start, term_end=datetime.date(2033, 3, 1)
        )
    assert "term_end" in exc.value.errors
