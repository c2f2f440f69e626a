"""Sign-in security in the audit chain: successful and failed logins, lockouts (django-axes), their reset
by an administrator, password changes and password-reset requests.

Receivers for Django's and axes' signals are connected in ``FilingConfig.ready``; password changes are
seen by a password validator (``PasswordChangeAudit``), which Django calls on every path that sets a
password (the admin, the site's password pages, reset links, commands).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from filing.audit import audit_record
from filing.errors import Invalid
from filing.models import AuditResult
from filing.ratelimit import client_ip
from filing.services.memberships import require_administrator


def _where(request) -> dict:
    if request is None:
        return {}
    return {"ip": client_ip(request), "path": request.path[:200]}


#: Session keys of the idle and absolute timeouts (``config.middleware.SessionTimeoutMiddleware``).
SESSION_STARTED = "session_started"
SESSION_LAST_ACTIVITY = "last_activity"


def on_logged_in(sender, request, user, **kwargs):
    import time

    from filing.services import second_factor

    with transaction.atomic():
        audit_record(actor=user, action="auth.login", obj=user, payload=_where(request))
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_STARTED] = request.session[SESSION_LAST_ACTIVITY] = now
        # Decided once per session, at login (the second-factor page updates it when a device is enrolled).
        request.session[second_factor.SESSION_KEY] = second_factor.required_for(user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    with transaction.atomic():
        audit_record(
            action="auth.login_failed",
            object_type="auth.user",
            object_id=username,
            result=AuditResult.DENIED,
            payload={"username": username, **_where(request)},
        )


def on_locked_out(sender, request, username, ip_address, **kwargs):
    with transaction.atomic():
        audit_record(
            action="auth.locked_out",
            object_type="auth.user",
            object_id=str(username or "")[:150],
            result=AuditResult.DENIED,
            payload={"username": str(username or "")[:150], "ip": ip_address},
        )


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        with transaction.atomic():
            audit_record(actor=user, action="auth.logout", obj=user, payload=_where(request))


@transaction.atomic
def lockout_reset(*, actor, username: str = "", ip: str = "", reason: str = "") -> int:
    """An administrator lifts a lockout (a username, a client address, or both); audited with a reason."""
    from axes.utils import reset

    require_administrator(actor, "auth.lockout_reset")
    if not (username or ip):
        raise Invalid(_("请指定用户名或客户端地址。"))
    count = reset(ip=ip or None, username=username or None)
    audit_record(
        actor=actor,
        action="auth.lockout_reset",
        object_type="auth.user",
        object_id=username,
        payload={"username": username, "ip": ip, "reason": reason, "attempts": count},
    )
    return count


def password_reset_requested(request, email: str) -> None:
    with transaction.atomic():
        audit_record(
            action="auth.password_reset_requested", payload={"email": email[:254], **_where(request)}
        )


class PasswordChangeAudit:
    """A password validator that validates nothing: Django calls ``password_changed`` after every password
    is set and saved, whichever page or command set it, so every change reaches the audit chain."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        with transaction.atomic():
            audit_record(action="auth.password_changed", object_type="auth.user", object_id=str(user.pk))

    def get_help_text(self):
        return ""


def users_locked_out():
    """Usernames currently locked out (for the administrator's page)."""
    from axes.models import AccessAttempt

    return AccessAttempt.objects.order_by("-attempt_time")


def user_by_username(username: str):
    return get_user_model().objects.filter(username=username).first()
