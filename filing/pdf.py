"""The certificate PDF: A4, every mandatory item (DOMAIN.md §5) — the full ID number and the photo included,
on the paper only — Chinese text in an embedded TrueType font, and a QR code that carries only the public
verification URL with the opaque token. :func:`signed` adds the body's seal (:mod:`filing.signing`); a
revoked or superseded certificate is rendered with a stamp saying so (docs/certificates.md).

The font comes from Debian's ``fonts-wqy-zenhei`` (installed by `.ci/run`; ``CERTIFICATE_FONT`` points
elsewhere). Without it the PDF falls back to reportlab's built-in ``STSong-Light`` CID font, which is
not embedded — a warning is logged, because a certificate should carry its font."""

from __future__ import annotations

import io
import logging
import math
from functools import lru_cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.urls import reverse
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from filing import pii, signing
from filing.models import Certificate, CertificateStatus
from filing.services import photos
from filing.validators import DocumentType

log = logging.getLogger(__name__)
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
]
NATIONAL_LOOKUP = "jndj.osta.org.cn"
BODY_LOOKUP = "pjjg.osta.org.cn"
_font_name: str | None = None


def font_name() -> str:
    global _font_name
    if _font_name:
        return _font_name
    configured = getattr(settings, "CERTIFICATE_FONT", "")
    for path in [configured, *FONT_CANDIDATES]:
        if path and Path(path).exists():
            pdfmetrics.registerFont(TTFont("CertCJK", path, subfontIndex=0))
            _font_name = "CertCJK"
            return _font_name
    log.warning("no embeddable CJK font found; certificate PDFs use the non-embedded STSong-Light")
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    _font_name = "STSong-Light"
    return _font_name


def verification_url(certificate: Certificate) -> str:
    return f"{settings.SITE_URL}{reverse('verify_token', args=[certificate.verification_token])}"


def qr_png(data: str) -> bytes:
    image = qrcode.make(data, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def status_stamp(certificate: Certificate) -> str:
    """The words stamped across every page of a copy downloaded after the certificate stopped being
    valid ("" for a valid one)."""
    if certificate.status == CertificateStatus.REVOKED:
        return "已撤销"
    if certificate.status == CertificateStatus.SUPERSEDED:
        latest = (
            Certificate.objects.filter(number=certificate.number)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        return f"已被第{latest or certificate.version + 1}版取代"
    return ""


def _stamp(pdf: canvas.Canvas, font: str, text: str, certificate: Certificate) -> None:
    width, height = A4
    pdf.saveState()
    pdf.setFillColorRGB(0.8, 0.05, 0.05)
    pdf.setStrokeColorRGB(0.8, 0.05, 0.05)
    pdf.setFillAlpha(0.55)
    pdf.translate(width / 2, height / 2)
    pdf.rotate(30)
    size = min(96, 150 * mm / max(len(text), 1))
    pdf.setFont(font, size)
    pdf.drawCentredString(0, -size / 3, text)
    pdf.restoreState()
    pdf.saveState()
    pdf.setFillColorRGB(0.8, 0.05, 0.05)
    pdf.setFont(font, 11)
    note = f"{text}：本副本仅供查档，不作为有效证书使用（状态以扫码核验结果为准）"
    if certificate.status == CertificateStatus.REVOKED and certificate.revoked_on:
        note = f"本证书已于{certificate.revoked_on.strftime('%Y年%m月%d日')}撤销，不再有效"
    pdf.drawCentredString(width / 2, height - 20 * mm, note)
    pdf.restoreState()


def full_document_number(certificate: Certificate) -> str:
    """The clear number, for the paper only (the holder's own document, DOMAIN.md §5): never shown on a
    page, in a list, an export or a public answer."""
    return pii.decrypt(certificate.registration.candidate.document_encrypted)


def render(certificate: Certificate) -> bytes:
    """The certificate's pages, unsigned (:func:`signed` adds the seal), stamped when it is no longer
    valid."""
    font = font_name()
    stamp = status_stamp(certificate)
    buffer = io.BytesIO()
    # initialFontName: otherwise every page also references reportlab's default, non-embedded Helvetica.
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, initialFontName=font, initialFontSize=12)
    pdf.setTitle(f"职业技能等级证书 {certificate.number}")
    width, height = A4
    pdf.setLineWidth(2)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setFont(font, 30)
    pdf.drawCentredString(width / 2, height - 45 * mm, "职业技能等级证书")
    pdf.setFont(font, 12)
    pdf.drawCentredString(width / 2, height - 53 * mm, "Vocational Skill Level Certificate")
    # The holder's photo (35 × 45 mm), decrypted for the paper only; an empty frame when the plan waives it.
    pdf.setLineWidth(0.8)
    holder_photo = photos.photo(certificate.registration)
    if holder_photo:
        pdf.drawImage(
            ImageReader(io.BytesIO(holder_photo)), width - 62 * mm, height - 110 * mm, 35 * mm, 45 * mm
        )
    else:
        pdf.setFont(font, 9)
        pdf.drawCentredString(width - 44.5 * mm, height - 90 * mm, "照片 Photo")
    pdf.rect(width - 62 * mm, height - 110 * mm, 35 * mm, 45 * mm)
    rows = [
        ("姓名 Name", certificate.holder_name),
        ("证件类型 ID type", str(DocumentType(certificate.document_type).label)),
        ("证件号码 ID number", full_document_number(certificate)),
        ("职业名称 Occupation", f"{certificate.occupation_name}（{certificate.occupation_code}）"),
        ("工种 Work type", certificate.work_type or "--"),
        ("等级 Level", certificate.level_label),
        ("证书编号 Certificate No.", certificate.number),
        ("评价机构 Evaluation body", certificate.body_name),
        ("发证日期 Issue date", certificate.issue_date.strftime("%Y年%m月%d日")),
    ]
    y = height - 80 * mm
    for label, value in rows:
        pdf.setFont(font, 11)
        pdf.drawString(28 * mm, y, label)
        pdf.setFont(font, 14)
        pdf.drawString(80 * mm, y, str(value))
        y -= 13 * mm
    qr = ImageReader(io.BytesIO(qr_png(verification_url(certificate))))
    pdf.drawImage(qr, 28 * mm, 30 * mm, 38 * mm, 38 * mm)
    pdf.setFont(font, 10)
    pdf.drawString(72 * mm, 60 * mm, f"全国联网查询：{NATIONAL_LOOKUP}")
    pdf.drawString(72 * mm, 52 * mm, f"评价机构查询：{BODY_LOOKUP}")
    pdf.drawString(72 * mm, 44 * mm, "扫描二维码核验本证书 Scan to verify")
    pdf.setFont(font, 8)
    pdf.drawString(72 * mm, 34 * mm, f"印制流水号 {certificate.print_serial} · 版本 {certificate.version}")
    if stamp:
        _stamp(pdf, font, stamp, certificate)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@lru_cache(maxsize=256)
def seal_appearance(body_name: str) -> bytes:
    """The seal's appearance: a red ring, a star, the body's name and 评价机构电子印章 (reportlab, the
    certificate's embedded font)."""
    font = font_name()
    width = signing.SEAL_BOX[2] - signing.SEAL_BOX[0]
    buffer = io.BytesIO()
    seal = canvas.Canvas(buffer, pagesize=(width, width), invariant=1, initialFontName=font)
    red = (0.78, 0.08, 0.08)
    seal.setStrokeColorRGB(*red)
    seal.setFillColorRGB(*red)
    seal.setLineWidth(3)
    centre = width / 2
    seal.circle(centre, centre, centre - 3, stroke=1, fill=0)
    _star(seal, centre, centre + 14, 13)
    lines = _wrap(body_name, 9)
    size = min(11.0, (width - 26) / max(len(line) for line in lines))
    seal.setFont(font, size)
    y = centre - 8
    for line in lines:
        seal.drawCentredString(centre, y, line)
        y -= size + 2
    seal.setFont(font, 8)
    seal.drawCentredString(centre, 16, signing.SEAL_LABEL)
    seal.showPage()
    seal.save()
    return buffer.getvalue()


def _wrap(text: str, per_line: int) -> list[str]:
    text = text or "—"
    return [text[i : i + per_line] for i in range(0, len(text), per_line)][:3]


def _star(seal, x: float, y: float, radius: float) -> None:
    path = seal.beginPath()
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.4
        angle = math.pi / 2 + i * math.pi / 5
        point = (x + r * math.cos(angle), y + r * math.sin(angle))
        path.moveTo(*point) if i == 0 else path.lineTo(*point)
    path.close()
    seal.drawPath(path, stroke=0, fill=1)


def signed(certificate: Certificate) -> bytes:
    """The rendered certificate with the issuing body's seal (a PAdES signature over the whole file)."""
    return signing.sign(
        render(certificate),
        body=certificate.body,
        number=certificate.number,
        version=certificate.version,
        appearance=seal_appearance(certificate.body.name),
    )


def current_pdf(certificate: Certificate) -> bytes:
    """The stored, signed PDF of a valid certificate's current version. A revoked or superseded
    certificate gets a freshly signed copy stamped with what happened to it; one not rendered yet (the
    worker is behind) is rendered in memory for this download only — reading writes nothing."""
    if (
        certificate.status == CertificateStatus.VALID
        and certificate.pdf
        and certificate.pdf_version == certificate.version
    ):
        with certificate.pdf.open("rb") as handle:
            return handle.read()
    return signed(certificate)


def file_name(certificate: Certificate) -> str:
    return f"{certificate.number}-v{certificate.version}.pdf"


def archive(certificates) -> bytes:
    """A zip of the certificates' PDFs (those not rendered yet are left out, as the batch page says; a
    revoked or superseded one is its stamped copy)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for certificate in certificates.exclude(pdf="").select_related("body", "registration__candidate"):
            bundle.writestr(file_name(certificate), current_pdf(certificate))
    return buffer.getvalue()
