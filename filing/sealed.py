"""Files sealed for one recipient: the national report is encrypted with age (https://age-encryption.org,
X25519 recipients, through the maintained ``pyrage`` bindings of rage) to the public keys in
``settings.NATIONAL_REPORT_RECIPIENTS``, so that the file is unreadable at rest (the database holds only the
ciphertext) and in transfer; only a holder of a matching identity (secret key) decrypts it.

In development, with no recipient configured, a throwaway identity is written once under
``settings.NATIONAL_REPORT_DEV_KEY_DIR`` (mode 0600) and its public key is the recipient; production refuses
to start without configured recipients (system check ``filing.E007``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pyrage
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyrage import x25519

DEV_IDENTITY_FILE = "national-report-dev.key"


class SealError(Exception):
    """A key or a file that cannot be used: bad recipient, wrong identity, damaged ciphertext."""


def parse_recipients(values) -> list[x25519.Recipient]:
    """The age recipients of ``values`` ("age1..." strings); SealError names the first bad one."""
    recipients = []
    for value in values:
        text = str(value).strip()
        try:
            recipients.append(x25519.Recipient.from_str(text))
        except (pyrage.RecipientError, ValueError) as exc:
            raise SealError(f"not an age X25519 public key: {text[:12]}...") from exc
    return recipients


def dev_identity_path() -> Path:
    return Path(settings.NATIONAL_REPORT_DEV_KEY_DIR) / DEV_IDENTITY_FILE


def dev_identity() -> x25519.Identity:
    """The development identity, created on first use (never in production)."""
    path = dev_identity_path()
    if path.exists():
        return read_identity(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    identity = x25519.Identity.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"# public key: {identity.to_public()}\n{identity}\n")
    return identity


def read_identity(path: Path | str) -> x25519.Identity:
    """An age identity file (``age-keygen`` format: comment lines, then ``AGE-SECRET-KEY-1...``)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SealError(f"cannot read the identity file: {exc}") from exc
    for line in lines:
        line = line.strip()
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                return x25519.Identity.from_str(line)
            except (pyrage.IdentityError, ValueError) as exc:
                raise SealError("the identity file holds no valid age secret key") from exc
    raise SealError("the identity file holds no age secret key")


def recipients() -> list[x25519.Recipient]:
    configured = list(settings.NATIONAL_REPORT_RECIPIENTS)
    if configured:
        return parse_recipients(configured)
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("NATIONAL_REPORT_RECIPIENTS is required in production.")
    return [dev_identity().to_public()]


def seal(plaintext: bytes) -> bytes:
    """The binary age file of ``plaintext`` for every configured recipient."""
    return pyrage.encrypt(plaintext, recipients())


def unseal(ciphertext: bytes, identity: x25519.Identity) -> bytes:
    try:
        return pyrage.decrypt(bytes(ciphertext), [identity])
    except (pyrage.DecryptError, ValueError) as exc:
        raise SealError(f"cannot decrypt: {exc}") from exc
