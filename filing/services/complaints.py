"""Complaints (投诉) about an evaluation body or one of its sittings: received from anyone whose contact
answered a one-time code (the objection pattern: :func:`complaint_start` sends the code,
:func:`complaint_confirm` files the complaint), then triaged by the city (不予受理 or 调查), investigated
and answered; an answer may order the body to rectify
(:func:`filing.services.rectification.rectification_order`).

The city is a municipal reviewer who does not belong to the body (``access.acts_as_authority``). Every change
is audited and announced (``signals.complaint_received`` / ``complaint_decided``); the complainant hears of
the outcome after commit (``notifications.complaints``)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, pii, signals
from filing import contact as contacts
from filing.audit import audit_record
from filing.errors import Conflict, Invalid
from filing.models import (
    STILL_FILED,
    Complaint,
    ComplaintCounter,
    ComplaintStatus,
    EvaluationBody,
    Sitting,
)
from filing.services import challenges
from filing.services.common import deny_unless, require_transition
from filing.services.rectification import rectification_order
from filing.services.supervision import text as clean_text

PURPOSE = "complaint"
MAX_TEXT = 2000
MAX_NAME = 60
MAX_ROOM = 60
MAX_ANSWER = 5000
#: Complaints still open that one contact may have about one body.
OPEN_PER_CONTACT_AND_BODY = 3
#: Bodies a complaint may be filed about from the public form (every filed body that has not left).
COMPLAINABLE = STILL_FILED
OPEN = (ComplaintStatus.RECEIVED, ComplaintStatus.INVESTIGATING)


def complainable_bodies() -> QuerySet:
    return EvaluationBody.objects.filter(status__in=COMPLAINABLE).order_by("serial")


def body_by_code(code) -> EvaluationBody | None:
    """The body whose code (e.g. S00003100001 + serial) is ``code``; None for anything else."""
    code = str(code or "").strip().upper()
    if len(code) != 13 or not code[1:].isdigit():
        return None
    return (
        complainable_bodies()
        .filter(category=code[0], ministry_code=code[1:5], province_code=code[5:7], serial=code[7:])
        .first()
    )


def _check(*, body, name, text, sitting_date, sitting_room) -> dict:
    errors = {}
    fields = {}
    for field, value, limit in (("name", name, MAX_NAME), ("text", text, MAX_TEXT)):
        try:
            fields[field] = clean_text(value, field, _("此项为必填项。"), limit)
        except Invalid as exc:
            errors.update(exc.errors)
    try:
        fields["sitting_room"] = clean_text(sitting_room, "sitting_room", "", MAX_ROOM)
    except Invalid as exc:
        errors.update(exc.errors)
    if sitting_date is not None and not isinstance(sitting_date, datetime.date):
        errors["sitting_date"] = [_("请填写有效的日期（年-月-日）。")]
    if not isinstance(body, EvaluationBody) or body.status not in COMPLAINABLE:
        errors["body"] = [_("请选择已备案的评价机构。")]
    if errors:
        raise Invalid(_("投诉信息不完整。"), errors=errors)
    return fields


def _check_limits(body: EvaluationBody, index: str) -> None:
    if (
        Complaint.objects.filter(body=body, contact_index=index, status__in=OPEN).count()
        >= OPEN_PER_CONTACT_AND_BODY
    ):
        raise Conflict(
            _("您对该机构尚有%(n)d件投诉正在办理，请待办结后再提出。") % {"n": OPEN_PER_CONTACT_AND_BODY}
        )


@transaction.atomic
def complaint_start(
    *, body, name: str, contact: str, text: str, sitting_date=None, sitting_room: str = "", anonymous=False
):
    """The complainant fills in the form: a code goes to the contact; the complaint exists once the code
    comes back (:func:`complaint_confirm`). Returns the challenge."""
    fields = _check(body=body, name=name, text=text, sitting_date=sitting_date, sitting_room=sitting_room)
    normalised = challenges.parse_contact(contact)
    _check_limits(body, challenges.contact_index(normalised))
    return challenges.challenge_issue(
        purpose=PURPOSE,
        raw_contact=normalised,
        payload={
            **fields,
            "body": body.pk,
            "sitting_date": sitting_date.isoformat() if sitting_date else "",
            "anonymous": bool(anonymous),
        },
        purpose_text=_("核验投诉人联系方式"),
    )


def complaint_confirm(*, challenge_id, code) -> Complaint:
    """The code came back: the complaint is received and numbered (the code is checked in its own
    transaction, so a wrong code counts even though this call then fails)."""
    challenge = challenges.challenge_verify(challenge_id=challenge_id, purpose=PURPOSE, code=code)
    return _receive(challenge.payload, challenge.contact_index)


def _next_number(year: int) -> str:
    ComplaintCounter.objects.get_or_create(year=year)
    counter = ComplaintCounter.objects.select_for_update().get(pk=year)
    serial = counter.next_serial
    counter.next_serial = serial + 1
    counter.save(update_fields=["next_serial"])
    return f"TS{year}-{serial:06d}"


@transaction.atomic
def _receive(payload: dict, index: str) -> Complaint:
    body = EvaluationBody.objects.select_for_update().get(pk=payload["body"])
    _check_limits(body, index)
    day = datetime.date.fromisoformat(payload["sitting_date"]) if payload.get("sitting_date") else None
    sitting = None
    if day is not None:
        sittings = Sitting.objects.filter(plan__body=body, starts_at__date=day).order_by("starts_at")
        if payload.get("sitting_room"):
            sittings = sittings.filter(room=payload["sitting_room"])
        sitting = sittings.first()
    complaint = Complaint.objects.create(
        number=_next_number(timezone.localdate().year),
        body=body,
        sitting=sitting,
        sitting_date=day,
        sitting_room=payload.get("sitting_room", ""),
        name=payload["name"],
        contact_encrypted=pii.encrypt_text(payload["contact"]),
        contact_masked=contacts.mask(payload["contact"]),
        contact_index=index,
        anonymous=bool(payload.get("anonymous")),
        text=payload["text"],
    )
    audit_record(
        action="complaint.receive",
        obj=complaint,
        payload={"body": body.code, "number": complaint.number, "sitting": sitting.pk if sitting else None},
    )
    signals.complaint_received.send(sender=Complaint, complaint=complaint)
    return complaint


def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().select_related("body").get(pk=complaint.pk)


def may_handle(actor, complaint: Complaint) -> bool:
    return access.acts_as_authority(actor, complaint.body.organisation_id)


def _require_city(actor, complaint: Complaint, action: str) -> None:
    deny_unless(
        may_handle(actor, complaint),
        actor=actor,
        action=action,
        obj=complaint,
        message=_("只有市职业技能鉴定中心（非被投诉机构人员）可以处理投诉。"),
    )


def _done(actor, complaint: Complaint, action: str, payload: dict) -> Complaint:
    complaint.save()
    audit_record(actor=actor, action=action, obj=complaint, payload={"number": complaint.number, **payload})
    signals.complaint_decided.send(sender=Complaint, complaint=complaint, actor=actor)
    return complaint


@transaction.atomic
def complaint_investigate(*, actor, complaint: Complaint, note: str = "") -> Complaint:
    """分办调查: the city takes the complaint up."""
    complaint = _lock(complaint)
    require_transition(complaint, complaint.investigate, _("该投诉已分办或已办结。"))
    _require_city(actor, complaint, "complaint.investigate")
    note = clean_text(note, "note", "", MAX_ANSWER)
    complaint.investigate(actor)
    return _done(actor, complaint, "complaint.investigate", {"note": note})


@transaction.atomic
def complaint_dismiss(*, actor, complaint: Complaint, reason: str) -> Complaint:
    """不予受理 (only before an investigation), with the reason the complainant is told."""
    complaint = _lock(complaint)
    require_transition(complaint, complaint.dismiss, _("只有待分办的投诉可以不予受理。"))
    _require_city(actor, complaint, "complaint.dismiss")
    reason = clean_text(reason, "reason", _("请填写不予受理的理由。"), MAX_ANSWER)
    complaint.dismiss(actor, reason, timezone.now())
    return _done(actor, complaint, "complaint.dismiss", {"reason": reason})


@transaction.atomic
def complaint_answer(
    *,
    actor,
    complaint: Complaint,
    findings: str,
    answer: str,
    rectify: bool = False,
    deadline=None,
    today=None,
) -> Complaint:
    """答复: the findings (for the record) and the answer to the complainant; ``rectify`` orders the body to
    rectify the findings by ``deadline`` (the order names the complaint as its source)."""
    complaint = _lock(complaint)
    require_transition(complaint, complaint.answer_with, _("只有调查中的投诉可以答复。"))
    _require_city(actor, complaint, "complaint.answer")
    findings = clean_text(findings, "findings", _("请填写调查结果。"), MAX_ANSWER)
    answer = clean_text(answer, "answer", _("请填写给投诉人的答复。"), MAX_ANSWER)
    if rectify:
        complaint.rectification = rectification_order(
            actor=actor,
            body=complaint.body,
            findings=findings,
            deadline=deadline,
            source=_("投诉%(number)s") % {"number": complaint.number},
            today=today,
        )
    complaint.answer_with(actor, findings, answer, timezone.now())
    return _done(
        actor,
        complaint,
        "complaint.answer",
        {"rectification": complaint.rectification_id},
    )


# --- reads ------------------------------------------------------------------------------------------------


def complaints_for_city(user) -> QuerySet:
    """Every complaint the user may handle (a municipal reviewer; not those about the reviewer's own
    organisation)."""
    if not access.is_municipal_reviewer(user):
        return Complaint.objects.none()
    own = access.organisation_ids(user)
    return Complaint.objects.exclude(body__organisation_id__in=own).select_related("body", "sitting")


def body_complaints(user, body: EvaluationBody) -> list[dict]:
    """The complaints section of a body's record: the city sees every complaint with the complainant's masked
    contact; the body's own people see answered ones only, never who complained if anonymity was asked."""
    city = access.oversees_city(user) and not access.belongs_to(user, body.organisation_id)
    complaints = body.complaints.order_by("-received_at", "-pk")
    if not city:
        complaints = complaints.filter(status=ComplaintStatus.ANSWERED)
    rows = []
    for complaint in complaints[:200]:
        named = city or not complaint.anonymous
        rows.append(
            {
                "complaint": complaint,
                "complainant": complaint.name if named else _("匿名"),
                "contact": complaint.contact_masked if city else "",
                "text": complaint.text,
                "outcome": complaint.outcome,
            }
        )
    return rows
