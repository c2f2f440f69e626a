"""Holder self-service (#15 item 7): a candidate proves who they are with name + ID document + a one-time code
sent to the contact their school gave with the roster, then sees only their own records, downloads the PDF
and the credential, and asks the issuing body for a correction that the body's operator decides.

Must show: a wrong code, an expired code, a reused code and a code for another person all fail; the holder
sees only their own records."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from filing import pii
from filing.errors import Conflict, Denied, Invalid, WrongState
from filing.models import Certificate, ContactChallenge, HolderCorrectionRequest
from filing.roles import Role
from filing.services import challenges, holders
from filing.views.holders import SESSION_UNTIL
from tests import factories
from tests.filing.issued import issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    """Sign-in limits are counted in the cache, per client address (every test client is 127.0.0.1)."""
    from django.core.cache import cache

    cache.clear()


def give_contacts(plan, template="holder{n}@example.com"):
    """What the roster's 联系方式 column stores (the import itself is tested in test_roster.py)."""
    contacts = {}
    for n, registration in enumerate(plan.registrations.order_by("pk")):
        address = template.format(n=n)
        registration.contact_encrypted = pii.encrypt_text(address)
        registration.contact_index = challenges.contact_index(address)
        registration.save(update_fields=["contact_encrypted", "contact_index"])
        contacts[registration.candidate_id] = address
    return contacts


@pytest.fixture
def world(college, roles):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=2)
    contacts = give_contacts(plan)
    issue(plan, operator, "holders")
    first, second = Certificate.objects.order_by("number")
    return operator, first, second, contacts


def number_of(certificate) -> str:
    return pii.decrypt(certificate.registration.candidate.document_encrypted)


def start(client, certificate, contact, *, name=None, number=None):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the code is sent after commit
        return client.post(
            "/holder/",
            {
                "name": name or certificate.holder_name,
                "document_type": "citizen_id",
                "number": number or number_of(certificate),
                "contact": contact,
            },
        )


def sent_code() -> str:
    return re.search(r"\d{6}", mail.outbox[-1].body).group(0)


def sign_in(client, certificate, contact):
    mail.outbox.clear()
    assert start(client, certificate, contact).status_code == 302
    response = client.post("/holder/code/", {"code": sent_code()})
    assert response.status_code == 302 and response["Location"] == "/holder/records/"


def test_a_holder_signs_in_and_sees_their_certificates(world, client):
    _, mine, other, contacts = world
    sign_in(client, mine, contacts[mine.registration.candidate_id])
    page = client.get("/holder/records/")
    text = page.content.decode()
    assert page.status_code == 200 and mine.number in text and other.number not in text
    assert number_of(mine) not in text  # the page shows nothing the holder did not type
    pdf = client.get(f"/holder/certificates/{mine.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    credential = client.get(f"/holder/certificates/{mine.pk}/credential/")
    assert credential.status_code == 200 and credential["Content-Type"] == "application/vc+jwt"
    # Another person's certificate is not found, whatever the address says.
    assert client.get(f"/holder/certificates/{other.pk}/pdf/").status_code == 404
    assert client.get(f"/holder/certificates/{other.pk}/credential/").status_code == 404
    assert client.get(f"/holder/certificates/{other.pk}/correction/").status_code == 404


@pytest.mark.parametrize("wrong", ["name", "number", "contact"])
def test_a_mismatch_gets_the_same_answer_and_no_code(world, client, wrong):
    _, mine, other, contacts = world
    contact = contacts[mine.registration.candidate_id]
    mail.outbox.clear()
    values = {
        "name": {"name": other.holder_name},
        "number": {"number": number_of(other)},
        "contact": {},
    }[wrong]
    response = start(client, mine, "someone@example.com" if wrong == "contact" else contact, **values)
    assert response.status_code == 302 and response["Location"] == "/holder/code/"
    assert mail.outbox == []
    assert ContactChallenge.objects.filter(purpose="holder").count() == 1  # recorded like a real one
    for guess in ("000000", "123456"):
        assert client.post("/holder/code/", {"code": guess}).status_code == 422
    assert client.get("/holder/records/").status_code == 302


def test_wrong_expired_reused_and_foreign_codes_fail(world, client):
    _, mine, other, contacts = world
    mail.outbox.clear()
    start(client, mine, contacts[mine.registration.candidate_id])
    my_code = sent_code()
    assert (
        client.post("/holder/code/", {"code": "999999" if my_code != "999999" else "111111"}).status_code
        == 422
    )
    # Another person's code (their own challenge) does not open mine.
    other_client = client.__class__()
    start(other_client, other, contacts[other.registration.candidate_id])
    their_code = sent_code()
    if their_code != my_code:
        assert client.post("/holder/code/", {"code": their_code}).status_code == 422
    # Expired.
    ContactChallenge.objects.filter(purpose="holder").update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.post("/holder/code/", {"code": my_code}).status_code == 422
    # Reused: a fresh challenge, used once, then again.
    sign_in(client, mine, contacts[mine.registration.candidate_id])
    used = sent_code()
    client.post("/holder/sign-out/")
    challenge = ContactChallenge.objects.filter(purpose="holder").order_by("-pk").first()
    with pytest.raises(Invalid):
        holders.holder_sign_in_confirm(challenge_id=challenge.pk, code=used)


def test_the_view_ends_after_its_time(world, client):
    _, mine, _, contacts = world
    sign_in(client, mine, contacts[mine.registration.candidate_id])
    session = client.session
    session[SESSION_UNTIL] = int(time.time()) - 1
    session.save()
    assert client.get("/holder/records/")["Location"] == "/holder/"


def test_a_second_body_with_its_own_contact_learns_nothing_the_first_collected(world, client, roles):
    """Body B registers the same person with B's own contact: signing in with it shows B's records only."""
    _, mine, _, contacts = world
    org_b = factories.organisation(district_code="310104", name="另一所学院")
    body_b = factories.filed_body(org_b)
    plan_b, _ = factories.plan_with_results(body_b, passed=1)
    registration = plan_b.registrations.get()
    registration.candidate = mine.registration.candidate
    registration.contact_encrypted = pii.encrypt_text("attacker@example.com")
    registration.contact_index = challenges.contact_index("attacker@example.com")
    registration.save()
    sign_in(client, mine, "attacker@example.com")
    text = client.get("/holder/records/").content.decode()
    assert mine.number not in text and mine.body_name not in text and plan_b.title in text
    assert client.get(f"/holder/certificates/{mine.pk}/pdf/").status_code == 404
    client.post("/holder/sign-out/")
    sign_in(client, mine, contacts[mine.registration.candidate_id])
    text = client.get("/holder/records/").content.decode()
    assert mine.number in text and plan_b.title not in text


def test_a_correction_request_goes_to_the_body_and_its_operator_decides(world, client, roles):
    operator, mine, other, contacts = world
    sign_in(client, mine, contacts[mine.registration.candidate_id])
    assert client.get(f"/holder/certificates/{mine.pk}/correction/").status_code == 200
    response = client.post(
        f"/holder/certificates/{mine.pk}/correction/", {"holder_name": "王晓明", "reason": "姓名印错"}
    )
    assert response.status_code == 302
    request = HolderCorrectionRequest.objects.get()
    assert request.changes == {"holder_name": "王晓明"} and request.status == "requested"
    again = client.post(
        f"/holder/certificates/{mine.pk}/correction/", {"holder_name": "王晓明", "reason": "再次"}
    )
    assert again.status_code == 422 and "待处理" in again.content.decode()
    stranger_org = factories.organisation(district_code="310104", name="陌生学院")
    stranger = factories.user("holders_stranger", role=Role.BODY_OPERATOR, organisation=stranger_org)
    with pytest.raises(Denied):
        holders.holder_correction_decide(actor=stranger, request=request, approve=True, comment="")
    with pytest.raises(Invalid):
        holders.holder_correction_decide(actor=operator, request=request, approve=False, comment="")
    holders.holder_correction_decide(actor=operator, request=request, approve=True, comment="已核实")
    request.refresh_from_db()
    mine.refresh_from_db()
    assert request.status == "approved" and request.corrected.holder_name == "王晓明"
    assert mine.status == "superseded" and request.corrected.version == mine.version + 1
    with pytest.raises(WrongState):
        holders.holder_correction_decide(actor=operator, request=request, approve=False, comment="x")
    page = client.get("/holder/records/").content.decode()
    assert 'data-request="approved"' in page


def test_nothing_to_correct_and_a_revoked_certificate_are_refused(world, client):
    operator, mine, _, contacts = world
    identity = holders.HolderIdentity(
        mine.registration.candidate_id,
        challenges.contact_index(contacts[mine.registration.candidate_id]),
        "h***@example.com",
    )
    with pytest.raises(Invalid):
        holders.holder_correction_request(
            identity=identity, certificate=mine, reason="x", holder_name=mine.holder_name
        )
    with pytest.raises(Invalid):
        holders.holder_correction_request(identity=identity, certificate=mine, reason="", work_type="电工")
    holders.holder_correction_request(
        identity=identity, certificate=mine, reason="工种", work_type="维修电工"
    )
    with pytest.raises(Conflict):
        holders.holder_correction_request(
            identity=identity, certificate=mine, reason="工种", work_type="电工"
        )


def test_sign_in_is_rate_limited_and_bad_input_is_a_form_error(world, client):
    _, mine, _, contacts = world
    for bad in ({"number": "abc"}, {"contact": "not a contact"}, {"document_type": "x"}, {"name": ""}):
        data = {
            "name": mine.holder_name,
            "document_type": "citizen_id",
            "number": number_of(mine),
            "contact": contacts[mine.registration.candidate_id],
            **bad,
        }
        assert client.post("/holder/", data).status_code == 422
    codes = [start(client, mine, "x@example.com").status_code for _ in range(12)]
    assert 429 in codes
    assert client.get("/holder/code/").status_code in (200, 302)
    assert client.post("/holder/code/", {"code": "x" * 5000}).status_code in (302, 422)


def test_the_request_is_a_task_in_the_issuing_bodys_queue(world, client, roles):
    from workflows import services as wf
    from workflows.selectors import open_task, tasks_visible_to

    operator, mine, _, contacts = world
    sign_in(client, mine, contacts[mine.registration.candidate_id])
    client.post(
        f"/holder/certificates/{mine.pk}/correction/", {"work_type": "维修电工", "reason": "工种漏印"}
    )
    request = HolderCorrectionRequest.objects.get()
    task = open_task(request, "review_holder_correction")
    assert task in tasks_visible_to(operator)["queue"]
    stranger_org = factories.organisation(district_code="310104", name="别家学院")
    stranger = factories.user("holders_queue_stranger", role=Role.BODY_OPERATOR, organisation=stranger_org)
    assert task not in tasks_visible_to(stranger)["queue"]
    operator_client = client.__class__()
    operator_client.force_login(operator)
    page = operator_client.get(f"/tasks/{task.pk}/")
    assert page.status_code == 200 and "维修电工" in page.content.decode()
    stranger_client = client.__class__()
    stranger_client.force_login(stranger)
    assert stranger_client.get(f"/tasks/{task.pk}/").status_code == 404
    wf.task_claim(actor=operator, task_pk=task.pk)
    wf.task_holder_correction_review(
        actor=operator, task_pk=task.pk, approve=False, comment="工种与计划一致，无需更正"
    )
    request.refresh_from_db()
    task.refresh_from_db()
    assert request.status == "declined" and task.status == "DONE"
    text = client.get("/holder/records/").content.decode()
    assert 'data-request="declined"' in text and "无需更正" in text


def test_the_holders_page_shows_their_appointment_and_only_theirs(world, client, roles):
    from filing.models import AppointmentStatus, TechnicianAppointment

    operator, mine, other, contacts = world
    for certificate, grade in ((mine, "principal"), (other, "chief")):
        TechnicianAppointment.objects.create(
            body=certificate.body,
            grade=grade,
            certificate=certificate,
            holder_name=certificate.holder_name,
            document_index=certificate.document_index,
            occupation_code=certificate.occupation_code,
            occupation_name=certificate.occupation_name,
            employee_number="E1",
            post="车工",
            achievements="业绩",
            term_start=datetime.date(2027, 1, 1),
            term_end=datetime.date(2029, 12, 31),
            status=AppointmentStatus.APPOINTED,
            created_by=operator,
        )
    sign_in(client, mine, contacts[mine.registration.candidate_id])
    text = client.get("/holder/records/").content.decode()
    assert 'data-section="appointments"' in text
    assert "<td>特级技师</td>" in text and "<td>首席技师</td>" not in text
