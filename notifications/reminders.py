"""Deadline reminders (Celery beat): assignees when a review task has 3 working days or fewer left and
when it is overdue; applicants before a correction deadline lapses. Each reminder is sent once (the
outbox's dedupe key)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing.clock import NEAR_DEADLINE_DAYS, clock_status
from filing.models import Correction, FilingApplication
from filing.workdays import UnknownCalendarYear, working_days_between

from .outbox import application_link, notify
from .receivers import applicants, base

REVIEW_NODES = {"district_accept", "district_review", "municipal_review", "decision", "expert_panel"}


def _assignees(task: Task) -> list:
    """The owner, or everyone who could claim the task from the queue."""
    if task.owner_id:
        return [task.owner]
    from .receivers import _users

    return [u for u in _users() if task.owner_permission and u.has_perm(task.owner_permission)]


def send_reminders(today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    sent = {"due_soon": 0, "overdue": 0, "correction": 0}
    tasks = Task.objects.filter(
        status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    ).select_related("owner", "process")
    for task in tasks:
        node = task.flow_task.name if task.flow_task else ""
        if node not in REVIEW_NODES:
            continue
        application = (
            FilingApplication.objects.filter(review_process=task.process_id)
            .select_related("organisation", "district")
            .first()
        )
        if application is None or not application.accepted_on:
            continue
        clock = clock_status(application, today)
        if clock.left is None:  # today's holiday schedule is not entered: nothing can be said
            continue
        payload = {
            **base(application),
            "task": str(task.flow_task.task_title),
            "left": clock.left,
            "overdue": -clock.left,
        }
        if clock.left < 0:
            kind, key, counter = "task_overdue", f"overdue:{task.pk}", "overdue"
        elif clock.left <= NEAR_DEADLINE_DAYS:
            kind, key, counter = "task_due_soon", f"due-soon:{task.pk}", "due_soon"
        else:
            continue
        if notify(kind, _assignees(task), payload, link="/tasks/", dedupe_key=key):
            sent[counter] += 1
    for correction in Correction.objects.filter(state=Correction.State.OPEN).select_related(
        "application__organisation"
    ):
        try:
            left = working_days_between(today, correction.deadline)
        except UnknownCalendarYear:
            left = (correction.deadline - today).days
        if 0 <= left <= NEAR_DEADLINE_DAYS:
            application = correction.application
            if notify(
                "correction_due_soon",
                applicants(application),
                {**base(application), "deadline": str(correction.deadline)},
                link=application_link(application.pk),
                dedupe_key=f"correction-due:{correction.pk}",
            ):
                sent["correction"] += 1
    return sent
