"""Reactions to `filing`'s domain events: who hears what. Each writes outbox rows in the transaction of
the change that raised it (connected in NotificationsConfig.ready)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from filing import signals
from filing.models import FilingApplication, ReviewStep, RevocationStatus
from filing.roles import Role

from . import complaints, holders
from .outbox import application_link, notify
from .recipients import (
    INBOX_LINK,
    applicants,
    base,
    body_operators,
    district_reviewers,
    municipal_reviewers,
    operators_of_body,
    plan_link,
    plan_payload,
    users_with,
)


def on_submitted(sender, application, actor, **kwargs):
    link = application_link(application.pk)
    notify("submitted", district_reviewers(application), base(application), link=link)
    notify("submitted_receipt", applicants(application), base(application), link=link)


def on_accepted(sender, application, actor, decision, **kwargs):
    notify(
        "accepted",
        applicants(application),
        {**base(application), "date": str(application.accepted_on)},
        link=application_link(application.pk),
    )


def on_review_passed(sender, application, actor, decision, **kwargs):
    payload = {**base(application), "step": str(ReviewStep(decision.step).label)}
    link = application_link(application.pk)
    notify("review_passed", applicants(application), payload, link=link)
    if decision.step == ReviewStep.DISTRICT_ACCEPT:
        return
    next_step = (
        ReviewStep.MUNICIPAL_REVIEW
        if decision.step == ReviewStep.DISTRICT_REVIEW
        else ReviewStep.EXPERT_PANEL
    )
    notify("review_waiting", municipal_reviewers(), {**payload, "step": str(next_step.label)}, link=link)


def on_returned(sender, application, actor, correction, **kwargs):
    items = "、".join(item.get("label") or item["key"] for item in correction.items)
    notify(
        "returned",
        applicants(application),
        {
            **base(application),
            "step": str(ReviewStep(correction.step).label),
            "items": items,
            "comment": correction.comment,
            "deadline": str(correction.deadline),
        },
        link=application_link(application.pk),
    )


def on_resubmitted(sender, application, actor, correction, **kwargs):
    recipients = [correction.requested_by] if correction else []
    if application.status == "submitted":
        recipients += district_reviewers(application)
    notify("resubmitted", recipients, base(application), link=application_link(application.pk))


def on_rejected(sender, application, actor, reason, **kwargs):
    notify(
        "rejected",
        applicants(application),
        {**base(application), "reason": reason},
        link=application_link(application.pk),
    )


def on_withdrawn(sender, application, actor, reason, **kwargs):
    reviewers = {d.actor for d in application.decisions.select_related("actor")}
    notify(
        "withdrawn", reviewers, {**base(application), "reason": reason}, link=application_link(application.pk)
    )


def on_lapsed(sender, application, correction, **kwargs):
    notify(
        "lapsed",
        applicants(application),
        {**base(application), "deadline": str(correction.deadline)},
        link=application_link(application.pk),
    )


def on_panel_assigned(sender, application, actor, assignments, **kwargs):
    notify("panel_assigned", [a.expert for a in assignments], base(application), link=INBOX_LINK)


def on_expert_replaced(sender, application, actor, assignment, replacement, **kwargs):
    notify("panel_assigned", [replacement.expert], base(application), link=INBOX_LINK)


def on_decided(sender, application, actor, decision, approved_lines, rejected_lines, **kwargs):
    notify(
        "decided",
        applicants(application),
        {
            **base(application),
            "approved": len(approved_lines),
            "rejected": len(rejected_lines),
            "days": settings.FILING["PUBLICITY_WORKING_DAYS"],
        },
        link=application_link(application.pk),
    )


def on_publicity_started(sender, application, starts_on, ends_on, **kwargs):
    notify(
        "publicity_started",
        applicants(application),
        {**base(application), "starts": str(starts_on), "ends": str(ends_on)},
        link=application_link(application.pk),
    )


def on_filed(sender, application, body, **kwargs):
    notify(
        "filed",
        applicants(application),
        {**base(application), "body_code": body.code, "date": str(body.filed_on)},
        link=application_link(application.pk),
    )


def on_objection_filed(sender, application, objection, **kwargs):
    notify("objection_filed", municipal_reviewers(), base(application), link=application_link(application.pk))


def on_objection_decided(sender, application, objection, actor, **kwargs):
    notify(
        "objection_decided",
        applicants(application),
        {**base(application), "outcome": str(objection.get_state_display())},
        link=application_link(application.pk),
    )


def on_task_assigned(sender, application, actor, assignee, task_title, **kwargs):
    if assignee == actor:
        return
    if isinstance(application, FilingApplication):
        payload = base(application)
    else:  # an evaluation plan's task
        payload = {"number": application.title, "organisation": application.body.name}
    notify("task_assigned", [assignee], {**payload, "task": str(task_title)}, link=INBOX_LINK)


def on_task_urged(sender, subject, actor, recipients, task_title, note, count, **kwargs):
    if isinstance(subject, FilingApplication):
        payload = base(subject)
    elif hasattr(subject, "body") and hasattr(subject, "title"):  # an evaluation plan
        payload = plan_payload(subject)
    else:
        payload = {"number": str(subject), "organisation": ""}
    who = actor.get_full_name() or actor.get_username()
    payload = {**payload, "task": str(task_title), "actor": who, "count": count, "note": note or ""}
    notify("task_urged", [u for u in recipients if u.pk != actor.pk], payload, link=INBOX_LINK)


def on_deputy_appointed(sender, deputy, actor, **kwargs):
    principal = deputy.principal.get_full_name() or deputy.principal.get_username()
    payload = {
        "principal": principal,
        "starts": str(deputy.starts_on),
        "ends": str(deputy.ends_on),
        "reason": deputy.reason,
    }
    notify("deputy_appointed", [deputy.deputy], payload, link=INBOX_LINK)


def on_task_copied(sender, copies, actor, task_title, subject, **kwargs):
    who = actor.get_full_name() or actor.get_username()
    for copy in copies:
        payload = {
            "task": task_title,
            "actor": who,
            "subject": subject,
            "decision": copy.decision,
            "note": f"（{copy.note}）" if copy.note else "",
        }
        notify("task_copied", [copy.recipient], payload, link=f"{INBOX_LINK}copies/{copy.pk}/")


def on_task_escalated(sender, subject, recipients, task_title, age, limit, key, **kwargs):
    if isinstance(subject, FilingApplication):
        payload = base(subject)
    elif hasattr(subject, "body") and hasattr(subject, "title"):
        payload = plan_payload(subject)
    else:
        payload = {"number": str(subject), "organisation": ""}
    payload = {**payload, "task": task_title, "age": age, "limit": limit}
    return notify("task_escalated", recipients, payload, link=INBOX_LINK, dedupe_key=key)


def on_taken_back(sender, application, actor, step, **kwargs):
    payload = {**base(application), "step": str(ReviewStep(step).label)}
    notify("taken_back", [u for u in municipal_reviewers() if u.pk != actor.pk], payload, link=INBOX_LINK)


def on_sent_back(sender, application, actor, decision, **kwargs):
    payload = {**base(application), "comment": decision.comment}
    notify("sent_back", district_reviewers(application), payload, link=INBOX_LINK)


def on_clock_extended(sender, application, actor, **kwargs):
    notify(
        "clock_extended",
        applicants(application),
        {**base(application), "reason": application.extension_reason},
        link=application_link(application.pk),
    )


CONNECTIONS = [
    (signals.application_submitted, on_submitted),
    (signals.application_accepted, on_accepted),
    (signals.application_review_passed, on_review_passed),
    (signals.application_returned, on_returned),
    (signals.application_resubmitted, on_resubmitted),
    (signals.application_rejected, on_rejected),
    (signals.application_withdrawn, on_withdrawn),
    (signals.application_lapsed, on_lapsed),
    (signals.expert_panel_assigned, on_panel_assigned),
    (signals.expert_replaced, on_expert_replaced),
    (signals.application_decided, on_decided),
    (signals.publicity_started, on_publicity_started),
    (signals.application_filed, on_filed),
    (signals.objection_filed, on_objection_filed),
    (signals.objection_decided, on_objection_decided),
    (signals.task_assigned, on_task_assigned),
    (signals.clock_extended, on_clock_extended),
    (signals.task_urged, on_task_urged),
    (signals.deputy_appointed, on_deputy_appointed),
    (signals.task_copied, on_task_copied),
    (signals.task_escalated, on_task_escalated),
    (signals.application_taken_back, on_taken_back),
    (signals.application_sent_back, on_sent_back),
]


def on_plan_filed(sender, plan, actor, **kwargs):
    notify("plan_filed", municipal_reviewers(), plan_payload(plan), link=INBOX_LINK)


def on_plan_confirmed(sender, plan, actor, **kwargs):
    notify("plan_confirmed", body_operators(plan), plan_payload(plan), link=plan_link(plan))


def on_plan_returned(sender, plan, actor, **kwargs):
    notify("plan_returned", body_operators(plan), plan_payload(plan), link=plan_link(plan))


def on_plan_cancelled(sender, plan, actor, **kwargs):
    if plan.filed_at:
        notify("plan_cancelled", municipal_reviewers(), {**plan_payload(plan), "reason": plan.cancel_reason})


def on_plan_withdrawn(sender, plan, actor, reason, **kwargs):
    notify("plan_withdrawn", municipal_reviewers(), {**plan_payload(plan), "reason": reason})


def on_results_published(sender, plan, actor, ends_on, **kwargs):
    notify(
        "results_published",
        body_operators(plan),
        {**plan_payload(plan), "date": str(ends_on)},
        link=plan_link(plan),
    )


def on_results_submitted(sender, plan, actor, **kwargs):
    notify("results_submitted", municipal_reviewers(), plan_payload(plan), link=INBOX_LINK)


def on_results_confirmed(sender, plan, actor, comment, **kwargs):
    notify("results_confirmed", body_operators(plan), plan_payload(plan), link=plan_link(plan))


def on_results_returned(sender, plan, actor, comment, **kwargs):
    notify(
        "results_returned",
        body_operators(plan),
        {**plan_payload(plan), "comment": comment},
        link=plan_link(plan),
    )


CONNECTIONS += [
    (signals.plan_filed, on_plan_filed),
    (signals.plan_confirmed, on_plan_confirmed),
    (signals.plan_returned, on_plan_returned),
    (signals.plan_cancelled, on_plan_cancelled),
    (signals.plan_withdrawn, on_plan_withdrawn),
    (signals.results_published, on_results_published),
    (signals.results_submitted, on_results_submitted),
    (signals.results_confirmed, on_results_confirmed),
    (signals.results_returned, on_results_returned),
]


def on_certificates_issued(sender, batch, actor, **kwargs):
    notify(
        "certificates_issued",
        operators_of_body(batch.plan.body),
        {"number": batch.plan.title, "count": batch.issued},
        link=f"/certificates/batches/{batch.pk}/",
    )


def _certificate_event(kind, certificate, extra=None):
    recipients = operators_of_body(certificate.body)
    if kind == "certificate_revoked":
        recipients += municipal_reviewers()
    notify(
        kind,
        recipients,
        {"certificate": certificate.number, "version": certificate.version, **(extra or {})},
        link=f"/certificates/{certificate.pk}/",
    )


def on_certificate_revoked(sender, certificate, actor, **kwargs):
    _certificate_event("certificate_revoked", certificate, {"reason": certificate.revoked_reason})


def on_revocation_requested(sender, revocation, actor, **kwargs):
    certificate = revocation.certificate
    notify(
        "revocation_requested",
        municipal_reviewers(),
        {
            "certificate": certificate.number,
            "organisation": certificate.body_name,
            "reason": revocation.reason,
        },
        link=INBOX_LINK,
    )


def on_revocation_decided(sender, revocation, actor, **kwargs):
    """A declined request is announced to the body; an approved one is announced as certificate_revoked."""
    if revocation.status != RevocationStatus.DECLINED:
        return
    _certificate_event(
        "revocation_declined", revocation.certificate, {"comment": revocation.decision_comment}
    )


def on_certificate_reissued(sender, certificate, actor, **kwargs):
    _certificate_event("certificate_reissued", certificate)


def on_certificate_corrected(sender, certificate, actor, **kwargs):
    _certificate_event("certificate_corrected", certificate)


def on_national_records_rejected(sender, body, records, actor, **kwargs):
    numbers = sorted({r.number for r in records})
    notify(
        "national_rejected",
        operators_of_body(body),
        {
            "count": len(records),
            "certificates": "、".join(numbers[:10]) + ("……" if len(numbers) > 10 else ""),
        },
        link=INBOX_LINK,
    )


CONNECTIONS += [
    (signals.certificates_issued, on_certificates_issued),
    (signals.national_records_rejected, on_national_records_rejected),
    (signals.certificate_revoked, on_certificate_revoked),
    (signals.certificate_reissued, on_certificate_reissued),
    (signals.revocation_requested, on_revocation_requested),
    (signals.revocation_decided, on_revocation_decided),
    (signals.certificate_corrected, on_certificate_corrected),
]


def on_expert_scored(sender, application, actor, assignment, **kwargs):
    experts = application.experts.exclude(state=assignment.State.CONFLICT)
    done = experts.filter(state=assignment.State.SCORED).count()
    if done == experts.count():  # the panel is complete: the decision is waiting
        notify(
            "expert_scored",
            municipal_reviewers(),
            {**base(application), "done": done, "total": done},
            link=INBOX_LINK,
        )


CONNECTIONS.append((signals.expert_scored, on_expert_scored))


def on_task_deadline(kind: str, application, task_title, recipients, left, key):
    payload = {**base(application), "task": str(task_title), "left": left, "overdue": -left}
    return notify(kind, recipients, payload, link=INBOX_LINK, dedupe_key=key)


def on_task_deadline_near(sender, application, task_title, recipients, left, key, **kwargs):
    return on_task_deadline("task_due_soon", application, task_title, recipients, left, key)


def on_task_deadline_passed(sender, application, task_title, recipients, left, key, **kwargs):
    return on_task_deadline("task_overdue", application, task_title, recipients, left, key)


def on_correction_deadline_near(sender, application, correction, **kwargs):
    return notify(
        "correction_due_soon",
        applicants(application),
        {**base(application), "deadline": str(correction.deadline)},
        link=application_link(application.pk),
        dedupe_key=f"correction-due:{correction.pk}",
    )


CONNECTIONS += [
    (signals.task_deadline_near, on_task_deadline_near),
    (signals.task_deadline_passed, on_task_deadline_passed),
    (signals.correction_deadline_near, on_correction_deadline_near),
]


def _body_side(body):
    return users_with(
        organisation_id=body.organisation_id, role__in=[Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE]
    )


def _body_payload(body) -> dict:
    return {"organisation": body.name, "code": body.code}


def on_body_decided(sender, decision, actor, **kwargs):
    body = decision.body
    link = reverse("supervision:detail", args=[body.pk])
    if decision.kind == "exit_requested":
        return notify(
            "body_exit_requested",
            municipal_reviewers(),
            {**_body_payload(body), "reason": decision.reason},
            link=link,
        )
    return notify(
        "body_decided",
        _body_side(body),
        {
            **_body_payload(body),
            "decision": str(decision.get_kind_display()),
            "line": f"（{decision.line.offering}）" if decision.line_id else "",
            "reference": decision.reference or "—",
            "reason": decision.reason,
        },
        link=link,
    )


def on_rectification_responded(sender, order, actor, **kwargs):
    return notify(
        "rectification_responded",
        municipal_reviewers(),
        {**_body_payload(order.body), "deadline": str(order.deadline)},
        link=reverse("supervision:detail", args=[order.body_id]),
    )


def on_rectification_sent_back(sender, order, actor, **kwargs):
    return notify(
        "rectification_sent_back",
        _body_side(order.body),
        {**_body_payload(order.body), "deadline": str(order.deadline), "note": order.decision_note},
        link=reverse("supervision:detail", args=[order.body_id]),
    )


def _appointment_payload(appointment) -> dict:
    return {
        "organisation": appointment.body.name,
        "name": appointment.holder_name,
        "grade": str(appointment.get_grade_display()),
        "occupation": appointment.occupation_name,
        "term_end": str(appointment.term_end),
    }


def _appointment_link(appointment) -> str:
    return reverse("appointments:detail", args=[appointment.pk])


def on_appointment_submitted(sender, appointment, actor, **kwargs):
    return notify(
        "appointment_submitted",
        municipal_reviewers(),
        _appointment_payload(appointment),
        link=_appointment_link(appointment),
    )


def on_appointment_decided(sender, appointment, actor, **kwargs):
    return notify(
        "appointment_decided",
        _body_side(appointment.body),
        {
            **_appointment_payload(appointment),
            "outcome": str(appointment.get_status_display()),
            "comment": appointment.review_comment,
        },
        link=_appointment_link(appointment),
    )


def on_appointment_expiring(sender, appointment, **kwargs):
    return notify(
        "appointment_expiring",
        _body_side(appointment.body),
        _appointment_payload(appointment),
        link=_appointment_link(appointment),
        dedupe_key=f"appointment-expiring:{appointment.pk}",
    )


def on_rectification_due(sender, order, overdue, **kwargs):
    kind = "rectification_overdue" if overdue else "rectification_due_soon"
    recipients = _body_side(order.body) + (municipal_reviewers() if overdue else [])
    return notify(
        kind,
        recipients,
        {**_body_payload(order.body), "deadline": str(order.deadline), "reference": order.reference or "—"},
        link=reverse("supervision:detail", args=[order.body_id]),
        dedupe_key=f"{kind}:{order.pk}:{order.deadline}",
    )


def on_task_list_changed(sender, task_list, action, actor, **kwargs):
    """Who hears of an annual task list's step: the reviewers who act next, or the college."""
    org = task_list.organisation
    district = users_with(district_id=org.district_id, role=Role.DISTRICT_REVIEWER)
    college = users_with(organisation_id=org.pk, role__in=[Role.APPLICANT, Role.LEGAL_REPRESENTATIVE])
    payload = {
        "organisation": org.name,
        "year": task_list.year,
        "step": str(task_list.get_status_display()),
        "outcome": str(task_list.get_status_display()),
        "reason": task_list.return_reason,
    }
    link = reverse("dashboard:task_list", args=[task_list.pk])
    if action == "submit":
        return notify("task_list_to_confirm", district, payload, link=link)
    if action == "confirm_district":
        notify("task_list_to_confirm", municipal_reviewers(), payload, link=link)
        return notify("task_list_decided", college, payload, link=link)
    if action in ("confirm_city", "return"):
        return notify("task_list_decided", college, payload, link=link)
    return notify("task_list_reported", district + municipal_reviewers(), payload, link=link)


CONNECTIONS += [
    (signals.task_list_changed, on_task_list_changed),
    (signals.rectification_due, on_rectification_due),
    (signals.appointment_submitted, on_appointment_submitted),
    (signals.appointment_decided, on_appointment_decided),
    (signals.appointment_expiring, on_appointment_expiring),
    (signals.body_decided, on_body_decided),
    (signals.rectification_responded, on_rectification_responded),
    (signals.rectification_sent_back, on_rectification_sent_back),
    (signals.holder_correction_requested, holders.on_holder_correction_requested),
    (signals.holder_correction_decided, holders.on_holder_correction_decided),
    (signals.complaint_received, complaints.on_complaint_received),
    (signals.complaint_decided, complaints.on_complaint_decided),
]


def connect() -> None:
    for signal, receiver in CONNECTIONS:
        signal.connect(receiver, dispatch_uid=f"notify_{receiver.__name__}")
