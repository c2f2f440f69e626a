"""抄送 (copy): whoever completed a task copies the decision to named people or to roles around its subject
(the applicant organisation's legal representative or staff, the district's reviewers, the city's
reviewers). Each copy is a read-only item in the recipient's task inbox with the decision as it was when
copied; nobody receives a copy of something they may not see (the same selectors as the pages)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.status import STATUS

from filing import selectors, signals
from filing.audit import audit_record
from filing.errors import Denied, Invalid, WrongState
from filing.models import AuditEvent, EvaluationPlan, FilingApplication, Membership
from filing.roles import Role
from filing.timeline import payload_rows, sentence

from .models import TaskCopy
from .selectors import node_name, subject_of
from .services import _locked
from .subjects import subject_label


def _organisation_and_district(subject) -> tuple[int | None, int | None]:
    if isinstance(subject, FilingApplication):
        return subject.organisation_id, subject.district_id or subject.organisation.district_id
    if isinstance(subject, EvaluationPlan):
        return subject.body.organisation_id, subject.body.organisation.district_id
    return None, None


def _members(**lookup) -> list:
    ids = Membership.objects.filter(is_active=True, **lookup).values("user_id")
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True))


def _role_members(key: str, subject) -> list:
    organisation, district = _organisation_and_district(subject)
    if key == "legal_rep" and organisation:
        return _members(organisation_id=organisation, role=Role.LEGAL_REPRESENTATIVE)
    if key == "applicant" and organisation:
        return _members(organisation_id=organisation, role=Role.APPLICANT)
    if key == "body_operators" and organisation:
        return _members(organisation_id=organisation, role=Role.BODY_OPERATOR)
    if key == "district_reviewers" and district:
        return _members(district_id=district, role=Role.DISTRICT_REVIEWER)
    if key == "municipal_reviewers":
        return _members(role=Role.MUNICIPAL_REVIEWER)
    return []


#: The roles a decision may be copied to, around its subject.
COPY_ROLES = {
    "legal_rep": gettext_lazy("申报单位法定代表人"),
    "applicant": gettext_lazy("申报单位经办人"),
    "body_operators": gettext_lazy("评价机构考务人员"),
    "district_reviewers": gettext_lazy("所在区人社局审核人员"),
    "municipal_reviewers": gettext_lazy("市级审核人员"),
}


def may_see(user, subject) -> bool:
    if isinstance(subject, FilingApplication):
        return selectors.applications_visible_to(user).filter(pk=subject.pk).exists()
    if isinstance(subject, EvaluationPlan):
        return selectors.plans_visible_to(user).filter(pk=subject.pk).exists()
    return False


def decision_text(task, actor, subject) -> str:
    """The decision the task recorded: the actor's audit entry on the subject while the task ran."""
    events = AuditEvent.objects.filter(
        actor=actor, object_type=subject._meta.label_lower, object_id=str(subject.pk), result="ok"
    ).exclude(action__startswith="task.")
    if task.started:
        events = events.filter(created_at__gte=task.started)
    if task.finished:
        events = events.filter(created_at__lte=task.finished + timezone.timedelta(seconds=5))
    event = events.order_by("-created_at", "-pk").first()
    if event is None:
        return _("%(task)s：已办结") % {"task": task.flow_task.task_title}
    details = "；".join(f"{label}：{words}" for label, words in payload_rows(event) if label != "status")
    return f"{sentence(event)}。{details}" if details else str(sentence(event))


def task_copy(*, actor, task_pk: int, users=(), roles=(), note: str = "") -> list[TaskCopy]:
    """Copy a decision the actor made to ``users`` (ids) and ``roles`` (keys of ``COPY_ROLES``)."""
    note = (note or "").strip()
    if len(note) > 200:
        raise Invalid(_("抄送说明不能超过200字。"), errors={"note": [_("抄送说明不能超过200字。")]})
    unknown = [r for r in roles if r not in COPY_ROLES]
    if unknown:
        raise Invalid(_("未知的抄送角色。"), errors={"roles": [_("未知的抄送角色。")]})

    def body(activation, task):
        subject = subject_of(task)
        if task.status != STATUS.DONE:
            raise WrongState(_("只能抄送已办结的审批结果。"))
        if task.owner_id != actor.pk:
            raise Denied(_("只能抄送本人办理的结果。"), actor=actor, action="task.copy", obj=subject)
        named = list(get_user_model().objects.filter(pk__in=[u for u in users], is_active=True))
        if len(named) != len(set(users)):
            raise Invalid(_("抄送对象不存在。"), errors={"users": [_("抄送对象不存在。")]})
        recipients = {u.pk: u for u in named}
        for key in roles:
            recipients.update({u.pk: u for u in _role_members(key, subject)})
        recipients.pop(actor.pk, None)
        blind = [u for u in named if not may_see(u, subject)]
        if blind:
            names = "、".join(u.get_full_name() or u.get_username() for u in blind)
            message = _("%(names)s无权查看该事项，不能抄送。") % {"names": names}
            raise Invalid(message, errors={"users": [message]})
        recipients = {pk: u for pk, u in recipients.items() if may_see(u, subject)}
        if not recipients:
            raise Invalid(_("请选择抄送对象。"), errors={"users": [_("请选择抄送对象。")]})
        already = set(TaskCopy.objects.filter(task=task).values_list("recipient_id", flat=True))
        text = decision_text(task, actor, subject)
        label = str(subject_label(subject))[:300]
        copies = TaskCopy.objects.bulk_create(
            TaskCopy(task=task, recipient=u, copied_by=actor, subject=label, decision=text, note=note)
            for pk, u in recipients.items()
            if pk not in already
        )
        audit_record(
            actor=actor,
            action="task.copy",
            obj=subject,
            payload={
                "task": task.pk,
                "node": node_name(task),
                "recipients": sorted(c.recipient.get_username() for c in copies),
                "roles": list(roles),
                "note": note,
            },
        )
        if copies:
            signals.task_copied.send(
                sender=TaskCopy,
                copies=copies,
                actor=actor,
                task_title=str(task.flow_task.task_title),
                subject=label,
            )
        return copies

    return _locked(task_pk, body)


@transaction.atomic
def copy_read(*, actor, pk) -> TaskCopy:
    from filing.errors import NotFound

    row = TaskCopy.objects.filter(pk=pk, recipient=actor).first() if str(pk).isdigit() else None
    if row is None:
        raise NotFound(_("抄送不存在。"), actor=actor, action="scope.probe")
    if row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at"])
    return row
