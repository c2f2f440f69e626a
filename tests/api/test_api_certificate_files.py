"""An operator reads a certificate's verification address and its PDF, a batch as a zip; the city reads a
national report's file and acknowledges it — over the API, scoped like the pages (#14 item 8)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from filing.models import AuditEvent, Certificate
from filing.sealed import dev_identity, unseal
from filing.services import national
from tests import factories
from tests.filing.issued import issue

pytestmark = pytest.mark.django_db


def api_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def issued(college, roles):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=2)
    batch = issue(plan, operator, "files")
    return batch, operator


def test_an_operator_reads_the_verification_address_and_the_versions(issued):
    batch, operator = issued
    certificate = Certificate.objects.filter(batch=batch).first()
    detail = api_for(operator).get(f"/api/v1/certificates/{certificate.pk}/").json()
    assert detail["verification_url"].endswith(f"/verify/t/{certificate.verification_token}/")
    assert [v["version"] for v in detail["versions"]] == [1]
    assert detail["document_masked"] == certificate.document_masked  # masked, as everywhere


def test_an_operator_downloads_a_pdf_and_the_batch_zip(issued):
    batch, operator = issued
    certificate = Certificate.objects.filter(batch=batch).first()
    client = api_for(operator)
    document = client.get(f"/api/v1/certificates/{certificate.pk}/pdf/")
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert document.content.startswith(b"%PDF")
    bundle = client.get(f"/api/v1/certificate-batches/{batch.pk}/zip/")
    assert bundle.status_code == 200 and bundle["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert sorted(names) == sorted(f"{c.number}-v1.pdf" for c in Certificate.objects.filter(batch=batch))


def test_another_body_and_a_supervisor_get_nothing(issued, other_college_same_district, roles):
    batch, _operator = issued
    certificate = Certificate.objects.filter(batch=batch).first()
    other = factories.user("other_operator", role="body_operator", organisation=other_college_same_district)
    supervisor = factories.user("supervisor1", role="supervisor")
    for person in (other, supervisor):
        client = api_for(person)
        assert client.get(f"/api/v1/certificates/{certificate.pk}/").status_code == 404
        assert client.get(f"/api/v1/certificates/{certificate.pk}/pdf/").status_code == 404
        assert client.get(f"/api/v1/certificate-batches/{batch.pk}/zip/").status_code == 404
    assert AuditEvent.objects.filter(action="scope.probe", actor=other).exists()


def test_the_city_reads_the_national_file_and_acknowledges_it(issued, municipal_reviewer):
    batch, operator = issued
    report = national.report_export(actor=municipal_reviewer)
    city = api_for(municipal_reviewer)
    file = city.get(f"/api/v1/national-reports/{report.pk}/file/")
    # The sealed file (age): the clear CSV is only what the recipient's identity decrypts.
    assert file.status_code == 200 and file.content.startswith(b"age-encryption.org/v1\n")
    assert unseal(file.content, dev_identity()).startswith("\ufeff证书编号".encode())
    assert api_for(operator).get(f"/api/v1/national-reports/{report.pk}/file/").status_code == 404
    assert api_for(operator).post(f"/api/v1/national-reports/{report.pk}/acknowledge/").status_code == 404
    done = city.post(
        f"/api/v1/national-reports/{report.pk}/acknowledge/", {}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["state"] == "acknowledged"
    again = city.post(
        f"/api/v1/national-reports/{report.pk}/acknowledge/", {}, content_type="application/json"
    )
    assert again.status_code == 409
