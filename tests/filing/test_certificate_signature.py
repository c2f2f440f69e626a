"""The certificate PDF's seal (PAdES, pyHanko): it validates against the trust root with pyHanko's own
validator, covers the whole file, breaks when one signed byte changes; an unsigned PDF, a PDF signed by
someone else and garbage are all "not ours"; the command line and the public upload page say the same."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from filing import pdf, signing
from filing.models import Certificate, CertificateStatus
from filing.services import certificates as svc
from filing.services import issuance
from tests import factories
from tests.conftest import require

pytestmark = pytest.mark.django_db
ISSUE = datetime.date(2026, 7, 1)


@pytest.fixture
def issued(college, roles):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=1)
    plan.photos_waived = True
    plan.save(update_fields=["photos_waived"])
    batch = issuance.issuance_request(actor=operator, plan=plan, idempotency_key="sig", issue_date=ISSUE)
    issuance.issue(batch.pk)
    return Certificate.objects.select_related("body", "registration__candidate").get(), operator


@pytest.fixture
def certificate(issued):
    return issued[0]


@pytest.fixture
def signed_pdf(certificate) -> bytes:
    return pdf.current_pdf(certificate)


def pyhanko_status(content: bytes):
    root = load_cert_from_pemder(signing.root_path())
    (embedded,) = PdfFileReader(io.BytesIO(content)).embedded_signatures
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    return embedded, validate_pdf_signature(embedded, context)


def test_the_seal_validates_with_pyhanko_against_the_trust_root_and_covers_the_whole_file(
    certificate, signed_pdf
):
    embedded, status = pyhanko_status(signed_pdf)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert embedded.field_name == signing.FIELD_NAME
    assert str(embedded.sig_object["/Name"]) == certificate.body_name
    # The visible field on page one, where the seal is drawn.
    field = embedded.sig_field
    assert [round(float(v)) for v in field["/Rect"]] == list(signing.SEAL_BOX)
    check = signing.verify(signed_pdf)
    assert check.genuine and check.certificate == certificate, check.message


def test_changing_one_signed_byte_breaks_the_seal(certificate, signed_pdf):
    embedded, _status = pyhanko_status(signed_pdf)
    start, length = embedded.byte_range[0], embedded.byte_range[1]
    # A byte of the certificate's own content stream: well inside the first signed range.
    index = signed_pdf.index(b"stream", start, start + length) + 20
    tampered = bytearray(signed_pdf)
    tampered[index] ^= 0x01
    _embedded, status = pyhanko_status(bytes(tampered))
    assert not status.intact and not status.bottom_line
    check = signing.verify(bytes(tampered))
    assert not check.genuine and check.certificate is None


def test_an_unsigned_pdf_and_a_foreign_signed_pdf_are_not_ours(certificate, settings, tmp_path):
    unsigned = pdf.render(certificate)
    check = signing.verify(unsigned)
    assert not check.genuine and "没有电子签章" in check.message

    # Someone else's root and key, with the very same layout: the chain does not reach our trust root.
    ours = signing.root_path()
    settings.CERTIFICATE_SIGNING_DIR = tmp_path / "foreign"
    settings.CERTIFICATE_SIGNING_KEY = str(tmp_path / "foreign" / "city.key.pem")
    settings.CERTIFICATE_SIGNING_CERT = str(tmp_path / "foreign" / "city.cert.pem")
    settings.CERTIFICATE_SIGNING_ROOT = str(tmp_path / "foreign" / "root.cert.pem")
    signing.generate()
    foreign = pdf.signed(certificate)
    assert signing.verify(foreign).genuine  # genuine for the foreign root...
    settings.CERTIFICATE_SIGNING_ROOT = str(ours)
    check = signing.verify(foreign)  # ...not for ours
    assert not check.genuine and check.certificate is None and "信任链" in check.message


def test_per_body_keys_sign_for_their_own_body_only(certificate, settings, tmp_path):
    settings.CERTIFICATE_SIGNING = "body"
    settings.CERTIFICATE_SIGNING_DIR = tmp_path / "keys"
    settings.CERTIFICATE_SIGNING_ROOT = str(tmp_path / "keys" / "root.cert.pem")
    settings.CERTIFICATE_SIGNING_KEY = str(tmp_path / "keys" / "city.key.pem")
    settings.CERTIFICATE_SIGNING_CERT = str(tmp_path / "keys" / "city.cert.pem")
    with pytest.raises(signing.SigningUnavailable):
        pdf.signed(certificate)  # no key yet for this body
    signing.generate(bodies=[certificate.body])
    content = pdf.signed(certificate)
    check = signing.verify(content)
    assert check.genuine and certificate.body.serial in check.signer


def test_the_command_line_says_genuine_or_not(signed_pdf, tmp_path, capsys):
    genuine = tmp_path / "genuine.pdf"
    genuine.write_bytes(signed_pdf)
    call_command("verify_certificate_pdf", str(genuine))
    out = capsys.readouterr().out
    assert "未经改动的证书原件" in out and "当前状态 有效" in out
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7 not really")
    with pytest.raises(CommandError):
        call_command("verify_certificate_pdf", str(garbage))
    with pytest.raises(CommandError):
        call_command("verify_certificate_pdf", str(tmp_path / "missing.pdf"))


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    from django.core.cache import cache

    cache.clear()


def upload(client, content: bytes, name: str = "certificate.pdf"):
    return client.post(
        reverse("verify_pdf"), {"file": SimpleUploadedFile(name, content, content_type="application/pdf")}
    )


def test_the_public_page_answers_without_login(client, certificate, signed_pdf):
    page = client.get(reverse("verify_pdf"))
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex, nofollow"
    response = upload(client, signed_pdf)
    body = response.content.decode()
    assert response.status_code == 200
    assert "未经改动的证书原件" in body and certificate.number in body and "有效" in body
    assert certificate.document_masked not in body  # the answer is the certificate's public fields only
    assert pdf.full_document_number(certificate) not in body


@pytest.mark.parametrize(
    "content",
    [b"", b"hello", b"%PDF-1.4\n%%EOF", b"\x89PNG\r\n\x1a\n" + b"0" * 100, b"%PDF-1.7\n" + b"\xff" * 5000],
)
def test_garbage_uploads_are_form_errors_never_500(client, certificate, content):
    response = upload(client, content)
    assert response.status_code == 422
    assert "PDF" in response.content.decode()


def test_an_oversized_upload_is_refused(client, certificate, settings):
    response = upload(client, b"%PDF-1.7\n" + b"0" * (signing.MAX_PDF_BYTES + 1))
    assert response.status_code == 422


def test_the_upload_page_is_rate_limited(client, certificate, settings, signed_pdf):
    settings.VERIFY_RATE_PER_MINUTE = 2
    assert upload(client, signed_pdf).status_code == 200
    assert upload(client, signed_pdf).status_code == 200
    assert upload(client, signed_pdf).status_code == 429


def pdf_text(content: bytes) -> str:
    tool = shutil.which("pdftotext")
    require(tool is not None, "`pdftotext` is not installed (apt-get install poppler-utils)")
    return subprocess.run([tool, "-", "-"], input=content, capture_output=True, timeout=60).stdout.decode()


def download(client, user, certificate) -> bytes:
    client.force_login(user)
    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_a_revoked_certificate_downloaded_afterwards_is_stamped_and_still_signed(
    issued, signed_pdf, municipal_reviewer, client
):
    certificate, operator = issued
    assert "已撤销" not in pdf_text(download(client, operator, certificate))
    revocation = svc.revocation_request(actor=operator, certificate=certificate, reason="冒名顶替")
    svc.revocation_decide(actor=municipal_reviewer, revocation=revocation, approve=True, comment="属实")

    stamped = download(client, operator, certificate)
    text = pdf_text(stamped)
    assert "撤销，不再有效" in text  # the line at the top of the page
    # The large diagonal 已撤销 across the page (pdftotext splits rotated text into single characters).
    assert all(text.count(char) >= 2 for char in "已撤销"), text
    check = signing.verify(stamped)
    assert check.genuine and check.certificate.status == CertificateStatus.REVOKED
    # The original, downloaded before, still verifies as untouched and the page says it is revoked now.
    client.logout()
    body = upload(client, signed_pdf).content.decode()
    assert "未经改动的证书原件" in body and "已撤销" in body


def test_a_superseded_version_is_stamped_with_the_version_that_replaced_it(issued, client):
    certificate, operator = issued
    reissued = svc.certificate_reissue(actor=operator, certificate=certificate, reason="遗失补发")
    certificate.refresh_from_db()
    old = download(client, operator, certificate)
    assert "已被第2版取代" in pdf_text(old)  # the line at the top of the page
    assert signing.verify(old).genuine
    new = download(client, operator, reissued)
    assert "取代" not in pdf_text(new) and "已撤销" not in pdf_text(new)


def test_a_missing_signing_key_is_a_clear_503_not_a_500(issued, client, settings, tmp_path):
    certificate, operator = issued
    settings.CERTIFICATE_SIGNING_KEY = str(tmp_path / "absent.key.pem")
    client.force_login(operator)
    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response.status_code == 503 and "签章密钥" in response.content.decode()


def test_the_upload_form_is_csrf_protected(certificate, signed_pdf):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("verify_pdf"),
        {"file": SimpleUploadedFile("c.pdf", signed_pdf, content_type="application/pdf")},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n",  # passes the form's check
        lambda c: c[: len(c) // 2] + b"\n%%EOF\n",  # truncated in the middle
        lambda c: c[:-400] + b"\n%%EOF\n",  # the cross-reference table cut off
        lambda c: c + b"1 0 obj\n<< /Type /Catalog >>\nendobj\nstartxref\n0\n%%EOF\n",  # a bogus update
        lambda c: c.replace(b"/ByteRange", b"/ByteRangX", 1),
    ],
)
def test_damaged_pdfs_are_answered_never_500(client, signed_pdf, mangle):
    content = mangle(signed_pdf)
    check = signing.verify(content)
    assert not check.genuine
    response = upload(client, content)
    assert response.status_code in (200, 422)
    assert "未经改动的证书原件" not in response.content.decode()
