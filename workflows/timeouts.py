"""Timeouts per node (超时升级): a waiting task older than its node's limit (working days since the task was
created) is escalated to the unit lead of the node's unit — told at once, with its owner — once per task,
audited as ``task.escalate``. Run by the existing timers (``run_timers`` / Celery beat).

Configured per node in ``WORKFLOW["TIMEOUTS"]`` (``WORKFLOW_TIMEOUTS`` in the environment, JSON), e.g.
``{"confirm_plan": {"working_days": 5, "action": "escalate"}}``. Empty by default: which limits apply is the
authority's decision [I]. Only ``escalate`` is implemented; automatic advancing stays where a rule of the
domain allows it (the end of publicity files the application, in ``filing.services.timers``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing import signals
from filing.audit import audit_record
from filing.models import FilingApplication, Membership
from filing.workdays import UnknownCalendarYear, working_days_between

from . import registry
from .selectors import node_name, subject_of
from .services import _locked
from .steps import NODES

ACTIONS = ("escalate",)


def rules() -> dict[str, dict]:
    configured = settings.WORKFLOW.get("TIMEOUTS") or {}
    return {
        node: rule
        for node, rule in configured.items()
        if node in NODES and rule.get("action") in ACTIONS and int(rule.get("working_days", 0)) > 0
    }


def unit_leads(task: Task) -> list:
    spec = NODES.get(node_name(task))
    if spec is None or not spec.unit_role:
        return []
    ids = Membership.objects.filter(role=spec.unit_role, is_unit_lead=True, is_active=True).values("user_id")
    leads = get_user_model().objects.filter(pk__in=ids, is_active=True)
    return [u for u in leads if task.owner_permission and u.has_perm(task.owner_permission)]


def _waiting(nodes: set[str]):
    refs = [
        getattr(flow_class, name)
        for flow_class in registry.flows()
        for name in nodes
        if hasattr(flow_class, name)
    ]
    return Task.objects.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task__in=refs).select_related(
        "owner", "process"
    )


def escalate_overdue(today: datetime.date | None = None) -> int:
    """Escalate every waiting task past its node's limit; idempotent (once per task)."""
    today = today or timezone.localdate()
    limits = rules()
    if not limits:
        return 0
    escalated = 0
    for task in _waiting(set(limits)):
        if (task.data or {}).get("escalated_on"):
            continue
        limit = int(limits[node_name(task)]["working_days"])
        try:
            age = working_days_between(timezone.localdate(task.created), today)
        except UnknownCalendarYear:
            continue
        if age <= limit:
            continue
        leads = unit_leads(task)
        if not leads:
            continue

        def body(activation, locked, age=age, limit=limit, leads=leads):
            if locked.status not in (STATUS.NEW, STATUS.ASSIGNED) or (locked.data or {}).get("escalated_on"):
                return False
            locked.data = {**(locked.data or {}), "escalated_on": today.isoformat()}
            locked.save(update_fields=["data"])
            subject = subject_of(locked)
            audit_record(
                action="task.escalate",
                obj=subject,
                payload={
                    "task": locked.pk,
                    "node": node_name(locked),
                    "age": age,
                    "limit": limit,
                    "to": [u.get_username() for u in leads],
                },
            )
            recipients = [*leads, *([locked.owner] if locked.owner_id else [])]
            signals.task_escalated.send(
                sender=FilingApplication,
                subject=subject,
                recipients=recipients,
                task_title=str(locked.flow_task.task_title),
                age=age,
                limit=limit,
                key=f"escalated:{locked.pk}",
            )
            return True

        escalated += bool(_locked(task.pk, body))
    return escalated


def escalation_text(task) -> str:
    day = (task.data or {}).get("escalated_on")
    return _("已于%(day)s超时升级至科室负责人") % {"day": day} if day else ""
