"""Rectification orders (整改通知, DOMAIN.md §9): the city's findings with a deadline; the body answers with
a report; the city accepts it (the body is active again once no order is open), sends it back with a new
deadline, or escalates to a suspension. An active body under an open order may not plan new evaluations
(:mod:`filing.standing`)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import signals
from filing.audit import audit_record
from filing.errors import WrongState
from filing.models import (
    OPEN_RECTIFICATION,
    BodyStatus,
    DecisionKind,
    EvaluationBody,
    RectificationOrder,
    RectificationStatus,
)
from filing.services.common import require_transition, save_transition
from filing.services.supervision import (
    MAX_REFERENCE,
    decide,
    future_date,
    lock_body,
    require_body,
    require_city,
    suspend,
    text,
)

#: A body that can be ordered to rectify (one asking to exit must first withdraw its request).
RECTIFIABLE = (BodyStatus.ACTIVE, BodyStatus.RECTIFICATION, BodyStatus.SUSPENDED)


@transaction.atomic
def rectification_order(
    *, actor, body: EvaluationBody, findings: str, deadline, reference: str = "", source: str = "", today=None
) -> RectificationOrder:
    """责令整改: the findings and a deadline; an active body goes under rectification (no new plans)."""
    today = today or timezone.localdate()
    body = lock_body(body)
    if body.status not in RECTIFIABLE:
        raise WrongState(_("评价机构当前状态为“%(s)s”，不能责令整改。") % {"s": body.get_status_display()})
    require_city(actor, body, "body.rectification_ordered")
    findings = text(findings, "findings", _("请填写发现的问题。"))
    reference = text(reference, "reference", "", MAX_REFERENCE)
    source = text(source, "source", "", 200)
    deadline = future_date(deadline, "deadline", today, _("整改期限应晚于今天。"))
    return open_order(
        actor=actor,
        body=body,
        findings=findings,
        deadline=deadline,
        reference=reference,
        source=source,
        today=today,
    )


def open_order(
    *, actor, body, findings: str, deadline, today, reference: str = "", source: str = "", reason=""
):
    """The order itself, on a locked body whose caller checked who may raise it (the city's order, or a
    supervisor's finding): an active body goes under rectification, and the decision is recorded."""
    order = RectificationOrder.objects.create(
        body=body,
        reference=reference,
        findings=findings,
        deadline=deadline,
        ordered_by=actor,
        ordered_on=today,
        source=source,
    )
    before = body.status
    if body.status == BodyStatus.ACTIVE:
        body.order_rectification()
        save_transition(body)
    decide(
        actor=actor,
        body=body,
        kind=DecisionKind.RECTIFICATION_ORDERED,
        before=before,
        reason=reason
        or _("%(findings)s（整改期限：%(deadline)s）") % {"findings": findings, "deadline": deadline},
        reference=reference,
        today=today,
    )
    return order


def _lock_order(order: RectificationOrder) -> tuple[RectificationOrder, EvaluationBody]:
    body = lock_body(order.body)
    return RectificationOrder.objects.select_for_update().get(pk=order.pk), body


@transaction.atomic
def rectification_respond(*, actor, order: RectificationOrder, response: str) -> RectificationOrder:
    """The body reports what it rectified (after the deadline it is still accepted, and shown as late)."""
    order, body = _lock_order(order)
    require_transition(order, order.respond, _("该整改通知已答复或已办结。"))
    require_body(actor, body, "body.rectification_respond")
    response = text(response, "response", _("请填写整改报告。"))
    order.respond(text=response, by=actor, at=timezone.now())
    save_transition(order)
    audit_record(actor=actor, action="body.rectification_respond", obj=body, payload={"order": order.pk})
    signals.rectification_responded.send(sender=RectificationOrder, order=order, actor=actor)
    return order


@transaction.atomic
def rectification_accept(*, actor, order: RectificationOrder, note: str, today=None) -> RectificationOrder:
    """整改验收通过. When no other order is open, a body under rectification is active again."""
    order, body = _lock_order(order)
    require_transition(order, order.accept, _("只有已提交整改报告的通知可以验收。"))
    require_city(actor, body, "body.rectification_accepted")
    note = text(note, "note", _("请填写验收意见。"))
    order.accept(note=note, by=actor, at=timezone.now())
    save_transition(order)
    before = body.status
    still_open = body.rectifications.filter(status__in=OPEN_RECTIFICATION).exists()
    if body.status == BodyStatus.RECTIFICATION and not still_open:
        body.complete_rectification()
        save_transition(body)
    decide(
        actor=actor,
        body=body,
        kind=DecisionKind.RECTIFICATION_ACCEPTED,
        before=before,
        reason=note,
        reference=order.reference,
        today=today,
    )
    return order


@transaction.atomic
def rectification_send_back(
    *, actor, order: RectificationOrder, note: str, deadline, today=None
) -> RectificationOrder:
    """整改不到位: the body must rectify again by a new deadline."""
    today = today or timezone.localdate()
    order, body = _lock_order(order)
    require_transition(order, order.send_back, _("只有已提交整改报告的通知可以退回。"))
    require_city(actor, body, "body.rectification_send_back")
    note = text(note, "note", _("请填写退回理由。"))
    deadline = future_date(deadline, "deadline", today, _("新的整改期限应晚于今天。"))
    order.send_back(note=note, deadline=deadline, by=actor, at=timezone.now())
    save_transition(order)
    audit_record(
        actor=actor,
        action="body.rectification_send_back",
        obj=body,
        payload={"order": order.pk, "note": note, "deadline": str(deadline)},
    )
    signals.rectification_sent_back.send(sender=RectificationOrder, order=order, actor=actor)
    return order


@transaction.atomic
def rectification_escalate(
    *, actor, order: RectificationOrder, note: str, reference: str = "", today=None
) -> RectificationOrder:
    """整改不力: the order is closed as escalated and the body is suspended."""
    order, body = _lock_order(order)
    require_transition(order, order.escalate, _("该整改通知已办结。"))
    require_city(actor, body, "body.suspended")
    note = text(note, "note", _("请填写暂停理由。"))
    order.escalate(note=note, by=actor, at=timezone.now())
    save_transition(order)
    if body.status != BodyStatus.SUSPENDED:
        suspend(actor, body, note, reference, today)
    return order


def open_rectifications(body: EvaluationBody):
    return body.rectifications.filter(status__in=OPEN_RECTIFICATION)


def overdue_rectifications(today: datetime.date | None = None):
    today = today or timezone.localdate()
    return RectificationOrder.objects.filter(status=RectificationStatus.OPEN, deadline__lt=today)


#: Working reminders: this many calendar days before the deadline, and once when it has passed.
REMIND_BEFORE_DAYS = 3


def remind_rectifications(today: datetime.date | None = None) -> int:
    """Timer: an open order near its deadline reminds the body; one past it tells the body and the city.
    Each reminder once per order and kind (the notification's dedupe key)."""
    today = today or timezone.localdate()
    sent = 0
    soon = today + datetime.timedelta(days=REMIND_BEFORE_DAYS)
    for order in RectificationOrder.objects.filter(
        status=RectificationStatus.OPEN, deadline__lte=soon
    ).select_related("body"):
        overdue = order.deadline < today
        signals.rectification_due.send(sender=RectificationOrder, order=order, overdue=overdue)
        sent += 1
    return sent
