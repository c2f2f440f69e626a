"""The second factor (双因素认证, TOTP through django-otp): enrolling an authenticator app, confirming it,
checking a code at login, and an administrator's reset when a phone is lost. Every step is audited."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from filing import access
from filing.audit import audit_record
from filing.errors import Denied, Invalid
from filing.services.memberships import require_administrator

ENROLMENT_NAME = "authenticator"
#: The session's cached answer of ``required_for`` (set at login, updated on enrolment).
SESSION_KEY = "second_factor_required"


def has_confirmed_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def required_for(user) -> bool:
    """Whether this user must pass a code after the password: anyone who enrolled an authenticator, and —
    when ``OTP_REQUIRED`` (production) — superusers and the roles in ``OTP_REQUIRED_ROLES``."""
    if not getattr(user, "is_authenticated", False):
        return False
    if has_confirmed_device(user):
        return True
    return settings.OTP_REQUIRED and (
        user.is_superuser or any(access.has_role(user, role) for role in settings.OTP_REQUIRED_ROLES)
    )


def _code(token) -> str:
    code = "".join(ch for ch in str(token or "") if ch.isdigit())
    if len(code) != 6:
        raise Invalid(_("请输入6位动态验证码。"), errors={"token": [_("请输入6位动态验证码。")]})
    return code


@transaction.atomic
def enrolment_start(*, user) -> TOTPDevice:
    """A new, unconfirmed authenticator for the user (any earlier unconfirmed one is replaced)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=ENROLMENT_NAME, confirmed=False)
    audit_record(actor=user, action="otp.enrol_start", obj=user)
    return device


def provisioning_qr(device: TOTPDevice) -> str:
    """The device's otpauth:// URI as an SVG data URL for the enrolment page (no external service)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32 (for typing into an app that cannot scan), grouped by four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def enrolment_confirm(*, user, device: TOTPDevice, token) -> TOTPDevice:
    """The first correct code confirms the authenticator."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not device.verify_token(_code(token)):
        audit_record(actor=user, action="otp.enrol_confirm", obj=user, result="failed")
        raise Invalid(_("验证码不正确或已过期。"), errors={"token": [_("验证码不正确或已过期。")]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=user, action="otp.enrol_confirm", obj=user)
    return device


def verify(*, user, token) -> TOTPDevice:
    """Check a code against the user's confirmed devices; the device that matched (for django_otp.login)."""
    code = _code(token)
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            with transaction.atomic():
                audit_record(actor=user, action="otp.verify", obj=user)
            return device
    with transaction.atomic():
        audit_record(actor=user, action="otp.verify", obj=user, result="failed")
    raise Invalid(_("验证码不正确或已过期。"), errors={"token": [_("验证码不正确或已过期。")]})


@transaction.atomic
def reset(*, actor, user, reason: str) -> int:
    """An administrator removes a user's authenticators (a lost phone): the user enrols again at the next
    login. Not for oneself — a second administrator must do it."""
    require_administrator(actor, "otp.reset", obj=user)
    if actor is not None and actor.pk == user.pk:
        raise Denied(
            _("不能重置本人的动态验证码设备，请联系其他系统管理员。"),
            actor=actor,
            action="otp.reset",
            obj=user,
        )
    if not str(reason).strip():
        raise Invalid(_("请填写重置理由。"), errors={"reason": [_("请填写重置理由。")]})
    count = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        count += 1
    audit_record(actor=actor, action="otp.reset", obj=user, payload={"reason": reason, "devices": count})
    return count


def issuer() -> str:
    return settings.OTP_TOTP_ISSUER
