"""One-time codes to a contact (see :mod:`filing.models.challenges`): issue, verify once, lock after wrong
tries, expire. Limits per contact and per purpose keep the sender from being used to flood someone."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import contact
from filing.audit import audit_record
from filing.errors import Conflict, Invalid
from filing.models import ContactChallenge

CODE_TTL = datetime.timedelta(minutes=15)
MAX_ATTEMPTS = 5
#: Codes sent to one contact within an hour, whatever the purpose.
PER_CONTACT_PER_HOUR = 5


def _key() -> bytes:
    return hashlib.sha256(b"skill-filing/contact/" + settings.PII_KEY.encode()).digest()


def contact_index(normalised: str) -> str:
    return hmac.new(_key(), normalised.encode(), hashlib.sha256).hexdigest()


def _code_hash(challenge_purpose: str, code: str) -> str:
    return hmac.new(_key(), f"{challenge_purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def parse_contact(raw: str) -> str:
    from django.core.exceptions import ValidationError

    try:
        return contact.normalise(raw)
    except ValidationError as exc:
        raise Invalid(exc.messages[0], errors={"contact": exc.messages}) from None


@transaction.atomic
def challenge_issue(
    *, purpose: str, raw_contact: str, payload: dict, purpose_text: str, deliver: bool = True
) -> ContactChallenge:
    """Send a 6-digit code to the contact; the challenge remembers ``payload`` until the code comes back.
    ``deliver=False`` records the same challenge without sending anything (a caller that must answer
    alike whether or not the contact belongs to anyone: no code exists that could verify it)."""
    normalised = parse_contact(raw_contact)
    index = contact_index(normalised)
    since = timezone.now() - datetime.timedelta(hours=1)
    if (
        ContactChallenge.objects.filter(contact_index=index, created_at__gte=since).count()
        >= PER_CONTACT_PER_HOUR
    ):
        raise Conflict(_("该联系方式本小时内获取验证码次数过多，请稍后再试。"))
    code = f"{secrets.randbelow(1_000_000):06d}"
    challenge = ContactChallenge.objects.create(
        purpose=purpose,
        contact_index=index,
        contact_masked=contact.mask(normalised),
        code_hash=_code_hash(purpose, code),
        payload={**payload, "contact": normalised},
        expires_at=timezone.now() + CODE_TTL,
    )
    audit_record(
        action="challenge.issue", obj=challenge, payload={"purpose": purpose, "to": challenge.contact_masked}
    )
    if deliver:
        transaction.on_commit(lambda: contact.send_code(normalised, code, purpose_text))
    return challenge


def challenge_verify(*, challenge_id, purpose: str, code: str) -> ContactChallenge:
    """The challenge, used now, if ``code`` is its code; otherwise ``Invalid`` (wrong, expired, used, locked
    — all said the same way). A wrong code counts against the challenge even though the caller gets an
    error: call this outside any transaction that the error would roll back."""
    result = None
    with transaction.atomic():
        try:
            challenge = ContactChallenge.objects.select_for_update().get(
                pk=int(challenge_id), purpose=purpose
            )
        except (ContactChallenge.DoesNotExist, TypeError, ValueError):
            challenge = None
        now = timezone.now()
        if (
            challenge is None
            or challenge.state != ContactChallenge.State.PENDING
            or challenge.expires_at <= now
        ):
            pass
        elif not hmac.compare_digest(
            _code_hash(purpose, "".join(ch for ch in str(code or "") if ch.isdigit())), challenge.code_hash
        ):
            challenge.attempts += 1
            if challenge.attempts >= MAX_ATTEMPTS:
                challenge.lock()
            challenge.save()
            audit_record(
                action="challenge.verify", obj=challenge, result="failed", payload={"purpose": purpose}
            )
        else:
            challenge.use(now)
            challenge.save()
            audit_record(action="challenge.verify", obj=challenge, payload={"purpose": purpose})
            result = challenge
    if result is None:
        message = _("验证码不正确或已失效，请重新获取。")
        raise Invalid(message, errors={"code": [message]})
    return result
