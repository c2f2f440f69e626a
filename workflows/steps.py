"""The node table: for every human node of the flows, the domain step it decides, the page form and API
input it takes, the service it calls, and how the task operations treat it.

This is the one place that says what a node does. The task pages (``workflows.views``), the API
(``api``), the task services (``workflows.services``) and the reminders read it; nothing branches on a
node's name elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from filing.models import ExpertAssignment, ReviewStep
from filing.roles import Role
from filing.services import certificates, complaints, holders, national, plans, results, review
from filing.services import experts as expert_services

from . import forms, serializers


def _review(actor, application, task, spec, **arguments):
    return review.review_decide(actor=actor, application=application, step=spec.step, **arguments)


def _panel(actor, application, task, spec, *, experts: list):
    return expert_services.panel_assign(actor=actor, application=application, experts=experts)


def _score(actor, application, task, spec, *, scores=None, conflict_reason=None):
    assignment = ExpertAssignment.objects.get(pk=task.data["assignment"], application=application)
    if conflict_reason is not None:
        return expert_services.expert_declare_conflict(
            actor=actor, assignment=assignment, reason=conflict_reason
        )
    return expert_services.expert_score(actor=actor, assignment=assignment, scores=scores or {})


def _decide(actor, application, task, spec, *, line_decisions: dict, comment: str, today=None):
    return review.application_decide(
        actor=actor, application=application, line_decisions=line_decisions, comment=comment, today=today
    )


def _confirm_plan(actor, plan, task, spec, *, approve: bool, comment: str):
    return plans.plan_review(actor=actor, plan=plan, approve=approve, comment=comment)


def _audit_results(actor, plan, task, spec, *, approve: bool, comment: str, today=None):
    return results.plan_audit_results(actor=actor, plan=plan, approve=approve, comment=comment, today=today)


def _decide_revocation(actor, revocation, task, spec, *, approve: bool, comment: str):
    return certificates.revocation_decide(
        actor=actor, revocation=revocation, approve=approve, comment=comment
    )


def _decide_holder_correction(actor, request, task, spec, *, approve: bool, comment: str = ""):
    return holders.holder_correction_decide(actor=actor, request=request, approve=approve, comment=comment)


def _resubmit_rejections(actor, process, task, spec, *, decision: str, note: str):
    records = process.records.select_related("certificate__body").order_by("pk")
    return national.rejections_resubmit(actor=actor, records=records, note=note)


def _handle_complaint(actor, complaint, task, spec, *, decision: str, **arguments):
    handler = {
        "investigate": complaints.complaint_investigate,
        "dismiss": complaints.complaint_dismiss,
        "answer": complaints.complaint_answer,
    }[decision]
    return handler(actor=actor, complaint=complaint, **arguments)


def _take_back_review(actor, application, task, spec):
    return review.review_take_back(actor=actor, application=application, step=spec.step)


def _send_back_to_district(actor, application, task, spec, *, comment: str):
    return review.review_send_back(actor=actor, application=application, comment=comment)


def _approve(actor, subject, task, spec, *, comment: str) -> dict:
    """The arguments of an approval with one opinion (批量审批)."""
    return {"approve": True, "comment": comment}


@dataclass(frozen=True)
class NodeSpec:
    #: The domain step recorded for the decision (``ReviewDecision.step``), where the node decides one.
    step: str | None
    form: type | None
    serializer: type | None
    #: ``work(actor, subject, task, spec, **arguments)``: the filing service call the node completes with.
    work: Callable | None
    #: The role whose unit lead may transfer the task (None: it cannot be transferred).
    unit_role: str | None = None
    #: Assigned to one person (an expert's seat, the applicant's correction): never released to a queue.
    personal: bool = False
    #: The authority's statutory clock runs while the task waits (deadline reminders are sent).
    clocked: bool = False
    #: Further forms on the same page, by the name of their submit button.
    alternatives: dict = field(default_factory=dict)
    #: 拿回: ``take_back(actor, subject, task, spec)`` undoes the node's decision in the domain (None: the
    #: node's decision cannot be taken back); the flow side is generic (``workflows.operations``).
    take_back: Callable | None = None
    #: 退回到已办环节: earlier node name → ``send(actor, subject, task, spec, comment=...)``.
    returns_to: dict = field(default_factory=dict)
    #: 批量审批: ``approval(actor, subject, task, spec, comment=...)`` gives the node's arguments for an
    #: approval with one opinion (None: the node is not approved in batches).
    approval: Callable | None = None

    @property
    def decides_review_step(self) -> bool:
        return self.step in (
            ReviewStep.DISTRICT_ACCEPT,
            ReviewStep.DISTRICT_REVIEW,
            ReviewStep.MUNICIPAL_REVIEW,
        )


NODES: dict[str, NodeSpec] = {
    "district_accept": NodeSpec(
        ReviewStep.DISTRICT_ACCEPT,
        forms.ReviewForm,
        serializers.ReviewInput,
        _review,
        unit_role=Role.DISTRICT_REVIEWER,
        clocked=True,
    ),
    "district_review": NodeSpec(
        ReviewStep.DISTRICT_REVIEW,
        forms.ReviewForm,
        serializers.ReviewInput,
        _review,
        unit_role=Role.DISTRICT_REVIEWER,
        clocked=True,
        take_back=_take_back_review,
    ),
    "municipal_review": NodeSpec(
        ReviewStep.MUNICIPAL_REVIEW,
        forms.ReviewForm,
        serializers.ReviewInput,
        _review,
        unit_role=Role.MUNICIPAL_REVIEWER,
        clocked=True,
        take_back=_take_back_review,
        returns_to={"district_review": _send_back_to_district},
    ),
    "expert_panel": NodeSpec(
        ReviewStep.EXPERT_PANEL,
        forms.PanelForm,
        serializers.PanelInput,
        _panel,
        unit_role=Role.MUNICIPAL_REVIEWER,
        clocked=True,
    ),
    "expert_score": NodeSpec(
        None,
        forms.ScoreForm,
        serializers.ExpertScoreInput,
        _score,
        personal=True,
        alternatives={"declare_conflict": forms.ConflictForm},
    ),
    "decision": NodeSpec(
        ReviewStep.DECISION,
        forms.DecisionForm,
        serializers.DecisionInput,
        _decide,
        unit_role=Role.MUNICIPAL_REVIEWER,
        clocked=True,
    ),
    "correction": NodeSpec(None, None, None, None, personal=True),
    "confirm_plan": NodeSpec(
        None,
        forms.PlanDecisionForm,
        serializers.PlanDecisionInput,
        _confirm_plan,
        unit_role=Role.MUNICIPAL_REVIEWER,
        approval=_approve,
    ),
    "audit_results": NodeSpec(
        None,
        forms.PlanDecisionForm,
        serializers.PlanDecisionInput,
        _audit_results,
        unit_role=Role.MUNICIPAL_REVIEWER,
        approval=_approve,
    ),
    "review_revocation": NodeSpec(
        None,
        forms.RevocationDecisionForm,
        serializers.RevocationDecisionInput,
        _decide_revocation,
        unit_role=Role.MUNICIPAL_REVIEWER,
    ),
    "review_holder_correction": NodeSpec(
        None,
        forms.HolderCorrectionDecisionForm,
        serializers.HolderCorrectionDecisionInput,
        _decide_holder_correction,
    ),
    "fix_national_rejection": NodeSpec(
        None,
        forms.NationalRejectionForm,
        serializers.NationalRejectionInput,
        _resubmit_rejections,
    ),
    "handle_complaint": NodeSpec(
        None,
        forms.ComplaintDecisionForm,
        serializers.ComplaintDecisionInput,
        _handle_complaint,
        unit_role=Role.MUNICIPAL_REVIEWER,
    ),
}

#: Nodes whose decision is a review step (approve / return / reject).
REVIEW_NODES = frozenset(name for name, spec in NODES.items() if spec.decides_review_step)
#: Nodes approved in batches with one opinion (批量审批).
BATCH_NODES = frozenset(name for name, spec in NODES.items() if spec.approval is not None)
#: Nodes during which the authority's clock runs.
CLOCKED_NODES = frozenset(name for name, spec in NODES.items() if spec.clocked)


def spec_of(node: str) -> NodeSpec | None:
    return NODES.get(node)
