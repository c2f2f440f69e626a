"""Task services: claim, release, transfer (转办) and decide a review task.

Each runs under the flow's row lock (``select_for_update`` on the process), re-reads the task, checks the
task's state (→ ``WrongState``, 409) before the actor's right to it (→ ``Denied``, 403), calls the `filing`
service that changes the application, and completes the task — all in one transaction. A contended lock
that cannot be taken becomes ``Conflict`` (409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing import access, signals
from filing.audit import audit_record
from filing.errors import Conflict, Denied, NotFound, WrongState
from filing.models import ExpertAssignment, FilingApplication
from filing.roles import Role
from filing.services import review

from .models import FilingReviewProcess, PlanProcess

OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
REVIEW_NODES = {"district_accept", "district_review", "municipal_review"}


def flow_class():
    from .flows import FilingReviewFlow

    return FilingReviewFlow


def plan_flow_class():
    from .flows import PlanFlow

    return PlanFlow


def all_flows():
    return [flow_class(), plan_flow_class()]


def process_for(application: FilingApplication) -> FilingReviewProcess | None:
    return FilingReviewProcess.objects.filter(application=application).first()


def open_tasks(application: FilingApplication):
    return Task.objects.filter(
        process__filingreviewprocess__application=application, status__in=OPEN
    ).select_related("owner")


def node_name(task: Task) -> str:
    return task.flow_task.name


def tasks_visible_to(user):
    """Tasks the user owns (inbox), may claim (queue) or has finished (archive)."""
    flows = all_flows()
    return {
        "inbox": Task.objects.inbox(flows, user).select_related("process", "owner"),
        "queue": Task.objects.queue(flows, user).select_related("process"),
        "archive": Task.objects.archive(flows, user).select_related("process").order_by("-finished")[:20],
    }


def task_summary(user) -> list[dict]:
    """The home page's task figures: tasks the user owns and tasks the user may claim."""
    flows = all_flows()
    if not flows or not user.is_authenticated:
        return []
    inbox = Task.objects.inbox(flows, user).count()
    queue = Task.objects.queue(flows, user).count()
    reviewer_roles = (Role.DISTRICT_REVIEWER, Role.MUNICIPAL_REVIEWER, Role.EXPERT)
    if not (inbox or queue or any(access.has_role(user, role) for role in reviewer_roles)):
        return []
    url = reverse("tasks:inbox")
    return [
        {"label": _("我的待办"), "count": inbox, "url": url},
        {"label": _("待认领"), "count": queue, "url": url},
    ]


def get_task_for(user, task_pk: int) -> Task:
    """A task the user owns or may claim or has done; otherwise NotFound (absent and foreign look alike)."""
    try:
        task = Task.objects.select_related("process", "owner").get(pk=task_pk)
    except (Task.DoesNotExist, ValueError, TypeError):
        raise NotFound("任务不存在。") from None
    if task.process.flow_class not in all_flows():
        raise NotFound("任务不存在。")
    if task.owner_id == user.pk:
        return task
    if task.owner_permission and user.has_perm(task.owner_permission):
        return task
    raise NotFound("任务不存在。")


def _application(task: Task) -> FilingApplication:
    return FilingReviewProcess.objects.select_related("application").get(pk=task.process_id).application


def _locked(task_pk: int, body: Callable[[Any, Task], Any]):
    """Lock the application row, then the process row (viewflow's lock), then run ``body``.

    Domain services lock the application row first too, and their events reach the flow afterwards, so
    every path takes the two locks in the same order and concurrent calls queue instead of deadlocking.
    """
    task = Task.objects.get(pk=task_pk)
    from filing.models import EvaluationPlan

    try:
        with transaction.atomic():
            FilingApplication.objects.select_for_update().filter(review_process=task.process_id).exists()
            EvaluationPlan.objects.select_for_update().filter(process=task.process_id).exists()
            with task.activation() as activation:
                return body(activation, activation.task)
    except FlowLockFailed as exc:
        raise Conflict("该任务正在被他人处理，请稍后刷新。") from exc


def task_claim(*, actor, task_pk: int) -> Task:
    def body(activation, task):
        if task.status != STATUS.NEW:
            raise WrongState("该任务已被认领或已办结。")
        if not activation.flow_task.can_assign(actor, task):
            raise Denied("您无权认领该任务。", actor=actor, action="task.claim", obj=_subject(task))
        activation.assign(actor)
        application = _subject(task)
        audit_record(
            actor=actor,
            action="task.claim",
            obj=application,
            payload={"task": task.pk, "node": node_name(task)},
        )
        signals.task_assigned.send(
            sender=FilingApplication,
            application=application,
            actor=actor,
            assignee=actor,
            task_title=str(task.flow_task.task_title),
        )
        return task

    return _locked(task_pk, body)


def task_release(*, actor, task_pk: int) -> Task:
    def body(activation, task):
        if task.status != STATUS.ASSIGNED:
            raise WrongState("该任务未被认领或已办结。")
        if task.owner_id != actor.pk:
            raise Denied("只能释放本人认领的任务。", actor=actor, action="task.release", obj=_subject(task))
        if node_name(task) in ("expert_score", "correction"):
            raise WrongState("该任务指定由本人办理，不能释放。")
        activation.unassign()
        audit_record(actor=actor, action="task.release", obj=_subject(task), payload={"task": task.pk})
        return task

    return _locked(task_pk, body)


def task_transfer(*, actor, task_pk: int, to_user_pk: int, reason: str) -> Task:
    """转办: a unit lead hands a task to a colleague who could claim it himself."""
    User = get_user_model()

    def body(activation, task):
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise WrongState("已办结的任务不能转办。")
        application = _subject(task)
        role = Role.DISTRICT_REVIEWER if node_name(task).startswith("district") else Role.MUNICIPAL_REVIEWER
        if not (
            access.is_unit_lead(actor, role)
            and task.owner_permission
            and actor.has_perm(task.owner_permission)
        ):
            raise Denied(
                "只有本科室负责人可以转办任务。", actor=actor, action="task.transfer", obj=application
            )
        target = User.objects.filter(pk=to_user_pk, is_active=True).first()
        if target is None or not target.has_perm(task.owner_permission):
            raise Denied("接收人无权办理该任务。", actor=actor, action="task.transfer", obj=application)
        if not review.may_decide(target, application, node_name(task)) and node_name(task) in REVIEW_NODES:
            raise Denied(
                "接收人须回避或已办理过本申请的其他环节。",
                actor=actor,
                action="task.transfer",
                obj=application,
            )
        if not reason.strip():
            from filing.errors import Invalid

            raise Invalid("请填写转办说明。", errors={"reason": ["请填写转办说明。"]})
        task.owner = target
        task.status = STATUS.ASSIGNED
        task.save(update_fields=["owner", "status"])
        audit_record(
            actor=actor,
            action="task.transfer",
            obj=application,
            payload={"task": task.pk, "to": target.get_username(), "reason": reason},
        )
        signals.task_assigned.send(
            sender=FilingApplication,
            application=application,
            actor=actor,
            assignee=target,
            task_title=str(task.flow_task.task_title),
        )
        return task

    return _locked(task_pk, body)


def _subject(task: Task):
    """The domain object a task is about: a filing application or an evaluation plan."""
    if task.process.flow_class is plan_flow_class():
        return PlanProcess.objects.select_related("plan").get(pk=task.process_id).plan
    return _application(task)


def _execute(actor, task_pk: int, nodes: set[str], work: Callable[[Any, Task], Any]):
    """Claim if needed, run ``work`` (a filing service call), complete the task — atomically."""

    def body(activation, task):
        if node_name(task) not in nodes:
            raise WrongState("该任务不是此类审批环节。")
        if task.status == STATUS.NEW and activation.flow_task.can_assign(actor, task):
            activation.assign(actor)
        if task.status != STATUS.ASSIGNED:
            raise WrongState("该任务已办结或已被取消。")
        if not activation.flow_task.can_execute(actor, task):
            raise Denied(
                "该任务不是由您办理。", actor=actor, action=f"task.{node_name(task)}", obj=_subject(task)
            )
        activation.start(None)
        result = work(_subject(task), task)
        activation.execute()
        return result

    return _locked(task_pk, body)


def task_review(
    *, actor, task_pk: int, outcome: str, comment: str, correction_items=None, correction_deadline=None
):
    def work(application, task):
        return review.review_decide(
            actor=actor,
            application=application,
            step=node_name(task),
            outcome=outcome,
            comment=comment,
            correction_items=correction_items,
            correction_deadline=correction_deadline,
        )

    return _execute(actor, task_pk, REVIEW_NODES, work)


def task_assign_panel(*, actor, task_pk: int, experts: list):
    return _execute(
        actor,
        task_pk,
        {"expert_panel"},
        lambda application, task: review.panel_assign(actor=actor, application=application, experts=experts),
    )


def _assignment(task: Task) -> ExpertAssignment:
    return ExpertAssignment.objects.get(pk=task.data["assignment"])


def task_expert_score(*, actor, task_pk: int, scores: dict):
    return _execute(
        actor,
        task_pk,
        {"expert_score"},
        lambda application, task: review.expert_score(
            actor=actor, assignment=_assignment(task), scores=scores
        ),
    )


def task_expert_conflict(*, actor, task_pk: int, reason: str):
    return _execute(
        actor,
        task_pk,
        {"expert_score"},
        lambda application, task: review.expert_declare_conflict(
            actor=actor, assignment=_assignment(task), reason=reason
        ),
    )


def task_decide(*, actor, task_pk: int, line_decisions: dict, comment: str, today=None):
    return _execute(
        actor,
        task_pk,
        {"decision"},
        lambda application, task: review.application_decide(
            actor=actor, application=application, line_decisions=line_decisions, comment=comment, today=today
        ),
    )


def task_plan_review(*, actor, task_pk: int, approve: bool, comment: str):
    from filing.services import plans

    return _execute(
        actor,
        task_pk,
        {"confirm_plan"},
        lambda plan, task: plans.plan_review(actor=actor, plan=plan, approve=approve, comment=comment),
    )


def task_results_audit(*, actor, task_pk: int, approve: bool, comment: str):
    from filing.services import plans

    return _execute(
        actor,
        task_pk,
        {"audit_results"},
        lambda plan, task: plans.plan_audit_results(actor=actor, plan=plan, approve=approve, comment=comment),
    )


# --- reactions to domain events (connected in WorkflowsConfig.ready) --------------------------------------


def start_review(sender, application, **kwargs):
    """A submitted application gets its review process in the same transaction."""
    flow_class().start.run(application=application)


def cancel_review(sender, application, **kwargs):
    process = process_for(application)
    if process is not None and process.finished is None:
        flow_class().instance.cancel(process)


def _run_system(application: FilingApplication, node: str) -> None:
    """Complete an open task on the system's behalf (lapse, answered correction, publicity end)."""
    flow = flow_class()
    for task in open_tasks(application).filter(flow_task=getattr(flow, node)):
        if node == "publicity":
            flow.publicity.run(task)
            continue
        with task.activation() as activation:
            if activation.task.status == STATUS.NEW:
                activation.assign(application.submitted_by)
            activation.start(None)
            activation.execute()


def finish_correction(sender, application, **kwargs):
    _run_system(application, "correction")


def finish_publicity(sender, application, **kwargs):
    _run_system(application, "publicity")


def objection_decided(sender, application, objection, **kwargs):
    if objection.state == objection.State.UPHELD:
        _run_system(application, "publicity")


def _plan_handle(plan, node: str) -> bool:
    flow = plan_flow_class()
    for task in Task.objects.filter(
        process__planprocess__plan=plan, flow_task=getattr(flow, node), status__in=OPEN
    ):
        getattr(flow, node).run(task)
        return True
    return False


def plan_filed(sender, plan, **kwargs):
    """First filing starts the plan's process; a refiling after a send-back resumes it."""
    if not _plan_handle(plan, "wait_refile"):
        plan_flow_class().start.run(plan=plan)


def plan_results_submitted(sender, plan, **kwargs):
    _plan_handle(plan, "wait_results")


def plan_cancelled(sender, plan, **kwargs):
    process = PlanProcess.objects.filter(plan=plan).first()
    if process is not None and process.finished is None:
        plan_flow_class().instance.cancel(process)
