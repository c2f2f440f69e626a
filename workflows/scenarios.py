"""A filing review walked through the real task services, step by step, as the people of each role would:
used by the demo data, the benchmarks and the tests (one walk-through, not five copies).

Every step goes through ``workflows.services`` (task locks, four-eyes, audit, notifications), so what a
scenario leaves behind is exactly what the pages would.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing.models import ApplicationStatus, FilingApplication
from filing.services import applications as app_svc
from filing.services import publicity

from . import services as wf
from .flows import FilingReviewFlow
from .selectors import open_task


@dataclass
class Reviewers:
    """Who acts at each step: two district reviewers (acceptance, review) and two municipal ones (review
    and panel, decision), so that the four-eyes rule holds; the experts of the panel."""

    district_accept: object
    district_review: object
    municipal_review: object
    decision: object
    experts: list = field(default_factory=list)
    score: int = 86


def review_to_expert_panel(application: FilingApplication, people: Reviewers) -> FilingApplication:
    """From submitted to the panel waiting to be named (district acceptance and review, municipal review)."""
    for node, actor, comment in (
        ("district_accept", people.district_accept, "材料齐全，予以受理"),
        ("district_review", people.district_review, "同意上报"),
        ("municipal_review", people.municipal_review, "同意组织专家评审"),
    ):
        task = open_task(application, node)
        wf.task_review(actor=actor, task_pk=task.pk, outcome="approve", comment=comment)
    application.refresh_from_db()
    return application


def expert_tasks(application: FilingApplication):
    return Task.objects.filter(
        process__filingreviewprocess__application=application,
        flow_task=FilingReviewFlow.expert_score,
        status=STATUS.ASSIGNED,
    ).select_related("owner")


def experts_score(application: FilingApplication, people: Reviewers) -> FilingApplication:
    """Name the panel, and every seated expert scores every line (recommending approval)."""
    panel = open_task(application, "expert_panel")
    wf.task_assign_panel(actor=people.municipal_review, task_pk=panel.pk, experts=people.experts)
    lines = list(application.lines.all())
    for task in expert_tasks(application):
        wf.task_expert_score(
            actor=task.owner,
            task_pk=task.pk,
            scores={line.pk: {"score": people.score, "recommendation": "approve"} for line in lines},
        )
    application.refresh_from_db()
    return application


def approve_all_lines(
    application: FilingApplication, people: Reviewers, *, today: datetime.date | None = None
) -> FilingApplication:
    """The decision approves every line; publicity starts (on ``today``, default the real today)."""
    lines = list(application.lines.all())
    wf.task_decide(
        actor=people.decision,
        task_pk=open_task(application, "decision").pk,
        line_decisions={line.pk: {"decision": "approved"} for line in lines},
        comment="同意备案",
        today=today,
    )
    application.refresh_from_db()
    return application


def review_to_publicity(
    application: FilingApplication, people: Reviewers, *, decided_on: datetime.date | None = None
) -> FilingApplication:
    """A submitted application through every review step to publicity."""
    review_to_expert_panel(application, people)
    experts_score(application, people)
    approve_all_lines(application, people, today=decided_on)
    assert application.status == ApplicationStatus.PUBLICITY, application.status
    return application


def end_publicity(application: FilingApplication, *, today: datetime.date | None = None):
    """The publicity timer on the first day after publicity (or on ``today``): files the application and
    returns the evaluation body."""
    today = today or application.publicity_ends_on + datetime.timedelta(days=1)
    return publicity.publicity_close(application=application, today=today)


def review_to_filed(application: FilingApplication, people: Reviewers, **kwargs):
    """Submitted → filed: the whole review, then the end of publicity. Returns the evaluation body."""
    review_to_publicity(application, people, **kwargs)
    return end_publicity(application)


def submit(applicant, application: FilingApplication) -> FilingApplication:
    return app_svc.application_submit(actor=applicant, application=application)
