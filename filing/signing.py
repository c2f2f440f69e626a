"""PAdES signatures on certificate PDFs (pyHanko): the seal (评价机构电子印章) of the issuing body.

Who signs is a setting: ``CERTIFICATE_SIGNING = "city"`` signs every certificate with one city key
(``CERTIFICATE_SIGNING_KEY`` / ``CERTIFICATE_SIGNING_CERT``), ``"body"`` with the issuing body's own key
(``CERTIFICATE_SIGNING_DIR/body-<serial>.key.pem`` and ``.cert.pem``, the body's serial being its
province-assigned 机构序号). Keys are files outside the database; every signing certificate chains to the
trust root ``CERTIFICATE_SIGNING_ROOT``, which is what a verifier trusts. ``manage.py generate_signing_key``
makes a demo root and signing certificates (``make run`` calls it); production installs its own files, and
a PKCS#11 token is the intended next step (docs/certificates.md).

The signature is embedded in an incremental update that covers the whole document; its visible field is
drawn as a seal with the body's name. The signature's /Reason names the certificate (number and version),
inside the signed bytes, so a verifier can say which certificate a PDF is.
"""

from __future__ import annotations

import datetime
import io
import logging
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from filing.errors import DomainError

log = logging.getLogger(__name__)
FIELD_NAME = "BodySeal"
SEAL_LABEL = "评价机构电子印章"
#: Where the seal sits on page one (points from the bottom-left corner): right of the lookup lines, level
#: with the QR code.
SEAL_BOX = (411, 85, 524, 198)
REASON = "职业技能等级证书 证书编号 {number} 第{version}版"
REASON_PATTERN = re.compile(r"证书编号 (\S+) 第(\d+)版")
MAX_PDF_BYTES = 5 * 1024 * 1024
NOT_A_PDF = gettext_noop("这不是一份可读的PDF文件。")


class SigningUnavailable(DomainError):
    """No signing key or certificate where the settings say: a deployment error, never the user's."""

    http_status = 503


def mode() -> str:
    return "body" if getattr(settings, "CERTIFICATE_SIGNING", "city") == "body" else "city"


def _directory() -> Path:
    return Path(settings.CERTIFICATE_SIGNING_DIR)


def root_path() -> Path:
    return Path(settings.CERTIFICATE_SIGNING_ROOT)


def key_paths(body=None) -> tuple[Path, Path]:
    """(key, certificate) files that sign for ``body`` under the configured mode."""
    if mode() == "body" and body is not None:
        stem = _directory() / f"body-{body.serial}"
        return stem.with_suffix(".key.pem"), stem.with_suffix(".cert.pem")
    return Path(settings.CERTIFICATE_SIGNING_KEY), Path(settings.CERTIFICATE_SIGNING_CERT)


@lru_cache(maxsize=64)
def _signer(key: str, cert: str, root: str, _mtime: float):
    from pyhanko.sign import signers

    return signers.SimpleSigner.load(key, cert, ca_chain_files=(root,))


def signer_for(body):
    key, cert = key_paths(body)
    root = root_path()
    missing = [str(p) for p in (key, cert, root) if not p.is_file()]
    if missing:
        log.error("certificate signing key material missing: %s", ", ".join(missing))
        raise SigningUnavailable(_("证书签章密钥未配置，暂时无法生成证书PDF，请联系系统管理员。"))
    return _signer(str(key), str(cert), str(root), max(p.stat().st_mtime for p in (key, cert, root)))


def sign(content: bytes, *, body, number: str, version: int, appearance: bytes) -> bytes:
    """Sign a rendered certificate PDF for ``body``: the whole document, a visible seal on page one drawn
    by ``appearance`` (a one-page PDF of :data:`SEAL_BOX`'s size, :func:`filing.pdf.seal_appearance`)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    signer = signer_for(body)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as seal:
        seal.write(appearance)
        seal.flush()
        writer = IncrementalPdfFileWriter(io.BytesIO(content))
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            reason=REASON.format(number=number, version=version),
            location="上海",
            name=body.name,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        )
        stamp = StaticStampStyle.from_pdf_file(seal.name, border_width=0, background_opacity=1.0)
        out = signers.PdfSigner(
            meta,
            signer=signer,
            stamp_style=stamp,
            new_field_spec=fields.SigFieldSpec(FIELD_NAME, box=SEAL_BOX, on_page=0),
        ).sign_pdf(writer)
    return out.getvalue()


# --- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """What a verifier can say about a PDF. ``certificate`` is set only when the PDF is an untouched
    original signed by one of our keys."""

    genuine: bool
    message: str
    certificate: object | None = None
    signer: str = ""
    signed_at: datetime.datetime | None = None
    #: False when the upload is not a readable PDF at all (the page shows a form error).
    readable: bool = True


def _trust_root():
    from pyhanko.keys import load_cert_from_pemder

    path = root_path()
    if not path.is_file():
        raise SigningUnavailable(_("证书签章信任根未配置，暂时无法核验。"))
    return load_cert_from_pemder(str(path))


def _subject_serial(cert: asn1_x509.Certificate) -> str:
    return str(cert.subject.native.get("serial_number", ""))


def verify(content: bytes) -> Check:
    """Is ``content`` an untouched certificate PDF signed by our trust root, and which certificate is it?
    Never raises for bad input: anything that is not such a PDF is a negative answer."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    not_pdf = Check(False, _(NOT_A_PDF), readable=False)
    if not content.startswith(b"%PDF-") or len(content) > MAX_PDF_BYTES:
        return not_pdf
    root = _trust_root()
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        log.info("unreadable PDF uploaded for verification: %s", type(exc).__name__)
        return not_pdf
    ours = [s for s in signatures if s.field_name == FIELD_NAME]
    if not signatures:
        return Check(False, _("该PDF没有电子签章，不是本系统出具的证书原件。"))
    if len(signatures) != 1 or not ours:
        return Check(False, _("该PDF的签章不是本系统的评价机构电子印章。"))
    embedded = ours[0]
    context = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(embedded, context)
    except Exception as exc:  # noqa: BLE001 — a malformed signature of any kind is a negative answer
        log.info("signature validation failed: %s", type(exc).__name__)
        return Check(False, _("签章无法验证：文件已损坏或被改动。"))
    signer_name = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    if not (status.intact and status.valid):
        return Check(False, _("签章无效：文件在签章后被改动。"), signer=signer_name)
    if not status.trusted:
        return Check(False, _("签章不是本系统的签章密钥所签（信任链不符）。"), signer=signer_name)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return Check(False, _("签章后文件又被追加修改，不是未经改动的原件。"), signer=signer_name)
    return _identify(embedded, status, signer_name)


def _identify(embedded, status, signer_name: str) -> Check:
    from filing.models import Certificate

    reason = str(embedded.sig_object.get("/Reason", ""))
    match = REASON_PATTERN.search(reason)
    certificate = (
        Certificate.objects.select_related("body", "corrected_by").filter(
            number=match.group(1), version=int(match.group(2))
        )
        if match
        else Certificate.objects.none()
    ).first()
    if certificate is None:
        return Check(False, _("签章有效，但本系统没有该证书的记录。"), signer=signer_name)
    if mode() == "body" and _subject_serial(status.signing_cert) != certificate.body.serial:
        return Check(False, _("签章有效，但签章机构与证书的发证机构不符。"), signer=signer_name)
    return Check(
        True,
        _("这是本系统出具、签章后未经改动的证书原件。"),
        certificate=certificate,
        signer=signer_name,
        signed_at=status.signer_reported_dt,
    )


# --- key material (demo and tests) ----------------------------------------------------------------


def _name(common: str, organisation: str, serial: str = "") -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "上海市"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common),
    ]
    if serial:
        parts.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(parts)


def _write_key(path: Path, key) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)


def _load_root(directory: Path):
    key_file, cert_file = directory / "root.key.pem", root_path()
    if key_file.is_file() and cert_file.is_file():
        key = serialization.load_pem_private_key(key_file.read_bytes(), None)
        return key, x509.load_pem_x509_certificate(cert_file.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    name = _name("技能等级证书签章根证书（演示）", "上海市职业技能等级认定备案系统")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(key_file, key)
    cert_file.parent.mkdir(parents=True, exist_ok=True)
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def generate(*, bodies=(), force: bool = False) -> list[Path]:
    """Create (if missing) a demo trust root under ``CERTIFICATE_SIGNING_DIR`` and the signing
    certificates the mode needs: the city's, or one per body in ``bodies``. Returns the files written."""
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    root_key, root = _load_root(directory)
    targets = [(key_paths(None), _name("上海市职业技能等级证书签章", "上海市人力资源和社会保障局"))]
    targets += [
        (key_paths(body), _name(f"{body.name}电子印章", body.name, body.serial))
        for body in bodies
        if mode() == "body"
    ]
    written = []
    now = datetime.datetime.now(datetime.UTC)
    for (key_file, cert_file), subject in targets:
        if key_file.is_file() and cert_file.is_file() and not force:
            continue
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(ca=False), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
            )
            .sign(root_key, hashes.SHA256())
        )
        key_file.parent.mkdir(parents=True, exist_ok=True)
        _write_key(key_file, key)
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        written.append(cert_file)
    _signer.cache_clear()
    return written
