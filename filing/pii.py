"""Personal identifiers at rest (PIPL: ID numbers are sensitive personal information).

Numbers are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from ``settings.PII_KEY``
(kept outside the database) and indexed by a keyed hash (HMAC-SHA256) for look-ups and duplicate checks.
Only the masked form is ever displayed, logged or put in a payload; the clear number is returned by
:func:`reveal` to permitted roles, which audit the access.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings

from filing.validators import mask_document_number, normalise_document_number


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    derived = hashlib.sha256(b"skill-filing/pii-encryption/" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _index_key(key: str) -> bytes:
    return hashlib.sha256(b"skill-filing/pii-index/" + key.encode()).digest()


def encrypt(number: str) -> str:
    return _fernet(settings.PII_KEY).encrypt(normalise_document_number(number).encode()).decode()


def encrypt_text(text: str) -> str:
    """Encrypt personal data that is not a document number (a contact), exactly as given."""
    return _fernet(settings.PII_KEY).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.PII_KEY).decrypt(token.encode()).decode()


def encrypt_bytes(content: bytes) -> str:
    """Other personal data at rest (the certificate photo), under the same key as the numbers."""
    return _fernet(settings.PII_KEY).encrypt(content).decode()


def decrypt_bytes(token: str) -> bytes:
    return _fernet(settings.PII_KEY).decrypt(token.encode())


def index(document_type: str, number: str) -> str:
    """A keyed hash of (type, number): equal documents give equal indexes, nothing reversible is stored."""
    message = f"{document_type}:{normalise_document_number(number)}".encode()
    return hmac.new(_index_key(settings.PII_KEY), message, hashlib.sha256).hexdigest()


def mask(number: str, *, public: bool = False) -> str:
    return mask_document_number(number, public=public)
