"""特级技师 / 首席技师 评聘 (DOMAIN.md §8). An enterprise body's operator proposes a worker who holds a valid
一级/高级技师 certificate of our register in an occupation that has a 一级 level, with a term; the city's
reviewer approves (publicity for ``PUBLICITY_WORKING_DAYS`` working days) or rejects; when the publicity ends
the appointment is made (a timer). The enterprise is reminded before a term ends. An appointment appears on
the holder's self-service page."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, signals
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    AppointmentStatus,
    Certificate,
    CertificateStatus,
    EnterpriseGrade,
    EvaluationBody,
    OccupationLevel,
    OrganisationKind,
    TechnicianAppointment,
)
from filing.roles import Role
from filing.services.common import add_years, deny_unless, parse_day, require_transition, save_transition
from filing.services.supervision import text
from filing.workdays import add_working_days

A = AppointmentStatus
GRADES = (EnterpriseGrade.PRINCIPAL_TECHNICIAN, EnterpriseGrade.CHIEF_TECHNICIAN)
MAX_TERM_YEARS = 5
REMIND_DAYS = 60
LIVE = (A.DRAFT, A.SUBMITTED, A.PUBLICITY, A.APPOINTED)


def acts_for_enterprise(actor, body: EvaluationBody) -> bool:
    return access.acts_for(actor, body.organisation_id, Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)


def _require_enterprise(actor, body: EvaluationBody, action: str) -> None:
    deny_unless(
        acts_for_enterprise(actor, body),
        actor=actor,
        action=action,
        obj=body,
        message=_("只有本企业的考务人员或法定代表人可以办理评聘申报。"),
    )


def _term(start, end, today) -> tuple[datetime.date, datetime.date]:
    start, end = parse_day(start, "term_start"), parse_day(end, "term_end")
    errors = {}
    if start <= today:
        errors["term_start"] = [_("聘期应晚于今天开始（须先经审核和公示）。")]
    if end <= start:
        errors["term_end"] = [_("聘期止应晚于聘期起。")]
    elif end > add_years(start, MAX_TERM_YEARS):
        errors["term_end"] = [_("聘期最长%(n)d年。") % {"n": MAX_TERM_YEARS}]
    if errors:
        raise Invalid(_("聘期不合法。"), errors=errors)
    return start, end


def eligibility_problems(
    body: EvaluationBody, certificate: Certificate | None, grade: str, exclude_pk: int | None = None
) -> dict:
    """Why the worker cannot be appointed (field → messages): the rules of DOMAIN.md §8."""
    errors: dict[str, list[str]] = {}
    if body.organisation.kind != OrganisationKind.ENTERPRISE:
        errors["__all__"] = [_("只有企业可以评聘特级技师、首席技师。")]
    if grade not in GRADES:
        errors["grade"] = [_("请选择特级技师或首席技师。")]
    if certificate is None:
        errors["certificate"] = [_("未找到该证书，或姓名与证书不符。")]
        return errors
    if certificate.status != CertificateStatus.VALID or certificate.level != 1:
        errors["certificate"] = [_("须持有有效的一级/高级技师证书。")]
    if not OccupationLevel.objects.filter(occupation__code=certificate.occupation_code, level=1).exists():
        errors["certificate"] = [_("该职业没有一级/高级技师等级，不设特级技师、首席技师。")]
    live = TechnicianAppointment.objects.filter(
        document_index=certificate.document_index, grade=grade, status__in=LIVE
    ).exclude(status=A.APPOINTED, term_end__lt=timezone.localdate())
    if live.exclude(pk=exclude_pk).exists():
        errors.setdefault("certificate", []).append(_("该人员已有同一等级的评聘（办理中或聘期内）。"))
    return errors


def find_certificate(number: str, name: str) -> Certificate | None:
    """The worker's certificate in our register, by number and the holder's name (both must match)."""
    number, name = str(number or "").strip().upper()[:40], str(name or "").strip()[:60]
    if not number or not name:
        return None
    return Certificate.objects.filter(number=number, holder_name=name).order_by("-version").first()


@transaction.atomic
def appointment_create(
    *,
    actor,
    body: EvaluationBody,
    grade: str,
    certificate_number: str,
    holder_name: str,
    employee_number: str,
    post: str,
    achievements: str,
    term_start,
    term_end,
    today=None,
) -> TechnicianAppointment:
    today = today or timezone.localdate()
    _require_enterprise(actor, body, "appointment.create")
    certificate = find_certificate(certificate_number, holder_name)
    errors = eligibility_problems(body, certificate, grade)
    fields = {}
    for field, value, limit, message in (
        ("employee_number", employee_number, 30, _("请填写工号。")),
        ("post", post, 60, _("请填写岗位。")),
        ("achievements", achievements, 5000, _("请填写主要业绩。")),
    ):
        try:
            fields[field] = text(value, field, message, limit)
        except Invalid as exc:
            errors.update(exc.errors)
    try:
        start, end = _term(term_start, term_end, today)
    except Invalid as exc:
        errors.update(exc.errors)
    if errors:
        raise Invalid(_("评聘申报不符合条件。"), errors=errors)
    appointment = TechnicianAppointment.objects.create(
        body=body,
        grade=grade,
        certificate=certificate,
        holder_name=certificate.holder_name,
        document_index=certificate.document_index,
        occupation_code=certificate.occupation_code,
        occupation_name=certificate.occupation_name,
        term_start=start,
        term_end=end,
        created_by=actor,
        **fields,
    )
    audit_record(
        actor=actor,
        action="appointment.create",
        obj=body,
        payload={"appointment": appointment.pk, "grade": grade, "certificate": certificate.number},
    )
    return appointment


def _lock(appointment) -> TechnicianAppointment:
    return (
        TechnicianAppointment.objects.select_for_update()
        .select_related("body__organisation", "certificate")
        .get(pk=appointment.pk)
    )


@transaction.atomic
def appointment_submit(*, actor, appointment: TechnicianAppointment) -> TechnicianAppointment:
    appointment = _lock(appointment)
    require_transition(appointment, appointment.submit, _("只有草稿可以提交。"))
    _require_enterprise(actor, appointment.body, "appointment.submit")
    errors = eligibility_problems(
        appointment.body, appointment.certificate, appointment.grade, exclude_pk=appointment.pk
    )
    if errors:
        raise Invalid(_("评聘申报不符合条件。"), errors=errors)
    appointment.submit()
    save_transition(appointment)
    audit_record(
        actor=actor,
        action="appointment.submit",
        obj=appointment.body,
        payload={"appointment": appointment.pk},
    )
    signals.appointment_submitted.send(sender=TechnicianAppointment, appointment=appointment, actor=actor)
    return appointment


@transaction.atomic
def appointment_review(
    *, actor, appointment: TechnicianAppointment, approve: bool, comment: str, today=None
) -> TechnicianAppointment:
    """The city approves (publicity starts) or rejects, with its comment."""
    today = today or timezone.localdate()
    appointment = _lock(appointment)
    require_transition(appointment, appointment.approve, _("该评聘申报不在待审核状态。"))
    deny_unless(
        access.acts_as_authority(actor, appointment.body.organisation_id),
        actor=actor,
        action="appointment.review",
        obj=appointment.body,
        message=_("只有市职业技能鉴定中心（非本企业人员）可以审核评聘。"),
    )
    comment = text(comment, "comment", _("请填写审核意见。"))
    if approve:
        if appointment.certificate.status != CertificateStatus.VALID:
            raise WrongState(_("该人员的一级/高级技师证书已不是有效状态，不能通过。"))
        ends = add_working_days(today, settings.FILING["PUBLICITY_WORKING_DAYS"])
        appointment.approve(by=actor, comment=comment, starts_on=today, ends_on=ends)
    else:
        appointment.reject(by=actor, comment=comment)
    save_transition(appointment)
    audit_record(
        actor=actor,
        action="appointment.approve" if approve else "appointment.reject",
        obj=appointment.body,
        payload={"appointment": appointment.pk, "comment": comment},
    )
    signals.appointment_decided.send(sender=TechnicianAppointment, appointment=appointment, actor=actor)
    return appointment


@transaction.atomic
def appointment_withdraw(*, actor, appointment: TechnicianAppointment) -> TechnicianAppointment:
    appointment = _lock(appointment)
    require_transition(appointment, appointment.withdraw, _("已聘任或已办结的评聘不能撤回。"))
    _require_enterprise(actor, appointment.body, "appointment.withdraw")
    appointment.withdraw()
    save_transition(appointment)
    audit_record(
        actor=actor,
        action="appointment.withdraw",
        obj=appointment.body,
        payload={"appointment": appointment.pk},
    )
    return appointment


def close_ended_publicity(today: datetime.date | None = None) -> list[int]:
    """Timer: appointments whose publicity ended yesterday or earlier are made (idempotent)."""
    today = today or timezone.localdate()
    done = []
    due = TechnicianAppointment.objects.filter(status=A.PUBLICITY, publicity_ends_on__lt=today)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            appointment = _lock(TechnicianAppointment(pk=pk))
            if appointment.status != A.PUBLICITY:
                continue
            appointment.appoint(today)
            save_transition(appointment)
            audit_record(
                actor=None, action="appointment.appoint", obj=appointment.body, payload={"appointment": pk}
            )
            signals.appointment_decided.send(
                sender=TechnicianAppointment, appointment=appointment, actor=None
            )
            done.append(pk)
    return done


def remind_expiring(today: datetime.date | None = None) -> list[int]:
    """Timer: once per appointment, ``REMIND_DAYS`` before its term ends, the enterprise is told."""
    today = today or timezone.localdate()
    due = TechnicianAppointment.objects.filter(
        status=A.APPOINTED,
        reminded_on__isnull=True,
        term_end__gte=today,
        term_end__lte=today + datetime.timedelta(days=REMIND_DAYS),
    )
    done = []
    for appointment in due.select_related("body"):
        with transaction.atomic():
            updated = TechnicianAppointment.objects.filter(
                pk=appointment.pk, reminded_on__isnull=True
            ).update(reminded_on=today)
            if updated:
                signals.appointment_expiring.send(sender=TechnicianAppointment, appointment=appointment)
                done.append(appointment.pk)
    return done


def in_force_for(document_index: str, on: datetime.date | None = None):
    on = on or timezone.localdate()
    return TechnicianAppointment.objects.filter(
        document_index=document_index, status=A.APPOINTED, term_start__lte=on, term_end__gte=on
    )


#: The actions the pages and the API offer on a proposal (``comment`` is the city's review opinion).
ACTIONS = {
    "submit": lambda actor, appointment, data: appointment_submit(actor=actor, appointment=appointment),
    "withdraw": lambda actor, appointment, data: appointment_withdraw(actor=actor, appointment=appointment),
    "approve": lambda actor, appointment, data: appointment_review(
        actor=actor, appointment=appointment, approve=True, comment=data.get("comment", "")
    ),
    "reject": lambda actor, appointment, data: appointment_review(
        actor=actor, appointment=appointment, approve=False, comment=data.get("comment", "")
    ),
}
