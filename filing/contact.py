"""Contacts of people who are not users (an objector, a certificate holder): an e-mail address or a mainland
mobile number, normalised, masked for display, and the pluggable sender of one-time codes and messages.

E-mail goes through Django's mail backend (``EMAIL_URL``). SMS goes through ``settings.SMS_SENDER``, a dotted
path to a class with ``send(number, text)``; in development the default ``ConsoleSMSSender`` writes the
message to the log. Production has no default: without a gateway's sender, mobile numbers are refused with
a message asking for an e-mail address (a code must never go only to a log).
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise(contact: str, *, sendable: bool = True) -> str:
    """A mobile number without spaces, dashes or +86; an e-mail address in lower case. Raises
    ``ValidationError`` for anything else. ``sendable=False`` accepts a mobile number even where no SMS
    gateway is configured (a contact stored for later, e.g. with a roster)."""
    text = str(contact or "").strip()
    digits = re.sub(r"[\s\-()]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if MOBILE.match(digits):
        if sendable and not sms_available():
            raise ValidationError(_("暂不支持短信验证码，请填写电子邮箱。"), code="no_sms")
        return digits
    if len(text) > 254:
        raise ValidationError(_("请填写有效的电子邮箱或手机号码。"), code="contact")
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationError(_("请填写有效的电子邮箱或手机号码。"), code="contact") from None
    return text.lower()


def sms_available() -> bool:
    return bool(getattr(settings, "SMS_SENDER", ""))


def is_mobile(contact: str) -> bool:
    return bool(MOBILE.match(contact))


def mask(contact: str) -> str:
    """138****0000 / w***@example.cn"""
    if is_mobile(contact):
        return contact[:3] + "****" + contact[-4:]
    local, _at, domain = contact.partition("@")
    return (local[:1] + "***@" + domain) if domain else "***"


class ConsoleSMSSender:
    """Development: the message goes to the log instead of a phone."""

    def send(self, number: str, text: str) -> None:
        log.info("SMS to %s: %s", mask(number), text)


def send_message(contact: str, text: str, *, subject: str = "") -> None:
    """Send ``text`` to a normalised contact: an SMS to a mobile number (through ``settings.SMS_SENDER``),
    an e-mail otherwise (``subject`` is its subject line). A mobile number with no SMS sender configured
    raises ``ValueError``: the caller decides whether that is worth a retry."""
    if is_mobile(contact):
        if not sms_available():
            raise ValueError("no SMS sender configured")
        import_string(settings.SMS_SENDER)().send(contact, text)
    else:
        send_mail(subject or _("上海市技能评价备案通知"), text, settings.DEFAULT_FROM_EMAIL, [contact])


def send_code(contact: str, code: str, purpose: str) -> None:
    """Send a one-time code (``purpose`` says what it is for, in the recipient's language)."""
    text = _(
        "【上海市技能评价备案】您的验证码为%(code)s，用于%(purpose)s，15分钟内有效。如非本人操作请忽略。"
    ) % {
        "code": code,
        "purpose": purpose,
    }
    send_message(contact, text, subject=_("验证码"))
