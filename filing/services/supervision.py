"""A filed body's life after filing (DOMAIN.md §9): suspension and reinstatement, exit at the body's
request, revocation with a ban, and the same for one filed line; rectification orders are in
:mod:`filing.services.rectification`. The city (市职业技能鉴定中心, a municipal reviewer outside the body)
decides; the body asks to exit. Every change is a :class:`~filing.models.BodyDecision` (the catalogue's
public record), audited, and announced (``signals.body_decided``); what a standing allows is
:mod:`filing.standing`."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, signals
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    OPEN_RECTIFICATION,
    PLAN_FINISHED,
    BodyDecision,
    BodyStatus,
    Certificate,
    CertificateStatus,
    DecisionKind,
    EvaluationBody,
    FiledLine,
    FiledLineStatus,
)
from filing.roles import Role
from filing.services.certificates import revoke_certificate
from filing.services.common import deny_unless, parse_day, require_transition, save_transition

BODY_SIDE = (Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)
MAX_TEXT = 5000
MAX_REFERENCE = 60
MAX_NAMED_CERTIFICATES = 1000


def acts_for_city(actor, body: EvaluationBody) -> bool:
    """The city decides about a body: a municipal reviewer who does not belong to it."""
    return access.acts_as_authority(actor, body.organisation_id)


def acts_for_body(actor, body: EvaluationBody) -> bool:
    return access.acts_for(actor, body.organisation_id, *BODY_SIDE)


def require_city(actor, body, action: str) -> None:
    deny_unless(
        acts_for_city(actor, body),
        actor=actor,
        action=action,
        obj=body,
        message=_("只有市职业技能鉴定中心（非本机构人员）可以作出该决定。"),
    )


def require_body(actor, body, action: str) -> None:
    deny_unless(
        acts_for_body(actor, body),
        actor=actor,
        action=action,
        obj=body,
        message=_("只有本评价机构的考务人员或法定代表人可以办理。"),
    )


def text(value, field: str, required_message: str, limit: int = MAX_TEXT) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required_message and not text:
        raise Invalid(required_message, errors={field: [required_message]})
    if len(text) > limit:
        message = _("不能超过%(n)d个字。") % {"n": limit}
        raise Invalid(message, errors={field: [message]})
    return text


def future_date(value, field: str, today: datetime.date, message: str) -> datetime.date:
    day = parse_day(value, field)
    if day <= today:
        raise Invalid(message, errors={field: [message]})
    return day


def lock_body(body: EvaluationBody) -> EvaluationBody:
    return EvaluationBody.objects.select_for_update().select_related("organisation").get(pk=body.pk)


def decide(
    *, actor, body, kind, before: str, reason: str, reference: str = "", line=None, today=None, **extra
) -> BodyDecision:
    """Record, audit and announce a change of standing (the caller has saved the new status)."""
    decision = BodyDecision.objects.create(
        body=body,
        line=line,
        kind=kind,
        from_status=before,
        to_status=(line or body).status,
        reason=reason,
        reference=reference,
        decided_on=today or timezone.localdate(),
        actor=actor,
        **extra,
    )
    audit_record(
        actor=actor,
        action=f"body.{kind}",
        obj=body,
        payload={
            "code": body.code,
            "line": str(line.offering) if line else "",
            "from": before,
            "to": decision.to_status,
            "reference": reference,
            "reason": reason,
        },
    )
    signals.body_decided.send(sender=BodyDecision, decision=decision, actor=actor)
    return decision


def open_plans(body: EvaluationBody, line: FiledLine | None = None):
    plans = body.plans.exclude(status__in=PLAN_FINISHED)
    return plans.filter(line=line) if line is not None else plans


# --- suspension, reinstatement ----------------------------------------------------------------------------


def suspend(actor, body, reason, reference, today) -> BodyDecision:
    require_transition(
        body, body.suspend, _("评价机构当前状态为“%(s)s”，不能暂停。") % {"s": body.get_status_display()}
    )
    before = body.status
    body.suspend()
    save_transition(body)
    return decide(
        actor=actor,
        body=body,
        kind=DecisionKind.SUSPENDED,
        before=before,
        reason=reason,
        reference=reference,
        today=today,
    )


@transaction.atomic
def body_suspend(
    *, actor, body: EvaluationBody, reason: str, reference: str = "", today=None
) -> BodyDecision:
    """暂停: no new plans, registrations or issuance; planned sittings may finish (``filing.standing``)."""
    body = lock_body(body)
    require_transition(
        body, body.suspend, _("评价机构当前状态为“%(s)s”，不能暂停。") % {"s": body.get_status_display()}
    )
    require_city(actor, body, "body.suspended")
    reason = text(reason, "reason", _("请填写暂停理由。"))
    reference = text(reference, "reference", "", MAX_REFERENCE)
    return suspend(actor, body, reason, reference, today)


@transaction.atomic
def body_reinstate(
    *, actor, body: EvaluationBody, reason: str, reference: str = "", today=None
) -> BodyDecision:
    """恢复: back to active, or under rectification while an order is still open."""
    body = lock_body(body)
    require_transition(body, body.resume, _("只有暂停的评价机构可以恢复。"))
    require_city(actor, body, "body.reinstated")
    reason = text(reason, "reason", _("请填写恢复理由。"))
    reference = text(reference, "reference", "", MAX_REFERENCE)
    before = body.status
    body.resume()
    if body.rectifications.filter(status__in=OPEN_RECTIFICATION).exists():
        body.order_rectification()
    save_transition(body)
    return decide(
        actor=actor,
        body=body,
        kind=DecisionKind.REINSTATED,
        before=before,
        reason=reason,
        reference=reference,
        today=today,
    )


# --- exit -------------------------------------------------------------------------------------------------


def _require_no_open_plans(body) -> None:
    titles = list(open_plans(body).values_list("title", flat=True)[:5])
    if titles:
        raise WrongState(
            _("本机构还有未办结的认定计划（%(plans)s），须办结或取消后才能退出。")
            % {"plans": "、".join(titles)}
        )


@transaction.atomic
def body_request_exit(*, actor, body: EvaluationBody, reason: str, today=None) -> BodyDecision:
    """The body asks to exit: no open plans; its certificates stay valid."""
    body = lock_body(body)
    require_transition(
        body,
        body.request_exit,
        _("评价机构当前状态为“%(s)s”，不能申请退出。") % {"s": body.get_status_display()},
    )
    require_body(actor, body, "body.exit_requested")
    reason = text(reason, "reason", _("请填写退出理由。"))
    _require_no_open_plans(body)
    before = body.status
    body.request_exit()
    save_transition(body)
    return decide(
        actor=actor, body=body, kind=DecisionKind.EXIT_REQUESTED, before=before, reason=reason, today=today
    )


def _previous_status(body) -> str:
    request = body.decisions.filter(kind=DecisionKind.EXIT_REQUESTED, line=None).first()
    return request.from_status if request else BodyStatus.ACTIVE


@transaction.atomic
def body_withdraw_exit(*, actor, body: EvaluationBody, reason: str, today=None) -> BodyDecision:
    body = lock_body(body)
    require_transition(body, body.keep, _("本机构没有待处理的退出申请。"))
    require_body(actor, body, "body.exit_withdrawn")
    reason = text(reason, "reason", _("请填写撤回理由。"))
    before = body.status
    body.keep(_previous_status(body))
    save_transition(body)
    return decide(
        actor=actor, body=body, kind=DecisionKind.EXIT_WITHDRAWN, before=before, reason=reason, today=today
    )


@transaction.atomic
def body_decide_exit(
    *, actor, body: EvaluationBody, approve: bool, reason: str, reference: str = "", today=None
) -> BodyDecision:
    """The city grants the exit (every filed line withdrawn; certificates stay valid) or refuses it (the body
    returns to the status it asked from)."""
    body = lock_body(body)
    require_transition(body, body.exit, _("本机构没有待处理的退出申请。"))
    require_city(actor, body, "body.exited" if approve else "body.exit_refused")
    reason = text(reason, "reason", _("请填写审核意见。"))
    reference = text(reference, "reference", "", MAX_REFERENCE)
    before = body.status
    if approve:
        _require_no_open_plans(body)
        body.exit()
        _withdraw_lines(body)
    else:
        body.keep(_previous_status(body))
    save_transition(body)
    kind = DecisionKind.EXITED if approve else DecisionKind.EXIT_REFUSED
    return decide(
        actor=actor, body=body, kind=kind, before=before, reason=reason, reference=reference, today=today
    )


def _withdraw_lines(body) -> None:
    for line in FiledLine.objects.select_for_update().filter(
        body=body, status__in=[FiledLineStatus.ACTIVE, FiledLineStatus.SUSPENDED]
    ):
        line.withdraw()
        save_transition(line)


# --- revocation -------------------------------------------------------------------------------------------


def _named_certificates(body, numbers) -> list[Certificate]:
    """The certificates a revocation decision names: each must be a valid certificate of this body."""
    if isinstance(numbers, str):
        numbers = numbers.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
    wanted = list(dict.fromkeys(str(n).strip().upper() for n in (numbers or []) if str(n).strip()))
    if len(wanted) > MAX_NAMED_CERTIFICATES:
        message = _("一次最多点名撤销%(n)d本证书。") % {"n": MAX_NAMED_CERTIFICATES}
        raise Invalid(message, errors={"certificates": [message]})
    found = {
        c.number: c
        for c in Certificate.objects.select_for_update().filter(
            body=body, number__in=wanted, status=CertificateStatus.VALID
        )
    }
    unknown = [n[:40] for n in wanted if n not in found]
    if unknown:
        message = _("以下证书编号不是本机构的有效证书：%(numbers)s") % {"numbers": "、".join(unknown[:20])}
        raise Invalid(message, errors={"certificates": [message]})
    return [found[n] for n in wanted]


@transaction.atomic
def body_revoke(
    *,
    actor,
    body: EvaluationBody,
    reason: str,
    banned_until,
    reference: str = "",
    certificates=(),
    today=None,
) -> BodyDecision:
    """撤销备案 with a ban on filing again until ``banned_until``. Its certificates stay valid unless the
    decision names them (``certificates``: numbers of this body's valid certificates)."""
    today = today or timezone.localdate()
    body = lock_body(body)
    require_transition(body, body.revoke, _("评价机构已退出或已被撤销。"))
    require_city(actor, body, "body.revoked")
    reason = text(reason, "reason", _("请填写撤销理由。"))
    reference = text(reference, "reference", _("请填写决定文号。"), MAX_REFERENCE)
    banned_until = future_date(banned_until, "banned_until", today, _("禁止再申请的期限应晚于今天。"))
    named = _named_certificates(body, certificates)
    before = body.status
    body.revoke(banned_until)
    save_transition(body)
    _withdraw_lines(body)
    authority = _("上海市职业技能鉴定中心")
    for certificate in named:
        revoke_certificate(
            actor=actor,
            certificate=certificate,
            reason=reason,
            authority=authority,
            on=today,
            payload={"body_revoked": body.code, "reference": reference},
        )
    return decide(
        actor=actor,
        body=body,
        kind=DecisionKind.REVOKED,
        before=before,
        reason=reason,
        reference=reference,
        today=today,
        banned_until=banned_until,
        certificates_revoked=len(named),
    )


# --- one filed line ---------------------------------------------------------------------------------------


def _lock_line(line: FiledLine) -> tuple[FiledLine, EvaluationBody]:
    body = lock_body(line.body)
    return FiledLine.objects.select_for_update().select_related("offering").get(pk=line.pk), body


def _change_line(
    actor, line, transition: str, kind: str, wrong_state: str, no_reason: str, reason, reference, today
):
    line, body = _lock_line(line)
    require_transition(line, getattr(line, transition), wrong_state)
    require_city(actor, body, f"body.{kind}")
    reason = text(reason, "reason", no_reason)
    reference = text(reference, "reference", "", MAX_REFERENCE)
    before = line.status
    getattr(line, transition)()
    save_transition(line)
    return decide(
        actor=actor,
        body=body,
        line=line,
        kind=kind,
        before=before,
        reason=reason,
        reference=reference,
        today=today,
    )


@transaction.atomic
def line_suspend(*, actor, line: FiledLine, reason: str, reference: str = "", today=None) -> BodyDecision:
    """Suspend one filed line (the rest of the body's scope stays as it is)."""
    return _change_line(
        actor,
        line,
        "suspend",
        DecisionKind.LINE_SUSPENDED,
        _("只有有效的备案项目可以暂停。"),
        _("请填写暂停理由。"),
        reason,
        reference,
        today,
    )


@transaction.atomic
def line_reinstate(*, actor, line: FiledLine, reason: str, reference: str = "", today=None) -> BodyDecision:
    return _change_line(
        actor,
        line,
        "reinstate",
        DecisionKind.LINE_REINSTATED,
        _("只有暂停的备案项目可以恢复。"),
        _("请填写恢复理由。"),
        reason,
        reference,
        today,
    )
