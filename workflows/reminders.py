"""Deadline reminders for waiting review tasks: the owner (or everyone who may claim the task) is told when
the statutory clock has ``NEAR_DEADLINE_DAYS`` working days or fewer left, and again when it has run out.
The flows know who must act; the domain signal carries it to whoever records the reminder (notifications,
one per task and kind)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing import signals
from filing.clock import NEAR_DEADLINE_DAYS, clock_status
from filing.models import FilingApplication
from filing.services.corrections import remind_corrections

from .selectors import node_name, task_assignees
from .steps import CLOCKED_NODES


def send_task_reminders(today: datetime.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    sent = {"due_soon": 0, "overdue": 0}
    tasks = Task.objects.filter(
        status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    ).select_related("owner", "process")
    applications = {
        a.review_process.pk: a
        for a in FilingApplication.objects.filter(review_process__in=[t.process_id for t in tasks])
        .select_related("organisation", "district", "review_process")
        .prefetch_related("clock_periods")
    }
    for task in tasks:
        application = applications.get(task.process_id)
        if node_name(task) not in CLOCKED_NODES or application is None or not application.accepted_on:
            continue
        clock = clock_status(application, today)
        if clock.left is None:  # today's holiday schedule is not entered: nothing can be said
            continue
        if clock.left < 0:
            signal, key, counter = signals.task_deadline_passed, f"overdue:{task.pk}", "overdue"
        elif clock.left <= NEAR_DEADLINE_DAYS:
            signal, key, counter = signals.task_deadline_near, f"due-soon:{task.pk}", "due_soon"
        else:
            continue
        responses = signal.send(
            sender=FilingApplication,
            application=application,
            task_title=task.flow_task.task_title,
            recipients=task_assignees(task),
            left=clock.left,
            key=key,
        )
        sent[counter] += any(response for _receiver, response in responses)
    return sent


def send_reminders(today: datetime.date | None = None) -> dict[str, int]:
    """Task and correction reminders of one day (what the timer runs)."""
    return {**send_task_reminders(today), "correction": remind_corrections(today)}
