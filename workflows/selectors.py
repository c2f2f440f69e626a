"""Read side of the flows: the user's inbox, queue and archive, one task as the user may see it, the open
tasks of a filing application or a plan, and the home page's task figures."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Case, DateField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing import access, selectors
from filing.clock import clock_status
from filing.errors import NotFound
from filing.models import (
    Complaint,
    EvaluationPlan,
    FilingApplication,
    HolderCorrectionRequest,
    RevocationRequest,
)
from filing.roles import Role

from . import deputies, registry
from .models import (
    ComplaintProcess,
    FilingReviewProcess,
    HolderCorrectionProcess,
    NationalRejectionProcess,
    PlanProcess,
    RevocationProcess,
)

OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def node_name(task: Task) -> str:
    return task.flow_task.name


def tasks_visible_to(user) -> dict[str, QuerySet]:
    """Tasks the user owns (inbox), may claim (queue) or has finished (archive)."""
    flows = registry.flows()
    inbox = Task.objects.inbox(flows, user)
    principals = deputies.principals_of(user)
    if principals:  # 代理: the open tasks of those the user acts for today
        inbox = Task.objects.filter(
            Q(pk__in=inbox.values("pk"))
            | Q(owner__in=principals, status=STATUS.ASSIGNED, process__status="NEW")
        )
    return {
        "inbox": inbox.select_related("process", "owner"),
        "queue": Task.objects.queue(flows, user).select_related("process"),
        "archive": Task.objects.archive(flows, user).select_related("process").order_by("-finished")[:20],
    }


def human_node_choices() -> list[tuple[str, str]]:
    """Every human node of the registered flows as (stored reference, title): the inbox's "task kind"."""
    choices = []
    for flow_class in registry.flows():
        for node in flow_class.instance.nodes():
            if getattr(node, "task_type", "") == "HUMAN":
                choices.append((get_task_ref(node), str(node.task_title)))
    return choices


def _due_dates(tasks: QuerySet) -> dict[datetime.date, list[int]]:
    """The statutory due date of each task whose node runs the authority's clock, grouped by date."""
    from .steps import CLOCKED_NODES  # the node table imports the forms, which import the selectors

    rows = list(tasks.values_list("pk", "process_id", "flow_task"))
    clocked = {pk: process for pk, process, node in rows if node and node.name in CLOCKED_NODES}
    applications = {
        a.review_process.pk: a
        for a in FilingApplication.objects.filter(review_process__in=set(clocked.values()))
        .select_related("review_process")
        .prefetch_related("clock_periods")
    }
    by_date: dict[datetime.date, list[int]] = {}
    for pk, process in clocked.items():
        application = applications.get(process)
        if application is None or not application.accepted_on:
            continue
        due = clock_status(application).due_on
        if due is not None:
            by_date.setdefault(due, []).append(pk)
    return by_date


def open_tasks_visible_to(user) -> QuerySet:
    """The open tasks the user owns or may claim, one list (the inbox page filters it), each annotated with
    ``due_on``: the statutory due date where the node runs the clock (None otherwise). Constant queries."""
    flows = registry.flows()
    mine = Task.objects.inbox(flows, user).values("pk")
    claimable = Task.objects.queue(flows, user).values("pk")
    condition = Q(pk__in=mine) | Q(pk__in=claimable)
    principals = deputies.principals_of(user)
    if principals:  # 代理: the open tasks of those the user acts for today
        condition |= Q(owner__in=principals, status=STATUS.ASSIGNED, process__status="NEW")
    tasks = Task.objects.filter(condition)
    due = _due_dates(tasks)
    when = [When(pk__in=pks, then=Value(day)) for day, pks in due.items()]
    annotation = Case(*when, default=Value(None), output_field=DateField())
    if not when:
        annotation = Value(None, output_field=DateField())
    return tasks.select_related("process", "owner").annotate(due_on=annotation)


def subject_search(text: str) -> Q | None:
    """A task whose subject is this application number or plan number (the inbox's exact-match search)."""
    condition = selectors.application_number_condition(text)
    if condition is not None:
        return Q(process__filingreviewprocess__application__in=FilingApplication.objects.filter(condition))
    if str(text).strip().isdigit() and len(str(text).strip()) < 10:
        return Q(process__planprocess__plan__pk=int(str(text).strip()))
    return None


def attach_subjects(tasks: list) -> None:
    """Set ``task.subject`` on each task of a page (or an export chunk): its application (with its clock),
    plan, revocation request, holder's correction request or group of nationally rejected records, five
    queries whatever the number of tasks."""
    process_ids = {t.process_id for t in tasks}
    applications = {
        a.review_process.pk: a
        for a in FilingApplication.objects.filter(review_process__in=process_ids)
        .select_related("organisation", "district", "review_process")
        .prefetch_related("clock_periods")
    }
    plans = {
        p.process.pk: p
        for p in EvaluationPlan.objects.filter(process__in=process_ids).select_related("body", "process")
    }
    revocations = {
        r.process.pk: r
        for r in RevocationRequest.objects.filter(process__in=process_ids).select_related(
            "certificate", "process"
        )
    }
    holder_requests = {
        r.process.pk: r
        for r in HolderCorrectionRequest.objects.filter(process__in=process_ids).select_related(
            "certificate", "process"
        )
    }
    rejections = {
        p.pk: p for p in NationalRejectionProcess.objects.filter(pk__in=process_ids).select_related("body")
    }
    complaints = {
        c.process.pk: c
        for c in Complaint.objects.filter(process__in=process_ids).select_related("body", "process")
    }
    for task in tasks:
        task.subject = {
            "application": applications.get(task.process_id),
            "plan": plans.get(task.process_id),
            "revocation": revocations.get(task.process_id),
            "holder_request": holder_requests.get(task.process_id),
            "national_rejection": rejections.get(task.process_id),
            "complaint": complaints.get(task.process_id),
        }


def task_summary(user) -> list[dict]:
    """The home page's task figures: tasks the user owns and tasks the user may claim."""
    flows = registry.flows()
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


def get_task_for(user, task_pk) -> Task:
    """A task the user owns or may claim or has done; otherwise NotFound (absent and foreign look alike)."""
    try:
        task = Task.objects.select_related("process", "owner").get(pk=task_pk)
    except (Task.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("任务不存在。")) from None
    if task.process.flow_class not in registry.flows():
        raise NotFound(_("任务不存在。"))
    if task.owner_id == user.pk:
        return task
    if task.owner_permission and user.has_perm(task.owner_permission):
        return task
    if task.owner_id and task.owner_id in deputies.principals_of(user):  # 代理: the principal's task
        return task
    raise NotFound(_("任务不存在。"), actor=user, action="scope.probe", obj=task)


def open_tasks(application: FilingApplication) -> QuerySet:
    """The open tasks of an application's review process."""
    return Task.objects.filter(
        process__filingreviewprocess__application=application, status__in=OPEN
    ).select_related("owner")


def open_task(subject, node: str) -> Task:
    """The one open task of ``node`` (a node name) on a filing application or an evaluation plan."""
    if isinstance(subject, EvaluationPlan):
        flow, lookup = registry.flow_named("planprocess"), {"process__planprocess__plan": subject}
    elif isinstance(subject, RevocationRequest):
        flow, lookup = (
            registry.flow_named("revocationprocess"),
            {"process__revocationprocess__request": subject},
        )
    elif isinstance(subject, HolderCorrectionRequest):
        flow, lookup = (
            registry.flow_named("holdercorrectionprocess"),
            {"process__holdercorrectionprocess__request": subject},
        )
    elif isinstance(subject, NationalRejectionProcess):
        flow, lookup = registry.flow_named("nationalrejectionprocess"), {"process": subject}
    elif isinstance(subject, Complaint):
        flow, lookup = (
            registry.flow_named("complaintprocess"),
            {"process__complaintprocess__complaint": subject},
        )
    else:
        flow, lookup = (
            registry.flow_named("filingreviewprocess"),
            {"process__filingreviewprocess__application": subject},
        )
    return Task.objects.select_related("owner", "process").get(
        flow_task=getattr(flow, node), status__in=[STATUS.NEW, STATUS.ASSIGNED], **lookup
    )


def done_tasks_of(application: FilingApplication, user) -> list[Task]:
    """The human tasks of this application the user completed, latest first (what a take-back may reopen)."""
    return list(
        Task.objects.filter(
            process__filingreviewprocess__application=application,
            owner=user,
            status=STATUS.DONE,
            flow_task_type="HUMAN",
        )
        .select_related("process")
        .order_by("-finished")[:5]
    )


def open_tasks_for(user, application: FilingApplication) -> list[Task]:
    """Open human tasks on this application that the user owns or may claim. The applicant answers a
    correction with 提交补正 on the application page, so that task is not offered as a task page."""
    tasks = open_tasks(application).filter(flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED])
    perms = user.get_all_permissions()
    return [
        t
        for t in tasks
        if t.flow_task.name != "correction"
        and (t.owner_id == user.pk or (not t.owner_id and t.owner_permission in perms))
    ]


def subject_of(task: Task):
    """The domain object a task is about: a filing application, an evaluation plan, a revocation or holder's
    correction request, or the group of records the national system sent back."""
    review = FilingReviewProcess.objects.filter(pk=task.process_id).select_related("application").first()
    if review is not None:
        return review.application
    revocation = (
        RevocationProcess.objects.filter(pk=task.process_id)
        .select_related("request__certificate__body", "request__requested_by")
        .first()
    )
    if revocation is not None:
        return revocation.request
    holder = (
        HolderCorrectionProcess.objects.filter(pk=task.process_id)
        .select_related("request__certificate__body", "request__candidate")
        .first()
    )
    if holder is not None:
        return holder.request
    rejection = NationalRejectionProcess.objects.filter(pk=task.process_id).select_related("body").first()
    if rejection is not None:  # the group of records is the process itself (no domain row of its own)
        return rejection
    complaint = ComplaintProcess.objects.filter(pk=task.process_id).select_related("complaint__body").first()
    if complaint is not None:
        return complaint.complaint
    return PlanProcess.objects.select_related("plan").get(pk=task.process_id).plan


def application_task_panel(user, application: FilingApplication) -> dict | None:
    """The application page's "your open task here" panel (registered as an application panel)."""
    tasks = open_tasks_for(user, application)
    if not tasks:
        return None
    return {"template": "workflows/_application_tasks.html", "tasks": tasks}


#: What reviewer roles do next, on the home page (registered with the domain's home page).
NEXT_STEPS = {
    Role.DISTRICT_REVIEWER: [(_("处理本区待受理、待审核的备案申请"), "tasks:inbox")],
    Role.MUNICIPAL_REVIEWER: [
        (_("终审备案申请、组织专家评审、作出决定"), "tasks:inbox"),
        (_("确认认定计划、审核认定结果"), "tasks:inbox"),
        (_("审核发证机构提出的证书撤销申请"), "tasks:inbox"),
        (_("分办、调查并答复公众对评价机构的投诉"), "tasks:inbox"),
    ],
    Role.EXPERT: [(_("为分配给您的备案申请逐项评分，申报利益冲突"), "tasks:inbox")],
}


def task_assignees(task: Task) -> list:
    """Who must act on a waiting task: its owner, or everyone who could claim it from the queue."""
    if task.owner_id:
        deputy = deputies.deputy_of(task.owner)
        return [task.owner, deputy] if deputy is not None else [task.owner]
    if not task.owner_permission:
        return []
    users = get_user_model().objects.filter(is_active=True, memberships__is_active=True).distinct()
    return [u for u in users if u.has_perm(task.owner_permission)]
