"""Out-of-scope probes (#12 finding 8): asking for another organisation's object answers 404 — the same as an
absent one, so nothing is learned — and writes the attempt to the audit chain as a denial; an absent id
writes nothing (a typo is not an attack)."""

from __future__ import annotations

import pytest
from django.test import Client

from filing.models import AuditEvent
from filing.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def their_application(other_college_same_district):
    applicant = factories.user(
        "their_applicant", role=Role.APPLICANT, organisation=other_college_same_district
    )
    legal_rep = factories.user(
        "their_legal", role=Role.LEGAL_REPRESENTATIVE, organisation=other_college_same_district
    )
    return factories.complete_draft(
        applicant=applicant, legal_rep=legal_rep, organisation=other_college_same_district
    )


def probes(actor) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="scope.probe", actor=actor))


@pytest.mark.parametrize("address", ["/applications/{pk}/", "/api/v1/applications/{pk}/"])
def test_another_colleges_application_is_not_found_and_the_probe_is_audited(
    address, applicant, their_application
):
    client = Client()
    client.force_login(applicant)
    answer = client.get(address.format(pk=their_application.pk))
    assert answer.status_code == 404
    assert "浦东另一所技师学院" not in answer.content.decode()
    (event,) = probes(applicant)
    assert event.result == "denied" and event.object_id == str(their_application.pk)


@pytest.mark.parametrize("address", ["/applications/{pk}/", "/api/v1/applications/{pk}/"])
def test_an_absent_application_answers_the_same_and_records_nothing(address, applicant, their_application):
    client = Client()
    client.force_login(applicant)
    absent = client.get(address.format(pk=their_application.pk + 1000))
    probe = client.get(address.format(pk=their_application.pk))
    assert absent.status_code == probe.status_code == 404
    if address.startswith("/api/"):
        assert absent.json() == probe.json()
    assert len(probes(applicant)) == 1  # only the real object's probe


def test_an_attachment_of_another_college_is_a_probe(applicant, their_application):
    attachment = their_application.attachments.first()
    client = Client()
    client.force_login(applicant)
    answer = client.get(f"/applications/attachments/{attachment.pk}/")
    assert answer.status_code == 404
    assert probes(applicant)
