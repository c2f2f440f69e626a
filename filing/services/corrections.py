"""Return for correction (补正): the one consolidated deficiency list, what the applicant may change while it
is open, what changed since the return, and the lapse of a correction not answered in time.

What is correctable is said here once: the application fields (``CORRECTABLE_FIELDS``), any line (or a new
line), any attachment kind. Review forms, the edit pages and the services all read it from here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filing import access, signals
from filing.audit import audit_record
from filing.clock import NEAR_DEADLINE_DAYS
from filing.errors import Invalid, WrongState
from filing.models import (
    ApplicationStatus,
    AttachmentKind,
    Correction,
    FilingApplication,
)
from filing.roles import Role
from filing.services.common import deny_unless, lock_application, require_transition, save_application
from filing.workdays import UnknownCalendarYear, working_days_between

S = ApplicationStatus

#: The application's own fields an applicant edits (and a reviewer may tick for correction), with labels.
CORRECTABLE_FIELDS = {
    "summary": gettext_lazy("申请说明"),
    "contact_name": gettext_lazy("联系人"),
    "contact_phone": gettext_lazy("联系电话"),
}
NEW_LINE = "new"


def open_correction(application: FilingApplication) -> Correction | None:
    return application.corrections.filter(state=Correction.State.OPEN).order_by("-round").first()


def last_answered(application: FilingApplication) -> Correction | None:
    return application.corrections.filter(state=Correction.State.ANSWERED).order_by("-round").first()


def correction_items(application: FilingApplication) -> list[tuple[str, str]]:
    """Every item a reviewer may tick, as ``("kind:key", label)``: fields, each line, a new line, each kind
    of attachment."""
    items = [(f"field:{name}", str(label)) for name, label in CORRECTABLE_FIELDS.items()]
    for line in application.lines.select_related("offering__occupation", "offering__work_type"):
        items.append((f"line:{line.pk}", _("备案项目：%(line)s") % {"line": line.offering}))
    items.append((f"line:{NEW_LINE}", _("新增备案项目")))
    items += [
        (f"attachment:{value}", _("材料：%(label)s") % {"label": label})
        for value, label in AttachmentKind.choices
    ]
    return items


@dataclass(frozen=True)
class EditRights:
    """What a user may change on an application right now (drafts: everything; a returned application: the
    ticked items only; anything else: nothing)."""

    fields: frozenset[str] = frozenset()
    new_line: bool = False
    lines: frozenset[int] = frozenset()
    attachments: frozenset[str] = frozenset()

    @property
    def anything(self) -> bool:
        return bool(self.fields or self.new_line or self.lines or self.attachments)


NOTHING = EditRights()


def edit_rights(user, application: FilingApplication) -> EditRights:
    if not access.acts_for(user, application.organisation_id, Role.APPLICANT):
        return NOTHING
    line_ids = [line.pk for line in application.lines.all()]
    if application.status == S.DRAFT:
        return EditRights(
            frozenset(CORRECTABLE_FIELDS), True, frozenset(line_ids), frozenset(AttachmentKind.values)
        )
    correction = open_correction(application) if application.status == S.RETURNED else None
    if correction is None:
        return NOTHING
    return EditRights(
        frozenset(name for name in CORRECTABLE_FIELDS if correction.allows("field", name)),
        correction.allows("line", NEW_LINE),
        frozenset(pk for pk in line_ids if correction.allows("line", pk)),
        frozenset(kind for kind in AttachmentKind.values if correction.allows("attachment", kind)),
    )


def require_editable(actor, application: FilingApplication, kind: str, key, action: str) -> None:
    """Drafts are freely editable; a returned application only in the items the reviewer ticked."""
    deny_unless(
        access.acts_for(actor, application.organisation_id, Role.APPLICANT),
        actor=actor,
        action=action,
        obj=application,
        message=_("只有申报单位经办人可以修改申请。"),
    )
    if application.status == S.DRAFT:
        return
    if application.status == S.RETURNED:
        correction = open_correction(application)
        if correction is not None and correction.allows(kind, key):
            return
        raise WrongState(_("补正期间只能修改审核人员标注的需补正事项。"))
    raise WrongState(_("申请已提交，不能修改。"))


def snapshot(application: FilingApplication) -> dict:
    """What the applicant submitted, to show reviewers what changed after a correction."""
    return {
        "fields": {name: getattr(application, name) for name in CORRECTABLE_FIELDS},
        "lines": {
            str(line.pk): {
                "offering": str(line.offering),
                "venue": line.venue,
                "equipment": line.equipment,
                "evaluator_pool": line.evaluator_pool,
                "majors": sorted(str(m) for m in line.majors.all()),
            }
            for line in application.lines.prefetch_related("majors").select_related(
                "offering__occupation", "offering__work_type"
            )
        },
        "attachments": {
            a.kind: {"name": a.original_name, "sha256": a.sha256}
            for a in application.attachments.filter(superseded_at__isnull=True)
        },
    }


def changes_since(correction: Correction) -> list[dict]:
    """Differences between the snapshot at return and the application now: [{"item", "before", "after"}]."""
    now = snapshot(correction.application)
    before = correction.snapshot or {}
    out = []
    for name, label in CORRECTABLE_FIELDS.items():
        a, b = before.get("fields", {}).get(name), now["fields"].get(name)
        if a != b:
            out.append({"item": str(label), "before": a, "after": b})
    old_lines, new_lines = before.get("lines", {}), now["lines"]
    for key in sorted(set(old_lines) | set(new_lines)):
        a, b = old_lines.get(key), new_lines.get(key)
        if a != b:
            out.append(
                {"item": _("备案项目：%(line)s") % {"line": (b or a)["offering"]}, "before": a, "after": b}
            )
    old_files, new_files = before.get("attachments", {}), now["attachments"]
    for kind in sorted(set(old_files) | set(new_files)):
        a, b = old_files.get(kind), new_files.get(kind)
        if a != b:
            out.append(
                {
                    "item": _("材料：%(label)s") % {"label": AttachmentKind(kind).label},
                    "before": a and a["name"],
                    "after": b and b["name"],
                }
            )
    return out


def validate_items(application: FilingApplication, items: list[dict]) -> list[dict]:
    """The ticked items, each one the application has; at least one."""
    valid_lines = {str(pk) for pk in application.lines.values_list("pk", flat=True)} | {NEW_LINE}
    clean = []
    for item in items:
        if not isinstance(item, dict):
            raise Invalid(_("补正事项不合法。"), errors={"items": [_("补正事项格式不正确。")]})
        kind, key = item.get("kind"), str(item.get("key", ""))
        ok = (
            (kind == "field" and key in CORRECTABLE_FIELDS)
            or (kind == "line" and key in valid_lines)
            or (kind == "attachment" and key in AttachmentKind.values)
        )
        if not ok:
            message = _("无法识别的补正事项：%(kind)s/%(key)s") % {"kind": kind, "key": key}
            raise Invalid(_("补正事项不合法。"), errors={"items": [message]})
        clean.append(
            {"kind": kind, "key": key, "label": str(item.get("label", "")), "note": str(item.get("note", ""))}
        )
    if not clean:
        raise Invalid(_("请勾选需补正的事项。"), errors={"items": [_("请至少勾选一项需补正的内容。")]})
    return clean


def correction_open(
    *, actor, application: FilingApplication, step: str, comment: str, items: list[dict], deadline
) -> Correction:
    """The consolidated deficiency list of a return (called by the review step that returns)."""
    return Correction.objects.create(
        application=application,
        round=application.corrections.count() + 1,
        step=step,
        requested_by=actor,
        deadline=deadline,
        comment=comment,
        items=items,
        snapshot=snapshot(application),
    )


@transaction.atomic
def correction_lapse(*, application: FilingApplication, today: datetime.date | None = None) -> bool:
    """Called by the periodic timer: a correction whose deadline passed unanswered lapses the application."""
    today = today or timezone.localdate()
    application = lock_application(application)
    if application.status != S.RETURNED:
        return False
    correction = open_correction(application)
    if correction is None or correction.deadline >= today:
        return False
    require_transition(application, application.lapse, _("该申请不在补正阶段。"))
    application.lapse()
    application.closed_at = timezone.now()
    application.closing_reason = _("未在补正期限（%(deadline)s）内补正。") % {"deadline": correction.deadline}
    save_application(application, today)
    correction.lapse()
    correction.save()
    audit_record(action="application.lapse", obj=application, payload={"deadline": str(correction.deadline)})
    signals.application_lapsed.send(sender=FilingApplication, application=application, correction=correction)
    return True


def lapse_overdue_corrections(today: datetime.date | None = None) -> list[int]:
    today = today or timezone.localdate()
    due = Correction.objects.filter(state=Correction.State.OPEN, deadline__lt=today).values_list(
        "application_id", flat=True
    )
    return [pk for pk in list(due) if correction_lapse(application=FilingApplication(pk=pk), today=today)]


def remind_corrections(today: datetime.date | None = None) -> int:
    """Announce every open correction whose deadline is at most ``NEAR_DEADLINE_DAYS`` working days away
    (the receivers remind the applicants, once each); returns how many reminders were recorded."""
    today = today or timezone.localdate()
    recorded = 0
    for correction in Correction.objects.filter(state=Correction.State.OPEN).select_related(
        "application__organisation", "application__district"
    ):
        try:
            left = working_days_between(today, correction.deadline)
        except UnknownCalendarYear:
            left = (correction.deadline - today).days
        if 0 <= left <= NEAR_DEADLINE_DAYS:
            responses = signals.correction_deadline_near.send(
                sender=FilingApplication, application=correction.application, correction=correction
            )
            recorded += any(response for _receiver, response in responses)
    return recorded
