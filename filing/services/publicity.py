"""Publicity (公示): written objections and their decision, and the end of publicity, which files the
application (the timer calls :func:`close_ended_publicity`)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, signals
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import ApplicationStatus, FilingApplication, FilingLine, Objection
from filing.services.bodies import body_file
from filing.services.common import deny_unless, lock_application, save_application

S = ApplicationStatus
OBJECTION_LIMITS = (("name", 60), ("contact", 60), ("text", 5000))


@transaction.atomic
def objection_file(*, application: FilingApplication, name: str, contact: str, text: str) -> Objection:
    """Anyone may object in writing while the application is under publicity."""
    application = lock_application(application)
    if application.status != S.PUBLICITY:
        raise WrongState(_("该申请不在公示期内。"))
    errors = {}
    for field, limit in OBJECTION_LIMITS:
        value = {"name": name, "contact": contact, "text": text}[field]
        if not str(value).strip():
            errors[field] = [_("此项为必填项。")]
        elif len(value) > limit:
            errors[field] = [_("不能超过%(limit)d个字符。") % {"limit": limit}]
    if errors:
        raise Invalid(_("异议信息不完整。"), errors=errors)
    objection = Objection.objects.create(application=application, name=name, contact=contact, text=text)
    audit_record(action="objection.file", obj=objection, payload={"application": application.pk})
    signals.objection_filed.send(sender=FilingApplication, application=application, objection=objection)
    return objection


@transaction.atomic
def objection_decide(*, actor, objection: Objection, upheld: bool, reason: str, today=None) -> Objection:
    """An upheld objection sends the application back to the decision; a dismissed one lets publicity run."""
    application = lock_application(objection.application_id)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.state != Objection.State.PENDING:
        raise WrongState(_("该异议已处理。"))
    deny_unless(
        access.is_municipal_reviewer(actor) and not access.belongs_to(actor, application.organisation_id),
        actor=actor,
        action="objection.decide",
        obj=application,
        message=_("只有市职业技能鉴定中心可以处理异议。"),
    )
    if not reason.strip():
        raise Invalid(_("请填写处理意见。"), errors={"reason": [_("请填写处理意见。")]})
    if upheld and application.status != S.PUBLICITY:
        raise WrongState(_("公示已结束。"))
    (objection.uphold if upheld else objection.dismiss)(actor, reason, timezone.now())
    objection.save()
    if upheld:
        application.reopen_decision()
        save_application(application, today)
        FilingLine.objects.filter(application=application).update(decision=FilingLine.Decision.PENDING)
    audit_record(
        actor=actor,
        action=f"objection.{'uphold' if upheld else 'dismiss'}",
        obj=application,
        payload={"objection": objection.pk, "reason": reason},
    )
    signals.objection_decided.send(
        sender=FilingApplication, application=application, objection=objection, actor=actor
    )
    return objection


@transaction.atomic
def publicity_close(*, application: FilingApplication, today: datetime.date | None = None):
    """Called by the periodic timer: once publicity has ended with no pending or upheld objection, file the
    application — create or extend the evaluation body with the approved lines. Returns the body, or None
    when the application is not (yet) due."""
    today = today or timezone.localdate()
    application = lock_application(application)
    if application.status != S.PUBLICITY or application.publicity_ends_on is None:
        return None
    if today <= application.publicity_ends_on:
        return None
    if application.objections.filter(state=Objection.State.PENDING).exists():
        return None
    body = body_file(application, today)
    application.file()
    application.body = body
    application.closed_at = timezone.now()
    save_application(application, today)
    audit_record(action="application.file", obj=application, payload={"body": body.code})
    signals.application_filed.send(sender=FilingApplication, application=application, body=body)
    return body


def close_ended_publicity(today: datetime.date | None = None) -> list[int]:
    """The publicity timer's sweep: file every application whose publicity has ended."""
    today = today or timezone.localdate()
    filed = []
    due = FilingApplication.objects.filter(status=S.PUBLICITY, publicity_ends_on__lt=today).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        if publicity_close(application=FilingApplication(pk=pk), today=today) is not None:
            filed.append(pk)
    return filed
