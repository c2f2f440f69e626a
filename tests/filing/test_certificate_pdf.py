"""The certificate PDF as a reader sees it: an embedded TrueType CJK font, a page that is not blank where the
title and the fields are, a QR code that decodes to the public verification URL and nothing personal, and
idempotent rendering (a reissue renders again). Uses poppler-utils (pdffonts, pdftoppm, pdftotext) and
zbar-tools (zbarimg), installed by `.ci/run`; elsewhere a missing tool skips."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image

from filing import pdf, pii
from filing.models import Certificate
from filing.services import certificates as svc
from filing.services import issuance
from filing.services.issuance import render_certificate_pdf
from tests import factories
from tests.conftest import require

pytestmark = pytest.mark.django_db
ISSUE = datetime.date(2026, 7, 1)
DPI = 100
MM = DPI / 25.4  # pixels per millimetre


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"`{name}` is not installed (apt-get install {package})")
    return path


@pytest.fixture
def issued(college, roles):
    """One issued certificate (the after-commit tasks do not run in this non-transactional test)."""
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=1)
    batch = issuance.issuance_request(actor=operator, plan=plan, idempotency_key="pdf", issue_date=ISSUE)
    issuance.issue(batch.pk)
    return Certificate.objects.get(), operator


@pytest.fixture
def cjk_font():
    require(pdf.font_name() == "CertCJK", "no embeddable CJK font (apt-get install fonts-wqy-zenhei)")


def page_one(content: bytes, tmp_path: Path, stem: str = "page") -> Path:
    source = tmp_path / f"{stem}.pdf"
    source.write_bytes(content)
    subprocess.run(
        [tool("pdftoppm", "poppler-utils"), "-r", str(DPI), "-png", "-f", "1", "-l", "1", "-singlefile"]
        + [str(source), str(tmp_path / stem)],
        check=True,
        timeout=60,
    )
    return tmp_path / f"{stem}.png"


def dark_pixels(image: Image.Image, box_mm: tuple[float, float, float, float]) -> int:
    """Dark pixels in a box given in millimetres from the page's top-left corner."""
    left, top, right, bottom = (round(v * MM) for v in box_mm)
    region = image.crop((left, top, right, bottom))
    return sum(count for value, count in enumerate(region.histogram()) if value < 128)


def qr_payloads(png: Path) -> list[str]:
    result = subprocess.run(
        [tool("zbarimg", "zbar-tools"), "--raw", "-q", str(png)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"no QR code found: {result.stderr}"
    return [line for line in result.stdout.splitlines() if line]


def test_the_pdf_embeds_its_font_shows_its_text_and_carries_only_the_verification_url(
    issued, cjk_font, tmp_path
):
    certificate, _ = issued
    content = pdf.render(certificate)
    assert content.startswith(b"%PDF-")
    assert b"/FontFile2" in content  # a TrueType font program is in the file

    fonts = subprocess.run(
        [tool("pdffonts", "poppler-utils"), "-"], input=content, capture_output=True, timeout=60, check=True
    ).stdout.decode()
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, fonts
    # name, type ("TrueType" or "CID TrueType"), encoding, emb, sub, uni, object id: every font embedded.
    assert all("TrueType" in " ".join(row[1:-5]) for row in rows), fonts
    assert all(row[-5] == "yes" for row in rows), fonts

    text = subprocess.run(
        [tool("pdftotext", "poppler-utils"), "-", "-"], input=content, capture_output=True, timeout=60
    ).stdout.decode()
    for item in ("职业技能等级证书", certificate.number, certificate.holder_name, certificate.body_name):
        assert item in text, item

    png = page_one(content, tmp_path)
    image = Image.open(png).convert("L")
    width, height = image.size  # A4 at 100 dpi (pdftoppm rounds up)
    assert abs(width - 210 * MM) <= 1 and abs(height - 297 * MM) <= 1, image.size
    title = dark_pixels(image, (40, 30, 170, 48))  # "职业技能等级证书", 30 pt, baseline 45 mm from the top
    fields = dark_pixels(image, (25, 70, 145, 190))  # the nine label/value rows, 80..184 mm from the top
    assert title > 1_500 and fields > 4_000, (title, fields)
    for row in range(9):  # every value is printed (the work type is just "--": a few dozen pixels)
        baseline = 80 + 13 * row
        assert dark_pixels(image, (78, baseline - 6, 145, baseline + 2)) > 5, f"row {row + 1} is blank"
    assert dark_pixels(image, (0, 0, 10, 297)) == 0  # outside the border: nothing printed
    assert dark_pixels(image, (25, 192, 185, 225)) == 0  # between the fields and the QR code

    payloads = qr_payloads(png)
    url = pdf.verification_url(certificate)
    assert payloads == [url]
    assert url.endswith(f"/verify/t/{certificate.verification_token}/")
    clear_id = pii.decrypt(certificate.registration.candidate.document_encrypted)
    for personal in (clear_id, certificate.document_masked, certificate.holder_name):
        assert personal not in url and quote(personal) not in url


def test_rendering_is_idempotent_and_a_reissue_renders_again(issued, cjk_font, tmp_path):
    certificate, operator = issued
    assert render_certificate_pdf(certificate.pk) == 1
    assert render_certificate_pdf(certificate.pk) == 0  # this version's PDF exists already
    certificate.refresh_from_db()
    first = certificate.pdf.name
    assert certificate.pdf_version == 1 and first.endswith(f"{certificate.number}-v1.pdf")
    assert certificate.pdf.storage.exists(first)

    reissued = svc.certificate_reissue(actor=operator, certificate=certificate, reason="遗失补发")
    assert render_certificate_pdf(reissued.pk) == 1
    assert render_certificate_pdf(reissued.pk) == 0
    reissued.refresh_from_db()
    assert reissued.pdf_version == reissued.version == 2
    assert reissued.pdf.name.endswith(f"{certificate.number}-v2.pdf")
    assert certificate.pdf.storage.exists(first)  # the replaced print stays as the record of version 1
    with reissued.pdf.open("rb") as stored:
        content = stored.read()
    # The reprint carries a new verification URL (the lost paper's QR code now answers "superseded").
    assert qr_payloads(page_one(content, tmp_path, "reissue")) == [pdf.verification_url(reissued)]
    assert pdf.verification_url(reissued) != pdf.verification_url(certificate)
    text = subprocess.run(
        [tool("pdftotext", "poppler-utils"), "-", "-"], input=content, capture_output=True, timeout=60
    ).stdout.decode()
    assert "印制流水号 2" in text and "版本 2" in text

    assert render_certificate_pdf(10**9) == 0  # a missing certificate is not an error
