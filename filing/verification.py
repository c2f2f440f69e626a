"""Public verification (查验): a one-to-one check, never a search. By certificate number + holder name, or by
the opaque token in the QR code. "No such certificate" and "wrong name" get the same answer; the output is
minimal and masked (PIPL Art. 25)."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from filing import pii
from filing.models import Certificate, CertificateStatus
from filing.validators import DocumentType

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

STATUS_TEXT = {
    CertificateStatus.VALID: _("有效"),
    CertificateStatus.REVOKED: _("已撤销"),
    CertificateStatus.SUPERSEDED: _("已被第%(version)d版取代（此为旧版本，以第%(version)d版为准）"),
}


@dataclass(frozen=True)
class VerificationResult:
    number: str
    holder: str
    occupation: str
    work_type: str
    level: str
    body: str
    issue_date: str
    status: str
    status_text: str
    revoked_on: str = ""
    version: int = 1
    print_serial: int = 1
    current_version: int = 1


def mask_name(name: str) -> str:
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").replace(" ", "").replace("\u3000", "").strip().upper()


def _result(certificate: Certificate) -> VerificationResult:
    """What the public sees of one version; a superseded version names the version that replaced it."""
    current = certificate.version
    text = STATUS_TEXT[certificate.status]
    if certificate.status == CertificateStatus.SUPERSEDED:
        current = (
            Certificate.objects.filter(number=certificate.number)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
            or certificate.version
        )
        text = text % {"version": current}
    return VerificationResult(
        number=certificate.number,
        holder=mask_name(certificate.holder_name),
        occupation=f"{certificate.occupation_name}（{certificate.occupation_code}）",
        work_type=certificate.work_type,
        level=certificate.level_label,
        body=certificate.body_name,
        issue_date=str(certificate.issue_date),
        status=certificate.status,
        status_text=str(text),
        revoked_on=str(certificate.revoked_on or ""),
        version=certificate.version,
        print_serial=certificate.print_serial,
        current_version=current,
    )


def verify_by_number(number: str, name: str) -> VerificationResult | None:
    number = _normal(number)
    if not number or not name or len(number) > 40 or len(name) > 60 or "\x00" in number + name:
        return None
    candidates = Certificate.objects.filter(number=number).order_by("-version")
    current = candidates.first()
    if current is None or _normal(current.holder_name) != _normal(name):
        return None
    return _result(current)


def verify_by_token(token: str) -> VerificationResult | None:
    if not token or not TOKEN.match(token):
        return None
    certificate = Certificate.objects.filter(verification_token=token).first()
    return _result(certificate) if certificate else None


@dataclass(frozen=True)
class PersonMatch:
    """One valid certificate of the person an employer named (the national lookup's mode)."""

    number: str
    occupation: str
    work_type: str
    level: str
    body: str
    issue_date: str


def verify_person(name: str, document_type: str, number: str) -> list[PersonMatch]:
    """An employer who was shown the holder's name and ID document asks which valid certificates that person
    holds. One person at a time, never a list of people: the keyed index of the document finds the person's
    certificates, and the name must match the one printed on them. Unknown person, wrong name and "no valid
    certificate" are the same empty answer; nothing else about the person is returned."""
    name = _normal(name)
    if not name or len(name) > 60 or not number or len(number) > 40 or "\x00" in name + number:
        return []
    if document_type not in DocumentType.values:
        return []
    found = Certificate.objects.filter(
        document_index=pii.index(document_type, number), status=CertificateStatus.VALID
    ).order_by("-issue_date", "number")
    return [
        PersonMatch(
            number=c.number,
            occupation=f"{c.occupation_name}（{c.occupation_code}）",
            work_type=c.work_type,
            level=c.level_label,
            body=c.body_name,
            issue_date=str(c.issue_date),
        )
        for c in found[:50]
        if _normal(c.holder_name) == name
    ]


@dataclass(frozen=True)
class PdfVerification:
    genuine: bool
    message: str
    result: VerificationResult | None = None
    signed_at: str = ""
    readable: bool = True


def verify_pdf(content: bytes) -> PdfVerification:
    """Is an uploaded PDF an untouched original sealed by one of our keys, and which certificate (version,
    current state) is it? The answer carries the public fields only, as the other checks do."""
    from filing import signing

    check = signing.verify(content)
    if not check.genuine or check.certificate is None:
        return PdfVerification(False, check.message, readable=check.readable)
    return PdfVerification(
        True,
        check.message,
        _result(check.certificate),
        signed_at=check.signed_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if check.signed_at else "",
    )
