"""Task operations every human node has, whatever its flow (docs/approval-operations.md):

- 催办 (``task_urge``): the applicant's side or a superior urges a waiting task; its owner, or everyone who
  could claim it, is notified at once; ``WORKFLOW["URGE_DAILY_LIMIT"]`` urges per person, task and day.
- 拿回 (``task_take_back``): whoever completed a task takes it back while the next human task has not
  started — i.e. is still NEW: nobody claimed it, nobody was handed it (转办), nobody acted on it. The next
  task is cancelled, the gateways between are undone, the task is revived and assigned to its former owner.
  The node table's ``take_back`` undoes the decision in the domain (nodes without one refuse).
- 退回到已办环节 (``task_send_back``): the node table's ``returns_to`` names the earlier nodes a task may
  return to; the domain call moves the subject back, the flow's gateway reopens that node, and the reopened
  task goes to whoever completed it before (when they still may act on it; the queue otherwise).
- 批量审批 (``task_batch_approve``): one opinion for several tasks of one node whose node table entry has an
  ``approval``; every task is completed by ``task_complete`` in its own transaction, so a failure changes
  nothing of that task and nothing of the others; the run and every result are kept (``BatchRun``).

The operations are written once here against viewflow's task graph; only what a decision means in the domain
lives in the node table (:mod:`workflows.steps`), which is what makes them flow-level rather than per node.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing import access, selectors, signals
from filing.audit import audit_record
from filing.errors import Conflict, Denied, DomainError, Invalid, NotFound, WrongState
from filing.models import EvaluationPlan, FilingApplication, RevocationRequest
from filing.roles import Role

from . import deputies, registry
from .models import BatchRun, TaskUrge
from .selectors import get_task_for, node_name, subject_of, task_assignees
from .services import _locked, task_complete
from .steps import NODES

logger = logging.getLogger(__name__)
WAITING = (STATUS.NEW, STATUS.ASSIGNED)


def setting(name: str):
    return settings.WORKFLOW[name]


# --- 催办 --------------------------------------------------------------------------------------------------


def _applicant_side(actor, subject) -> bool:
    """The person waiting on the task: the applicant organisation's staff, or the plan's body operators."""
    if isinstance(subject, FilingApplication):
        return access.acts_for(actor, subject.organisation_id, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE)
    if isinstance(subject, EvaluationPlan):
        return access.operates_body(actor, subject.body)
    if isinstance(subject, RevocationRequest):
        return access.operates_body(actor, subject.certificate.body)
    return False


def _superior(actor, task: Task) -> bool:
    """The unit lead of the node's unit (who sees its queue), or the city over a district's step."""
    spec = NODES.get(node_name(task))
    role = spec.unit_role if spec is not None else None
    if not role:
        return False
    if access.is_unit_lead(actor, role) and task.owner_permission and actor.has_perm(task.owner_permission):
        return True
    return role == Role.DISTRICT_REVIEWER and access.is_municipal_reviewer(actor)


def urge_refusal(actor, task: Task, subject=None) -> str | None:
    """Why ``actor`` may not urge ``task`` (None: they may); asked by the pages before offering the button."""
    subject = subject if subject is not None else subject_of(task)
    if task.owner_id == actor.pk:
        return _("不能催办本人的待办。")
    if not (_applicant_side(actor, subject) or _superior(actor, task)):
        return _("只有申请方或上级可以催办该任务。")
    return None


def get_task_to_urge(user, task_pk) -> Task:
    """A task the user may see as a task, or an open task on a filing or plan the user may see (the
    applicant sees its application, not the reviewers' queue); otherwise NotFound."""
    try:
        return get_task_for(user, task_pk)
    except NotFound:
        pass
    task = Task.objects.select_related("process", "owner").filter(pk=task_pk).first()
    if task is not None and task.process.flow_class in registry.flows():
        subject = subject_of(task)
        if isinstance(subject, FilingApplication):
            visible = selectors.applications_visible_to(user).filter(pk=subject.pk).exists()
        elif isinstance(subject, EvaluationPlan):
            visible = selectors.plans_visible_to(user).filter(pk=subject.pk).exists()
        else:
            visible = False
        if visible:
            return task
    raise NotFound(_("任务不存在。"), actor=user, action="scope.probe", obj=task)


def urges_today(task: Task, actor, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    return TaskUrge.objects.filter(
        task=task, urged_by=actor, created_at__gte=start, created_at__lt=end
    ).count()


def task_urge(*, actor, task_pk: int, note: str = "", today: datetime.date | None = None) -> TaskUrge:
    """催办 a waiting human task: recorded, audited, and its owner (or its queue) notified after commit."""
    note = (note or "").strip()
    if len(note) > 200:
        raise Invalid(_("催办说明不能超过200字。"), errors={"note": [_("催办说明不能超过200字。")]})

    def body(activation, task):
        if task.status not in WAITING or task.flow_task_type != "HUMAN":
            raise WrongState(_("该任务已办结，无需催办。"))
        subject = subject_of(task)
        refusal = urge_refusal(actor, task, subject)
        if refusal:
            raise Denied(refusal, actor=actor, action="task.urge", obj=subject)
        limit = setting("URGE_DAILY_LIMIT")
        day = today or timezone.localdate()
        if urges_today(task, actor, day) >= limit:
            raise Conflict(
                _("您在%(date)s已催办该任务%(limit)d次（每人每天最多%(limit)d次），请次日再催办。")
                % {"date": day.isoformat(), "limit": limit}
            )
        urge = TaskUrge.objects.create(task=task, urged_by=actor, note=note)
        count = TaskUrge.objects.filter(task=task).count()
        audit_record(
            actor=actor,
            action="task.urge",
            obj=subject,
            payload={"task": task.pk, "node": node_name(task), "note": note, "count": count},
        )
        signals.task_urged.send(
            sender=FilingApplication,
            subject=subject,
            actor=actor,
            recipients=task_assignees(task),
            task_title=str(task.flow_task.task_title),
            note=note,
            count=count,
        )
        return urge

    return _locked(task_pk, body)


def urge_summary(tasks) -> dict[int, dict]:
    """For each task: how often it was urged, the last urge and who urged it (two queries)."""
    pks = [t.pk for t in tasks]
    counts = dict(
        TaskUrge.objects.filter(task__in=pks).values("task").annotate(n=Count("id")).values_list("task", "n")
    )
    summary: dict[int, dict] = {pk: {"count": counts.get(pk, 0), "urges": []} for pk in pks}
    for urge in TaskUrge.objects.filter(task__in=pks).select_related("urged_by")[:200]:
        summary[urge.task_id]["urges"].append(urge)
    return summary


# --- 拿回 --------------------------------------------------------------------------------------------------


def _following(task: Task) -> tuple[list[Task], list[Task]]:
    """The gateway tasks between ``task`` and the next human tasks (nearest first), and those human tasks."""
    gateways, humans, frontier = [], [], list(task.leading.all())
    while frontier:
        nxt = frontier.pop(0)
        if nxt.flow_task_type == "HUMAN":
            humans.append(nxt)
        else:
            gateways.append(nxt)
            frontier.extend(nxt.leading.all())
    return gateways, humans


def take_back_refusal(actor, task: Task) -> str | None:
    """Why ``actor`` cannot take ``task`` back now (None: they can). "Started" means the next human task is
    no longer NEW: claimed, handed to someone (转办), being done or done."""
    spec = NODES.get(node_name(task))
    if spec is None or spec.take_back is None:
        return _("该环节不支持拿回。")
    if task.status != STATUS.DONE:
        return _("只能拿回已办结的任务。")
    if task.owner_id != actor.pk:
        return _("只能拿回本人办理的任务。")
    gateways, humans = _following(task)
    if not humans or any(g.status != STATUS.DONE for g in gateways):
        return _("该任务之后没有可拿回的待办环节。")
    if any(h.status != STATUS.NEW for h in humans):
        return _("下一环节已经开始办理（已认领或已办理），不能拿回。")
    return None


def task_take_back(*, actor, task_pk: int) -> Task:
    """拿回: cancel the next (unstarted) task, reopen the actor's own and give it back to them; audited."""

    def body(activation, task):
        subject = subject_of(task)
        if task.owner_id != actor.pk:
            raise Denied(_("只能拿回本人办理的任务。"), actor=actor, action="task.take_back", obj=subject)
        refusal = take_back_refusal(actor, task)
        if refusal:
            raise WrongState(refusal)
        spec = NODES[node_name(task)]
        gateways, humans = _following(task)
        spec.take_back(actor, subject, task, spec)
        for nxt in humans:
            nxt.flow_task.activation_class(nxt).cancel()
        for gateway in reversed(gateways):
            gateway.flow_task.activation_class(gateway).undo()
        activation.undo()
        revived = activation.revive()
        revived.flow_task.activation_class(revived).assign(actor)
        audit_record(
            actor=actor,
            action="task.take_back",
            obj=subject,
            payload={
                "task": task.pk,
                "node": node_name(task),
                "reopened": revived.pk,
                "cancelled": [t.pk for t in humans],
            },
        )
        return revived

    return _locked(task_pk, body)


# --- 退回到已办环节 -----------------------------------------------------------------------------------------


def task_send_back(*, actor, task_pk: int, to_node: str, comment: str) -> Task:
    """Return the task's subject to an earlier node already done in this process (the node table says which
    nodes may); the reopened task goes to whoever did it before when they still may act on it."""

    def body(activation, task):
        name = node_name(task)
        spec = NODES.get(name)
        if spec is None or to_node not in spec.returns_to:
            raise WrongState(_("该环节不能退回到所选环节。"))
        if task.status not in WAITING:
            raise WrongState(_("该任务已办结或已被取消。"))
        subject = subject_of(task)
        if task.status == STATUS.NEW:
            if not activation.flow_task.can_assign(actor, task):
                raise Denied(_("您无权办理该任务。"), actor=actor, action=f"task.{name}", obj=subject)
            activation.assign(actor)
        principal = deputies.take_over(actor, task)
        if not activation.flow_task.can_execute(actor, task):
            raise Denied(_("该任务不是由您办理。"), actor=actor, action=f"task.{name}", obj=subject)
        earlier_node = getattr(task.flow_task.flow_class, to_node)
        earlier = (
            Task.objects.filter(process=task.process, flow_task=earlier_node, status=STATUS.DONE)
            .select_related("owner")
            .order_by("-finished")
            .first()
        )
        if earlier is None:
            raise WrongState(_("所选环节尚未办理过，不能退回。"))
        activation.start(None)
        spec.returns_to[to_node](actor, subject, task, spec, comment=comment)
        activation.execute()
        if principal is not None:
            deputies.record_on_behalf(actor, task, principal, subject)
        reopened = Task.objects.get(process=task.process, flow_task=earlier_node, status=STATUS.NEW)
        owner = deputies.effective_owner(earlier.owner)  # away: the deputy gets it
        if (
            owner is not None
            and owner.is_active
            and reopened.owner_permission
            and (owner.has_perm(reopened.owner_permission))
        ):
            reopened.flow_task.activation_class(reopened).assign(owner)
        audit_record(
            actor=actor,
            action="task.send_back",
            obj=subject,
            payload={"task": task.pk, "node": name, "to": to_node, "reopened": reopened.pk},
        )
        return reopened

    return _locked(task_pk, body)


# --- 批量审批 ----------------------------------------------------------------------------------------------


def task_batch_approve(*, actor, node: str, task_pks: list, comment: str) -> BatchRun:
    """Approve several tasks of ``node`` with one opinion, each in its own transaction with its own result:
    a failure is listed (with its reason) and changes nothing; the successes stay committed."""
    spec = NODES.get(node)
    if spec is None or spec.approval is None:
        raise Invalid(_("该环节不支持批量审批。"), errors={"node": [_("该环节不支持批量审批。")]})
    if not (comment or "").strip():
        raise Invalid(_("请填写审批意见。"), errors={"comment": [_("审批意见不能为空。")]})
    pks = list(dict.fromkeys(task_pks or []))
    if not pks or len(pks) > setting("BATCH_MAX_TASKS"):
        message = _("请选择1至%(n)d项任务。") % {"n": setting("BATCH_MAX_TASKS")}
        raise Invalid(message, errors={"tasks": [message]})
    results = []
    for pk in pks:
        try:
            task = get_task_for(actor, pk)
            if node_name(task) != node:
                raise WrongState(_("该任务不是所选环节的任务。"))
            subject = subject_of(task)
            arguments = spec.approval(actor, subject, task, spec, comment=comment)
            task_complete(actor=actor, task_pk=task.pk, arguments=arguments, nodes={node})
        except NotFound:
            results.append({"task": pk, "ok": False, "message": _("任务不存在。")})
        except DomainError as exc:
            if isinstance(exc, Denied):
                exc.record()
            results.append({"task": pk, "ok": False, "message": str(exc.message)})
        except Exception:  # one task's fault is that task's result: the others still get theirs
            logger.exception("batch approval of task %s failed", pk)
            results.append(
                {"task": pk, "ok": False, "message": _("系统错误，未办理；请单独办理或联系管理员。")}
            )
        else:
            results.append({"task": pk, "ok": True, "message": _("已办理")})
    run = BatchRun.objects.create(actor=actor, node=node, comment=comment, results=results)
    audit_record(
        actor=actor,
        action="task.batch",
        object_type="batchrun",
        object_id=str(run.pk),
        payload={
            "node": node,
            "done": [r["task"] for r in results if r["ok"]],
            "failed": [r["task"] for r in results if not r["ok"]],
        },
    )
    return run
