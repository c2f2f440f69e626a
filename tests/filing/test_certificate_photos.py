"""The holder's photo and full ID number on the certificate paper (DOMAIN.md §5): the photo is checked by
content, re-encoded (nothing of the upload survives), stored encrypted, printed; issuance refuses
candidates without one unless the plan waives photos, and the pages say who lacks one. The full number is
on the paper only: the pages and the public answers stay masked."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from filing import pdf, pii
from filing.errors import Denied, Invalid, WrongState
from filing.models import AuditEvent, Certificate, RegistrationPhoto
from filing.services import issuance, photos
from tests import factories
from tests.conftest import require

pytestmark = pytest.mark.django_db
ISSUE = datetime.date(2026, 7, 1)
DPI = 100
MM = DPI / 25.4


def exif_jpeg() -> bytes:
    image = Image.open(io.BytesIO(factories.photo_jpeg(size=(300, 390))))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x9286] = "GPS 31.2N 121.5E"  # UserComment, standing in for location data
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), comment=b"private note")
    return buffer.getvalue()


def test_a_photo_is_re_encoded_and_keeps_nothing_of_the_upload():
    original = exif_jpeg()
    assert b"SecretCamera" in original and b"private note" in original
    cleaned = photos.clean_photo(original + b"trailing bytes")
    assert b"SecretCamera" not in cleaned and b"private note" not in cleaned and b"trailing" not in cleaned
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "JPEG" and image.size == photos.PHOTO_SIZE
    assert not image.getexif()
    png = photos.clean_photo(factories.photo_jpeg(size=(200, 260), fmt="PNG"))
    assert Image.open(io.BytesIO(png)).format == "JPEG"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        b"GIF89a" + b"\x00" * 100,
        b"\xff\xd8\xff\xe0" + b"\x00" * 200,  # a JPEG header and nothing sound after it
        factories.photo_jpeg(size=(300, 390))[:400],  # truncated
        factories.photo_jpeg(size=(40, 52)),  # too small for a certificate photo
        b"%PDF-1.7\n",
    ],
)
def test_anything_but_a_sound_jpeg_or_png_photo_is_refused(data):
    with pytest.raises(Invalid) as caught:
        photos.clean_photo(data)
    assert "photo" in caught.value.errors


def test_an_oversized_photo_is_refused():
    with pytest.raises(Invalid):
        photos.clean_photo(b"\xff\xd8\xff" + b"0" * photos.MAX_PHOTO_BYTES)


@pytest.fixture
def plan_without_photos(college, roles):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=2, photos=False)
    return plan, operator


def test_the_operator_uploads_a_photo_stored_encrypted_and_audited(plan_without_photos, client):
    plan, operator = plan_without_photos
    registration = plan.registrations.order_by("row_number").first()
    client.force_login(operator)
    response = client.post(
        reverse("plans:photo", args=[plan.pk]),
        {"registration": registration.pk, "photo": SimpleUploadedFile("me.jpg", exif_jpeg(), "image/jpeg")},
    )
    assert response.status_code == 302
    stored = RegistrationPhoto.objects.get(registration=registration)
    assert b"\xff\xd8" not in stored.encrypted.encode()  # ciphertext, not the picture
    assert pii.decrypt_bytes(stored.encrypted).startswith(b"\xff\xd8\xff")
    event = AuditEvent.objects.get(action="registration.photo")
    assert event.payload["sha256"] == stored.sha256

    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert 'data-section="missing-photos"' in page  # the second candidate still lacks one
    other = plan.registrations.order_by("row_number").last()
    assert f'<li data-registration="{other.pk}">' in page
    assert f'<li data-registration="{registration.pk}">' not in page


@pytest.mark.parametrize("data", [b"garbage", b""])
def test_a_bad_upload_is_a_message_not_a_500(plan_without_photos, client, data):
    plan, operator = plan_without_photos
    registration = plan.registrations.first()
    client.force_login(operator)
    url = reverse("plans:photo", args=[plan.pk])
    response = client.post(
        url, {"registration": registration.pk, "photo": SimpleUploadedFile("x.jpg", data)}, follow=True
    )
    assert response.status_code == 200 and not RegistrationPhoto.objects.exists()
    assert client.post(url, {"registration": "abc"}).status_code == 400
    assert client.post(url, {"registration": registration.pk}).status_code == 302  # no file: a message


def test_only_the_bodys_operator_may_upload(plan_without_photos, municipal_reviewer):
    plan, _operator = plan_without_photos
    with pytest.raises(Denied):
        photos.registration_photo_upload(
            actor=municipal_reviewer, registration=plan.registrations.first(), data=exif_jpeg()
        )


def test_issuance_refuses_candidates_without_a_photo_unless_the_plan_waives_them(plan_without_photos, client):
    plan, operator = plan_without_photos
    client.force_login(operator)
    page = client.get(reverse("certificates:issue", args=[plan.pk])).content.decode()
    assert 'data-section="blockers"' in page and 'data-action="confirm"' not in page
    with pytest.raises(WrongState) as caught:
        issuance.issuance_request(actor=operator, plan=plan, idempotency_key="p1", issue_date=ISSUE)
    first = plan.registrations.order_by("row_number").first()
    assert first.candidate.name in caught.value.message

    for registration in plan.registrations.all():
        photos.registration_photo_upload(actor=operator, registration=registration, data=exif_jpeg())
    batch = issuance.issuance_request(actor=operator, plan=plan, idempotency_key="p2", issue_date=ISSUE)
    assert issuance.issue(batch.pk).issued == 2
    with pytest.raises(WrongState):  # certified: the photo on the paper is settled
        photos.registration_photo_upload(actor=operator, registration=first, data=exif_jpeg())


def test_a_plan_that_waives_photos_issues_without_them(plan_without_photos):
    plan, operator = plan_without_photos
    plan.photos_waived = True
    plan.save(update_fields=["photos_waived"])
    batch = issuance.issuance_request(actor=operator, plan=plan, idempotency_key="w", issue_date=ISSUE)
    assert issuance.issue(batch.pk).issued == 2


def render_page_one(content: bytes, tmp_path, stem: str):
    tool = shutil.which("pdftoppm")
    require(tool is not None, "`pdftoppm` is not installed (apt-get install poppler-utils)")
    source = tmp_path / f"{stem}.pdf"
    source.write_bytes(content)
    subprocess.run(
        [
            tool,
            "-r",
            str(DPI),
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(tmp_path / stem),
        ],
        check=True,
        timeout=60,
    )
    return Image.open(tmp_path / f"{stem}.png").convert("RGB")


def test_the_paper_prints_the_photo_and_the_full_number_and_nothing_else_does(
    college, roles, client, tmp_path
):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=1, photos=False)
    registration = plan.registrations.get()
    photo = factories.photo_jpeg(size=(413, 531), colour=(200, 30, 30))  # a red background: easy to find
    photos.registration_photo_upload(actor=operator, registration=registration, data=photo)
    batch = issuance.issuance_request(actor=operator, plan=plan, idempotency_key="paper", issue_date=ISSUE)
    issuance.issue(batch.pk)
    certificate = Certificate.objects.get()
    full = pii.decrypt(registration.candidate.document_encrypted)

    content = pdf.current_pdf(certificate)
    text = subprocess.run(
        [shutil.which("pdftotext") or "pdftotext", "-", "-"], input=content, capture_output=True, timeout=60
    ).stdout.decode()
    assert full in text and certificate.document_masked not in text
    image = render_page_one(content, tmp_path, "paper")
    # The photo frame: 148..183 mm from the left, 65..110 mm from the top; its upper corners are red.
    corner = image.getpixel((round(150 * MM), round(68 * MM)))
    assert corner[0] > 150 and corner[1] < 90 and corner[2] < 90, corner
    (tmp_path / "paper.png").rename(tmp_path / "kept.png")

    client.force_login(operator)
    for url in (
        reverse("certificates:detail", args=[certificate.pk]),
        reverse("certificates:index"),
        reverse("certificates:index") + "?format=csv",
        reverse("plans:detail", args=[plan.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert full not in response.content.decode("utf-8", "replace"), url
    client.logout()
    from filing import verification

    answer = verification.verify_pdf(content)
    assert answer.genuine and full not in str(answer) and certificate.document_masked not in str(answer)


def test_the_plan_says_whether_photos_are_waived(college, roles, body_operator):
    from filing.forms import PlanForm
    from filing.services import plans

    body = factories.filed_body(college)
    assert "photos_waived" in PlanForm(user=body_operator).fields
    plan = plans.plan_create(
        actor=body_operator,
        body=body,
        line=body.lines.first(),
        title="免交照片的计划",
        expected_headcount=10,
        first_sitting_on=datetime.date.today() + datetime.timedelta(days=60),
        photos_waived=True,
    )
    assert plan.photos_waived
    assert AuditEvent.objects.get(action="plan.create").payload["photos_waived"] is True


def test_a_photo_over_the_api_is_the_pages_upload(db, roles, college):
    """API parity (#14): the plan page's photo upload over `/api/v1/`; another body's registration: 404."""
    import io

    from PIL import Image
    from rest_framework.test import APIClient

    from filing.models import RegistrationPhoto

    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=1, photos=False)
    registration = plan.registrations.get()
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), (67, 119, 196)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "photo.jpg"
    api = APIClient()
    api.force_authenticate(operator)
    url = f"/api/v1/plans/{plan.pk}/registrations/{registration.pk}/photo/"
    answer = api.put(url, {"photo": buffer}, format="multipart")
    assert answer.status_code == 200, answer.content
    assert RegistrationPhoto.objects.filter(registration=registration).exists()
    garbage = io.BytesIO(b"not an image" * 10)
    garbage.name = "x.jpg"
    assert api.put(url, {"photo": garbage}, format="multipart").status_code == 400
    assert api.put(url, {}, format="multipart").status_code == 400
    other_org = factories.organisation(district_code="310104", name="照片别校")
    stranger = factories.user("photo_api_stranger", role="body_operator", organisation=other_org)
    api.force_authenticate(stranger)
    buffer.seek(0)
    assert api.put(url, {"photo": buffer}, format="multipart").status_code == 404
