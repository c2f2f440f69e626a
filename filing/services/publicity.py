"""Publicity (公示): written objections and their decision, and the end of publicity, which files the
application (the timer calls :func:`close_ended_publicity`)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, signals
from filing.audit import audit_record
from filing.errors import Conflict, Invalid, WrongState
from filing.models import ApplicationStatus, FilingApplication, FilingLine, Objection
from filing.services import challenges
from filing.services.bodies import body_file
from filing.services.common import deny_unless, lock_application, save_application

S = ApplicationStatus
OBJECTION_LIMITS = (("name", 60), ("contact", 60), ("text", 5000))


#: Pending or decided objections one identified objector may file against one application.
OBJECTIONS_PER_OBJECTOR = 3
#: Objections one application may receive in a day (beyond: the objector is asked to come back tomorrow).
OBJECTIONS_PER_APPLICATION_PER_DAY = 30
OBJECTION_PURPOSE = "objection:{pk}"


def _check_objection(application: FilingApplication, name: str, contact: str, text: str) -> dict:
    errors = {}
    for field, limit in OBJECTION_LIMITS:
        value = {"name": name, "contact": contact, "text": text}[field]
        if not str(value).strip():
            errors[field] = [_("此项为必填项。")]
        elif len(value) > limit:
            errors[field] = [_("不能超过%(limit)d个字符。") % {"limit": limit}]
    if errors:
        raise Invalid(_("异议信息不完整。"), errors=errors)
    if application.status != S.PUBLICITY:
        raise WrongState(_("该申请不在公示期内。"))
    return {"name": name.strip(), "text": text.strip()}


def _check_limits(application: FilingApplication, index: str) -> None:
    if application.objections.filter(contact_index=index).count() >= OBJECTIONS_PER_OBJECTOR:
        raise Conflict(
            _("同一异议人对同一申请最多提出%(n)d条异议；如有补充，请在已提交的异议处理后再提出。")
            % {"n": OBJECTIONS_PER_OBJECTOR}
        )
    since = timezone.now() - datetime.timedelta(days=1)
    if application.objections.filter(submitted_at__gte=since).count() >= OBJECTIONS_PER_APPLICATION_PER_DAY:
        raise Conflict(_("该申请今日收到的异议已达上限，请明日再提交。"))


@transaction.atomic
def objection_start(*, application: FilingApplication, name: str, contact: str, text: str):
    """An objector fills in the form: a code goes to the contact; the objection exists once it comes back
    (:func:`objection_confirm`). Returns the challenge."""
    application = lock_application(application)
    fields = _check_objection(application, name, contact, text)
    normalised = challenges.parse_contact(contact)
    _check_limits(application, challenges.contact_index(normalised))
    return challenges.challenge_issue(
        purpose=OBJECTION_PURPOSE.format(pk=application.pk),
        raw_contact=normalised,
        payload=fields,
        purpose_text=_("核验公示异议人身份"),
    )


def objection_confirm(*, application: FilingApplication, challenge_id, code: str) -> Objection:
    """The code came back: the identified objection is filed (the code is checked in its own transaction, so
    a wrong code counts even though this call then fails)."""
    challenge = challenges.challenge_verify(
        challenge_id=challenge_id, purpose=OBJECTION_PURPOSE.format(pk=application.pk), code=code
    )
    payload = challenge.payload
    return _file(
        application,
        name=payload["name"],
        contact=payload["contact"],
        text=payload["text"],
        index=challenge.contact_index,
        verified_by="code",
    )


@transaction.atomic
def objection_file(
    *, application: FilingApplication, name: str, contact: str, text: str, actor=None
) -> Objection:
    """An objection by a signed-in person (identified by the account) — or, with ``actor=None``, by the
    system on behalf of an objector already identified otherwise (a letter received and registered)."""
    application = lock_application(application)
    fields = _check_objection(application, name, contact, text)
    index = challenges.contact_index(f"user:{actor.pk}") if actor is not None else ""
    if index:
        _check_limits(application, index)
    return _file(
        application,
        name=fields["name"],
        contact=contact,
        text=fields["text"],
        index=index,
        verified_by="login" if actor is not None else "",
    )


@transaction.atomic
def _file(application, *, name, contact, text, index, verified_by) -> Objection:
    application = lock_application(application)
    if application.status != S.PUBLICITY:
        raise WrongState(_("该申请不在公示期内。"))
    if index:
        _check_limits(application, index)
    objection = Objection.objects.create(
        application=application,
        name=name,
        contact=contact,
        contact_index=index,
        verified_by=verified_by,
        text=text,
    )
    audit_record(
        action="objection.file",
        obj=objection,
        payload={"application": application.pk, "verified_by": verified_by},
    )
    signals.objection_filed.send(sender=FilingApplication, application=application, objection=objection)
    return objection


@transaction.atomic
def require_objection_authority(actor, application: FilingApplication, action: str) -> None:
    """Only the city's centre decides objections, and never about its own organisation (Denied, audited)."""
    deny_unless(
        access.acts_as_authority(actor, application.organisation_id),
        actor=actor,
        action=action,
        obj=application,
        message=_("只有市职业技能鉴定中心可以处理异议。"),
    )


def objections_dismiss(*, actor, application: FilingApplication, objections: list, reason: str) -> list:
    """Triage: dismiss several pending objections of one application with one reason (duplicates, or the
    same unfounded claim repeated), each audited and announced as if decided one by one."""
    require_objection_authority(actor, application, "objection.dismiss")
    objection_ids = [getattr(o, "pk", o) for o in objections]
    pending = list(
        Objection.objects.filter(
            application=application, pk__in=objection_ids, state=Objection.State.PENDING
        ).order_by("pk")
    )
    if not pending:
        raise WrongState(_("没有可处理的待处理异议。"))
    return [objection_decide(actor=actor, objection=o, upheld=False, reason=reason) for o in pending]


@transaction.atomic
def objection_decide(*, actor, objection: Objection, upheld: bool, reason: str, today=None) -> Objection:
    """An upheld objection sends the application back to the decision; a dismissed one lets publicity run."""
    application = lock_application(objection.application_id)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.state != Objection.State.PENDING:
        raise WrongState(_("该异议已处理。"))
    require_objection_authority(actor, application, "objection.decide")
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
