"""Task services: claim, release, transfer (转办) and complete a review task.

Each runs under the domain row's lock and then the flow's row lock (``select_for_update`` on the process),
re-reads the task, checks the task's state (→ ``WrongState``, 409) before the actor's right to it
(→ ``Denied``, 403), calls the `filing` service the node table names for the task's node, and completes the
task — all in one transaction. A contended lock that cannot be taken becomes ``Conflict`` (409).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing import access, signals
from filing.audit import audit_record
from filing.errors import Conflict, Denied, Invalid, WrongState
from filing.models import (
    Complaint,
    EvaluationPlan,
    FilingApplication,
    HolderCorrectionRequest,
    NationalRecord,
    RevocationRequest,
)
from filing.services import review

from . import deputies
from .selectors import node_name, subject_of
from .steps import NODES, REVIEW_NODES


def _locked(task_pk: int, body: Callable[[Any, Task], Any]):
    """Lock the domain row (application or plan), then the process row (viewflow's lock), then run ``body``.

    Domain services lock the domain row first too, and their events reach the flow afterwards, so every
    path takes the two locks in the same order and concurrent calls queue instead of deadlocking.
    """
    task = Task.objects.get(pk=task_pk)
    try:
        with transaction.atomic():
            FilingApplication.objects.select_for_update().filter(review_process=task.process_id).exists()
            EvaluationPlan.objects.select_for_update().filter(process=task.process_id).exists()
            RevocationRequest.objects.select_for_update().filter(process=task.process_id).exists()
            HolderCorrectionRequest.objects.select_for_update().filter(process=task.process_id).exists()
            Complaint.objects.select_for_update().filter(process=task.process_id).exists()
            list(
                NationalRecord.objects.select_for_update(of=("self",))
                .filter(rejection_processes=task.process_id)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            with task.activation() as activation:
                return body(activation, activation.task)
    except FlowLockFailed as exc:
        raise Conflict(_("该任务正在被他人处理，请稍后刷新。")) from exc


def _announce_assignment(task: Task, actor, assignee) -> None:
    signals.task_assigned.send(
        sender=FilingApplication,
        application=subject_of(task),
        actor=actor,
        assignee=assignee,
        task_title=str(task.flow_task.task_title),
    )


def task_claim(*, actor, task_pk: int) -> Task:
    def body(activation, task):
        if task.status != STATUS.NEW:
            raise WrongState(_("该任务已被认领或已办结。"))
        if not activation.flow_task.can_assign(actor, task):
            raise Denied(_("您无权认领该任务。"), actor=actor, action="task.claim", obj=subject_of(task))
        # Four-eyes and recusal are checked now, before the reviewer writes an opinion (not at the decision).
        spec = NODES.get(node_name(task))
        if spec is not None and spec.decides_review_step:
            refusal = review.reviewer_refusal(actor, subject_of(task), spec.step)
            if refusal:
                raise Denied(refusal, actor=actor, action="task.claim", obj=subject_of(task))
        activation.assign(actor)
        audit_record(
            actor=actor,
            action="task.claim",
            obj=subject_of(task),
            payload={"task": task.pk, "node": node_name(task)},
        )
        _announce_assignment(task, actor, actor)
        return task

    return _locked(task_pk, body)


def task_release(*, actor, task_pk: int) -> Task:
    def body(activation, task):
        if task.status != STATUS.ASSIGNED:
            raise WrongState(_("该任务未被认领或已办结。"))
        if task.owner_id != actor.pk:
            raise Denied(
                _("只能释放本人认领的任务。"), actor=actor, action="task.release", obj=subject_of(task)
            )
        spec = NODES.get(node_name(task))
        if spec is None or spec.personal:
            raise WrongState(_("该任务指定由本人办理，不能释放。"))
        activation.unassign()
        audit_record(actor=actor, action="task.release", obj=subject_of(task), payload={"task": task.pk})
        return task

    return _locked(task_pk, body)


def task_transfer(*, actor, task_pk: int, to_user_pk, reason: str) -> Task:
    """转办: a unit lead hands a task to a colleague who could claim it himself."""
    User = get_user_model()

    def body(activation, task):
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise WrongState(_("已办结的任务不能转办。"))
        subject = subject_of(task)
        spec = NODES.get(node_name(task))
        role = spec.unit_role if spec is not None else None
        if not (
            role
            and access.is_unit_lead(actor, role)
            and task.owner_permission
            and actor.has_perm(task.owner_permission)
        ):
            raise Denied(
                _("只有本科室负责人可以转办任务。"), actor=actor, action="task.transfer", obj=subject
            )
        target = (
            User.objects.filter(pk=to_user_pk, is_active=True).first() if str(to_user_pk).isdigit() else None
        )
        if target is None or not target.has_perm(task.owner_permission):
            raise Denied(_("接收人无权办理该任务。"), actor=actor, action="task.transfer", obj=subject)
        if spec.decides_review_step and not review.may_decide(target, subject, spec.step):
            raise Denied(
                _("接收人须回避或已办理过本申请的其他环节。"),
                actor=actor,
                action="task.transfer",
                obj=subject,
            )
        if not reason.strip():
            raise Invalid(_("请填写转办说明。"), errors={"reason": [_("请填写转办说明。")]})
        task.owner = target
        task.status = STATUS.ASSIGNED
        task.save(update_fields=["owner", "status"])
        audit_record(
            actor=actor,
            action="task.transfer",
            obj=subject,
            payload={"task": task.pk, "to": target.get_username(), "reason": reason},
        )
        _announce_assignment(task, actor, target)
        return task

    return _locked(task_pk, body)


def task_complete(*, actor, task_pk: int, arguments: dict, nodes: Iterable[str] | None = None):
    """Claim if needed, run the node's service with ``arguments``, complete the task — atomically.
    ``nodes`` restricts which nodes the caller means (a review decision sent to a scoring task is refused)."""

    def body(activation, task):
        name = node_name(task)
        spec = NODES.get(name)
        if spec is None or spec.work is None or (nodes is not None and name not in nodes):
            raise WrongState(_("该任务不是此类审批环节。"))
        if task.status == STATUS.NEW:
            # An open task nobody claimed: not the actor's to take is a refusal (403), not a wrong state.
            if not activation.flow_task.can_assign(actor, task):
                raise Denied(
                    _("您无权办理该任务。"), actor=actor, action=f"task.{name}", obj=subject_of(task)
                )
            activation.assign(actor)
        if task.status != STATUS.ASSIGNED:
            raise WrongState(_("该任务已办结或已被取消。"))
        principal = deputies.take_over(actor, task)  # 代理: the deputy acts on the principal's task
        if not activation.flow_task.can_execute(actor, task):
            raise Denied(_("该任务不是由您办理。"), actor=actor, action=f"task.{name}", obj=subject_of(task))
        activation.start(None)
        subject = subject_of(task)
        result = spec.work(actor, subject, task, spec, **arguments)
        activation.execute()
        if principal is not None:
            deputies.record_on_behalf(actor, task, principal, subject)
        return result

    return _locked(task_pk, body)


# --- one call per kind of node, for code that knows what it decides (demo, scenarios, tests) -------------


def task_review(
    *, actor, task_pk: int, outcome: str, comment: str, correction_items=None, correction_deadline=None
):
    arguments = {
        "outcome": outcome,
        "comment": comment,
        "correction_items": correction_items,
        "correction_deadline": correction_deadline,
    }
    return task_complete(actor=actor, task_pk=task_pk, arguments=arguments, nodes=REVIEW_NODES)


def task_assign_panel(*, actor, task_pk: int, experts: list):
    return task_complete(actor=actor, task_pk=task_pk, arguments={"experts": experts}, nodes={"expert_panel"})


def task_expert_score(*, actor, task_pk: int, scores: dict):
    return task_complete(actor=actor, task_pk=task_pk, arguments={"scores": scores}, nodes={"expert_score"})


def task_expert_conflict(*, actor, task_pk: int, reason: str):
    return task_complete(
        actor=actor, task_pk=task_pk, arguments={"conflict_reason": reason}, nodes={"expert_score"}
    )


def task_decide(*, actor, task_pk: int, line_decisions: dict, comment: str, today=None):
    arguments = {"line_decisions": line_decisions, "comment": comment, "today": today}
    return task_complete(actor=actor, task_pk=task_pk, arguments=arguments, nodes={"decision"})


def task_plan_review(*, actor, task_pk: int, approve: bool, comment: str):
    arguments = {"approve": approve, "comment": comment}
    return task_complete(actor=actor, task_pk=task_pk, arguments=arguments, nodes={"confirm_plan"})


def task_results_audit(*, actor, task_pk: int, approve: bool, comment: str, today=None):
    arguments = {"approve": approve, "comment": comment, "today": today}
    return task_complete(actor=actor, task_pk=task_pk, arguments=arguments, nodes={"audit_results"})


def task_revocation_review(*, actor, task_pk: int, approve: bool, comment: str):
    arguments = {"approve": approve, "comment": comment}
    return task_complete(actor=actor, task_pk=task_pk, arguments=arguments, nodes={"review_revocation"})


def task_holder_correction_review(*, actor, task_pk: int, approve: bool, comment: str = ""):
    arguments = {"approve": approve, "comment": comment}
    return task_complete(
        actor=actor, task_pk=task_pk, arguments=arguments, nodes={"review_holder_correction"}
    )


def task_national_rejection_resubmit(*, actor, task_pk: int, note: str):
    return task_complete(
        actor=actor,
        task_pk=task_pk,
        arguments={"decision": "resubmit", "note": note},
        nodes={"fix_national_rejection"},
    )
