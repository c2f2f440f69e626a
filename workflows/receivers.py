"""Reactions of the flows to domain events (connected in ``WorkflowsConfig.ready``), in the transaction of
the change that raised them: a submitted application gets its review process, a withdrawn one loses it, an
answered or lapsed correction and the end of publicity complete their waiting tasks, an evaluation
plan's process follows its filing, results and cancellation, and records the national system sent back
become a task of the issuing body."""

from __future__ import annotations

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing import signals
from filing.models import FilingApplication

from .flows import (
    ComplaintFlow,
    FilingReviewFlow,
    HolderCorrectionFlow,
    NationalRejectionFlow,
    PlanFlow,
    RevocationFlow,
)
from .models import FilingReviewProcess, PlanProcess
from .selectors import OPEN, open_tasks


def start_review(sender, application, **kwargs):
    """A submitted application gets its review process in the same transaction."""
    FilingReviewFlow.start.run(application=application)


def cancel_review(sender, application, **kwargs):
    process = FilingReviewProcess.objects.filter(application=application).first()
    if process is not None and process.finished is None:
        FilingReviewFlow.instance.cancel(process)


def _run_system(application: FilingApplication, node) -> None:
    """Complete an open task on the system's behalf (lapse, answered correction, publicity end)."""
    for task in open_tasks(application).filter(flow_task=node):
        if node is FilingReviewFlow.publicity:
            node.run(task)
            continue
        with task.activation() as activation:
            if activation.task.status == STATUS.NEW:
                activation.assign(application.submitted_by)
            activation.start(None)
            activation.execute()


def finish_correction(sender, application, **kwargs):
    _run_system(application, FilingReviewFlow.correction)


def finish_publicity(sender, application, **kwargs):
    _run_system(application, FilingReviewFlow.publicity)


def objection_decided(sender, application, objection, **kwargs):
    if objection.state == objection.State.UPHELD:
        _run_system(application, FilingReviewFlow.publicity)


def _plan_handle(plan, node) -> bool:
    for task in Task.objects.filter(process__planprocess__plan=plan, flow_task=node, status__in=OPEN):
        node.run(task)
        return True
    return False


def plan_filed(sender, plan, **kwargs):
    """First filing starts the plan's process; a refiling after a send-back resumes it."""
    if not _plan_handle(plan, PlanFlow.wait_refile):
        PlanFlow.start.run(plan=plan)


def plan_withdrawn(sender, plan, actor, **kwargs):
    """撤回备案: the authority's open confirmation task is completed on the withdrawing operator's behalf
    (taken from a reviewer who had claimed it), like an answered correction; with the plan a draft again the
    flow waits for it to be filed again, exactly as after a send-back. (viewflow lets a cancelled task lead
    nowhere, and a plan has one process, so the task is completed rather than cancelled.)"""
    for task in Task.objects.filter(
        process__planprocess__plan=plan, flow_task=PlanFlow.confirm_plan, status__in=OPEN
    ):
        with task.activation() as activation:
            if activation.task.status == STATUS.ASSIGNED:
                activation.unassign()
            activation.assign(actor)
            activation.start(None)
            activation.execute()


def plan_results_submitted(sender, plan, **kwargs):
    _plan_handle(plan, PlanFlow.wait_results)


def start_revocation(sender, revocation, **kwargs):
    """A revocation request gets its task for the municipal reviewers in the same transaction."""
    RevocationFlow.start.run(revocation=revocation)


def start_holder_correction(sender, request, **kwargs):
    """A holder's correction request gets its task for the issuing body's operators."""
    HolderCorrectionFlow.start.run(request=request)


def start_national_rejection(sender, body, records, **kwargs):
    """The records one answer file sent back to a body become one task for its operators, in the import's
    transaction (no rejected record without its task)."""
    NationalRejectionFlow.start.run(body=body, records=records)


def start_complaint(sender, complaint, **kwargs):
    """A received complaint gets its task for the municipal reviewers in the same transaction."""
    ComplaintFlow.start.run(complaint=complaint)


def plan_cancelled(sender, plan, **kwargs):
    process = PlanProcess.objects.filter(plan=plan).first()
    if process is not None and process.finished is None:
        PlanFlow.instance.cancel(process)


CONNECTIONS = [
    (signals.application_submitted, start_review),
    (signals.application_withdrawn, cancel_review),
    (signals.application_resubmitted, finish_correction),
    (signals.application_lapsed, finish_correction),
    (signals.application_filed, finish_publicity),
    (signals.objection_decided, objection_decided),
    (signals.plan_filed, plan_filed),
    (signals.results_submitted, plan_results_submitted),
    (signals.plan_cancelled, plan_cancelled),
    (signals.plan_withdrawn, plan_withdrawn),
    (signals.revocation_requested, start_revocation),
    (signals.holder_correction_requested, start_holder_correction),
    (signals.national_records_rejected, start_national_rejection),
    (signals.complaint_received, start_complaint),
]


def connect() -> None:
    for signal, receiver in CONNECTIONS:
        signal.connect(receiver, dispatch_uid=f"workflows_{receiver.__name__}")
