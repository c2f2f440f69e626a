"""Certificates as verifiable credentials: verifiable without asking this site (#15 item 5).

Beside the PDF, every certificate version can be downloaded as a W3C Verifiable Credential (Data Model 2.0)
secured as a compact JWS (VC-JOSE-COSE, ``typ: vc+jwt``, ES256). It carries the certificate's public fields
and never the ID number: the holder is bound by ``identityDigest``, a SHA-256 of a random salt, the name and
the ID number, which an employer who was told both can recompute. The issuer's public keys are published at
``/.well-known/jwks.json``; revocation is a Bitstring Status List (W3C, v1.0) served as a signed credential
at ``/credentials/status/1/``. A verifier that caches both checks a credential offline
(``docs/verification.md`` has a 20-line verifier using only the JOSE library).

Status list index = the certificate row's primary key: one list, never reassigned (rows are never deleted).
A bit is set for every version that is no longer valid (revoked, or superseded by a correction or a
reissue). Those only ever change from valid to not valid, so the number of set bits and the list's size
identify one list: the signed list is cached under them (and the highest such pk), rebuilt when they change.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import logging
import os
import secrets
import tempfile
import unicodedata
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc import jws
from joserfc.jwk import ECKey

from filing import pii
from filing.errors import DomainError
from filing.models import Certificate, CertificateStatus

log = logging.getLogger(__name__)

CONTEXT = "https://www.w3.org/ns/credentials/v2"
CREDENTIAL_TYPE = "VocationalSkillLevelCertificate"
MEDIA_TYPE = "application/vc+jwt"
ALGORITHM = "ES256"
#: The smallest list (16 KB of bits, the size the specification recommends for group privacy); it grows in
#: steps of this size.
LIST_BITS = 131_072
STATUS_LIST_ID = "1"


class Unavailable(DomainError):
    """The service is configured without a signing key (production refuses to invent one)."""

    http_status = 503


# --- Keys ---------------------------------------------------------------------------------------------


def generate_key_file(path: Path) -> None:
    """Create a development key atomically: two processes starting together end up with the same file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = ECKey.generate_key("P-256").as_pem(private=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".credential-key-")
    try:
        os.write(fd, pem)
        os.close(fd)
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):  # another process won the race: keep theirs
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    log.warning("Generated a credential signing key at %s", path)


@lru_cache(maxsize=4)
def _load(path: str, modified: float) -> ECKey:
    return ECKey.import_key(Path(path).read_bytes())


def signing_key() -> ECKey:
    """The issuer's private key (from ``CREDENTIAL_SIGNING_KEY``); development creates one on first use."""
    path = Path(settings.CREDENTIAL_SIGNING_KEY or "")
    if not settings.CREDENTIAL_SIGNING_KEY or not path.exists():
        if getattr(settings, "PRODUCTION", False) or not settings.CREDENTIAL_SIGNING_KEY:
            raise Unavailable(_("电子证照签名密钥未配置，暂不能签发可验证凭证。"))
        generate_key_file(path)
    return _load(str(path), path.stat().st_mtime)


def key_id(key: ECKey) -> str:
    """The RFC 7638 thumbprint: the same key always has the same ``kid``."""
    return key.thumbprint()


def _public(key: ECKey) -> dict:
    return {**key.as_dict(private=False), "kid": key_id(key), "alg": ALGORITHM, "use": "sig"}


def public_keys() -> dict:
    """The JWKS a verifier caches: the current key and every earlier key still trusted for old credentials."""
    keys = [_public(signing_key())]
    for name in settings.CREDENTIAL_PREVIOUS_PUBLIC_KEYS:
        keys.append(_public(ECKey.import_key(Path(name).read_bytes())))
    return {"keys": keys}


def _sign(payload: dict) -> str:
    key = signing_key()
    header = {"alg": ALGORITHM, "kid": key_id(key), "typ": "vc+jwt", "cty": "vc"}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return jws.serialize_compact(header, body, key)


# --- The credential -----------------------------------------------------------------------------------


def _site(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def status_list_url() -> str:
    return _site(reverse("credential_status_list", args=[STATUS_LIST_ID]))


def identity_digest(salt: bytes, name: str, document_number: str) -> str:
    """SHA-256 over salt, NFKC name without spaces, ``|`` and the upper-case document number."""
    name = unicodedata.normalize("NFKC", name).replace(" ", "").replace("\u3000", "")
    number = unicodedata.normalize("NFKC", document_number).strip().upper()
    return hashlib.sha256(salt + f"{name}|{number}".encode()).hexdigest()


def credential_payload(certificate: Certificate, *, salt: bytes | None = None) -> dict:
    """The VC of one certificate version (JSON, before signing). Reads the candidate's encrypted document
    number once, only to compute the holder's digest; the number itself never leaves this function."""
    candidate = certificate.registration.candidate
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = identity_digest(salt, certificate.holder_name, pii.decrypt(candidate.document_encrypted))
    verify_url = _site(reverse("verify_token", args=[certificate.verification_token]))
    return {
        "@context": [CONTEXT],
        "id": verify_url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": {"id": _site("/"), "name": settings.CREDENTIAL_ISSUER_NAME},
        "validFrom": f"{certificate.issue_date.isoformat()}T00:00:00+08:00",
        "name": "职业技能等级证书",
        "credentialSubject": {
            "type": "CertificateHolder",
            "name": certificate.holder_name,
            "identityDigest": {
                "algorithm": "sha-256",
                "salt": base64.b64encode(salt).decode(),
                "digest": digest,
            },
            "certificate": {
                "number": certificate.number,
                "version": certificate.version,
                "printSerial": certificate.print_serial,
                "occupation": {"code": certificate.occupation_code, "name": certificate.occupation_name},
                "workType": certificate.work_type,
                "level": certificate.level,
                "levelLabel": certificate.level_label,
                "issueDate": certificate.issue_date.isoformat(),
                "awardedBy": {"name": certificate.body_name, "code": certificate.body.code},
            },
        },
        "credentialStatus": {
            "id": f"{status_list_url()}#{certificate.pk}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.pk),
            "statusListCredential": status_list_url(),
        },
    }


def credential_for(certificate: Certificate) -> str:
    """The signed credential (compact JWS) of one certificate version."""
    return _sign(credential_payload(certificate))


def file_name(certificate: Certificate) -> str:
    return f"{certificate.number}-v{certificate.version}.vc.jwt"


# --- The status list ----------------------------------------------------------------------------------


def encode_bits(indices, size: int) -> str:
    """Multibase base64url (prefix ``u``, no padding) of the GZIP-compressed bitstring; index 0 is the
    most significant bit of the first byte."""
    bits = bytearray(size // 8)
    for index in indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def decode_bits(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("not a base64url multibase string")
    return gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))


def bit_is_set(encoded: str, index: int) -> bool:
    return bool(decode_bits(encoded)[index // 8] & (0x80 >> (index % 8)))


def _list_size(highest: int) -> int:
    return max(LIST_BITS, (highest // LIST_BITS + 1) * LIST_BITS)


def status_list_credential() -> str:
    """The signed status list, rebuilt only when a certificate stopped being valid or the list grew."""
    not_valid = ~Q(status=CertificateStatus.VALID)
    figures = Certificate.objects.aggregate(
        invalid=Count("pk", filter=not_valid), last_invalid=Max("pk", filter=not_valid), highest=Max("pk")
    )
    size = _list_size(figures["highest"] or 0)
    cache_key = (
        f"credentials:status:{STATUS_LIST_ID}:{figures['invalid']}:{figures['last_invalid']}:{size}:"
        f"{key_id(signing_key())}"
    )
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    invalid = Certificate.objects.exclude(status=CertificateStatus.VALID).values_list("pk", flat=True)
    now = timezone.now().replace(microsecond=0)
    payload = {
        "@context": [CONTEXT],
        "id": status_list_url(),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": _site("/"), "name": settings.CREDENTIAL_ISSUER_NAME},
        "validFrom": now.isoformat(),
        # A verifier should fetch a fresh list after this; it is re-signed on the next request.
        "validUntil": (now + timedelta(seconds=settings.CREDENTIAL_STATUS_LIST_TTL)).isoformat(),
        "credentialSubject": {
            "id": f"{status_list_url()}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bits(invalid.iterator(), size),
        },
    }
    signed = _sign(payload)
    cache.set(cache_key, signed, settings.CREDENTIAL_STATUS_LIST_TTL)
    return signed
