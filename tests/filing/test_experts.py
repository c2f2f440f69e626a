"""The expert panel (``filing.services.experts``): naming it, scores, conflicts and replacement — allowed and
denied by state and by role."""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing.errors import Conflict, Denied, Invalid, WrongState
from filing.models import (
    ExpertAssignment,
    ExpertScore,
)
from filing.roles import Role
from filing.services import experts as expert_svc
from filing.services.memberships import membership_grant
from tests import factories
from tests.filing.lifecycle import (
    S,
    assert_denied_and_audited,
    fresh,
    persona,
    reach,
)
from workflows import services as wf
from workflows.flows import FilingReviewFlow

pytestmark = pytest.mark.django_db(transaction=False)


# --- expert panel ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 5])
def test_panel_assign_allowed(cast, more_experts, size):
    app = reach(cast, S.EXPERT_ASSESSMENT, panel=False)
    chosen = (cast.experts + more_experts)[:size]
    assignments = expert_svc.panel_assign(actor=cast.m1, application=app, experts=chosen)
    assert [a.expert for a in assignments] == chosen
    assert fresh(app).status == S.EXPERT_ASSESSMENT
    assert app.clock_periods.get(ended_on__isnull=True).kind == "expert"


@pytest.mark.parametrize(
    "pick",
    [
        lambda cast, extra: cast.experts[:2],
        lambda cast, extra: cast.experts[:4],
        lambda cast, extra: [],
        lambda cast, extra: [cast.experts[0], cast.experts[0], cast.experts[1]],  # two distinct
        lambda cast, extra: [*cast.experts[:2], cast.d1],
        lambda cast, extra: [*cast.experts[:2], cast.applicant],
        lambda cast, extra: [*cast.experts[:2], extra],
    ],
    ids=["two", "four", "none", "duplicate", "not-an-expert", "applicant", "expert-of-the-applicant"],
)
def test_panel_assign_invalid(cast, pick, roles):
    extra = factories.user("expert_of_college", role=Role.EXPERT)
    membership_grant(actor=None, user=extra, role=Role.BODY_OPERATOR, organisation=cast.college)
    app = reach(cast, S.EXPERT_ASSESSMENT, panel=False)
    with pytest.raises(Invalid):
        expert_svc.panel_assign(actor=cast.m1, application=app, experts=pick(cast, extra))
    assert not app.experts.exists()


@pytest.mark.parametrize(
    "who", ["district_reviewer", "district_lead", "applicant", "expert", "auditor", "outsider"]
)
def test_panel_assign_denied_to_non_municipal(cast, who):
    app = reach(cast, S.EXPERT_ASSESSMENT, panel=False)
    actor = persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        expert_svc.panel_assign(actor=actor, application=app, experts=cast.experts[:3])
    assert not app.experts.exists()
    assert_denied_and_audited(exc_info, actor, "panel.assign", app)


def test_panel_assign_denied_to_a_municipal_reviewer_of_the_applicant(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT, panel=False)
    membership_grant(actor=None, user=cast.m2, role=Role.LEGAL_REPRESENTATIVE, organisation=cast.college)
    with pytest.raises(Denied):
        expert_svc.panel_assign(actor=cast.m2, application=app, experts=cast.experts[:3])


@pytest.mark.parametrize("state", [S.MUNICIPAL_REVIEW, S.DECISION, S.PUBLICITY, S.WITHDRAWN])
def test_panel_assign_refused_outside_expert_assessment(cast, state):
    app = reach(cast, state)
    with pytest.raises(WrongState):
        expert_svc.panel_assign(actor=cast.m1, application=app, experts=cast.experts[:3])


def test_panel_assign_only_once(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT)  # panel seated
    with pytest.raises(WrongState):
        expert_svc.panel_assign(actor=cast.m1, application=app, experts=cast.experts[1:4])
    assert app.experts.count() == 3


# --- expert scores and conflicts --------------------------------------------------------------------------


def _assignment(app, expert):
    return ExpertAssignment.objects.get(application=app, expert=expert)


def _scores(app, value=85, recommendation="approve"):
    return {line.pk: {"score": value, "recommendation": recommendation} for line in app.lines.all()}


@pytest.mark.parametrize("value", [0, 100, "73"])
def test_expert_scores_own_assignment(cast, value):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    assignment = expert_svc.expert_score(
        actor=cast.expert, assignment=_assignment(app, cast.expert), scores=_scores(app, value)
    )
    assert assignment.state == ExpertAssignment.State.SCORED
    assert set(ExpertScore.objects.filter(assignment=assignment).values_list("score", flat=True)) == {
        int(value)
    }
    assert fresh(app).status == S.EXPERT_ASSESSMENT  # two more to go


def test_last_score_moves_to_decision(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    for expert in cast.experts[:3]:
        assert fresh(app).status == S.EXPERT_ASSESSMENT
        expert_svc.expert_score(actor=expert, assignment=_assignment(app, expert), scores=_scores(app))
    assert fresh(app).status == S.DECISION


@pytest.mark.parametrize("who", ["other_expert", "municipal_reviewer", "applicant", "district_reviewer"])
def test_expert_score_denied_for_another_assignment(cast, who):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    actor = cast.experts[1] if who == "other_expert" else persona(cast, who)
    assignment = _assignment(app, cast.expert)
    with pytest.raises(Denied) as exc_info:
        expert_svc.expert_score(actor=actor, assignment=assignment, scores=_scores(app))
    assert not ExpertScore.objects.filter(assignment=assignment).exists()
    assert_denied_and_audited(exc_info, actor, "expert.score", app)


@pytest.mark.parametrize(
    "entry",
    [
        {"score": -1, "recommendation": "approve"},
        {"score": 101, "recommendation": "approve"},
        {"score": "abc", "recommendation": "approve"},
        {"score": None, "recommendation": "approve"},
        {"score": 80, "recommendation": "abstain"},
        {"score": 80},
        None,
    ],
    ids=[
        "negative",
        "over-100",
        "not-a-number",
        "missing-score",
        "bad-recommendation",
        "no-recommendation",
        "no-entry",
    ],
)
def test_expert_score_validated(cast, entry):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    assignment = _assignment(app, cast.expert)
    first, *rest = app.lines.order_by("pk")
    scores = {line.pk: {"score": 80, "recommendation": "approve"} for line in rest}
    if entry is not None:
        scores[first.pk] = entry
    with pytest.raises(Invalid) as exc_info:
        expert_svc.expert_score(actor=cast.expert, assignment=assignment, scores=scores)
    assert f"line_{first.pk}" in exc_info.value.errors
    assert not ExpertScore.objects.filter(assignment=assignment).exists()
    assert ExpertAssignment.objects.get(pk=assignment.pk).state == ExpertAssignment.State.ASSIGNED


def test_expert_scores_once(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    expert_svc.expert_score(actor=cast.expert, assignment=_assignment(app, cast.expert), scores=_scores(app))
    with pytest.raises(WrongState):
        expert_svc.expert_score(
            actor=cast.expert, assignment=_assignment(app, cast.expert), scores=_scores(app, 10)
        )
    with pytest.raises(WrongState):
        expert_svc.expert_declare_conflict(
            actor=cast.expert, assignment=_assignment(app, cast.expert), reason="x"
        )


def test_conflict_replaces_the_expert_with_one_not_on_the_panel(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    on_panel = set(app.experts.values_list("expert_id", flat=True))
    replacement = expert_svc.expert_declare_conflict(
        actor=cast.expert, assignment=_assignment(app, cast.expert), reason="曾在该校任教"
    )
    assert replacement.expert_id not in on_panel
    assert replacement.state == ExpertAssignment.State.ASSIGNED
    assert replacement.expert == cast.experts[3]
    assert replacement.replaces == _assignment(app, cast.expert)
    assert _assignment(app, cast.expert).state == ExpertAssignment.State.CONFLICT
    assert app.experts.filter(state=ExpertAssignment.State.ASSIGNED).count() == 3


def test_conflict_through_the_task_seats_the_replacement(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    task = Task.objects.get(
        process__filingreviewprocess__application=app,
        flow_task=FilingReviewFlow.expert_score,
        owner=cast.expert,
    )
    wf.task_expert_conflict(actor=cast.expert, task_pk=task.pk, reason="曾在该校任教")
    assert Task.objects.get(pk=task.pk).status == STATUS.DONE
    replacement_task = Task.objects.get(
        process__filingreviewprocess__application=app,
        flow_task=FilingReviewFlow.expert_score,
        owner=cast.experts[3],
        status=STATUS.ASSIGNED,
    )
    assert replacement_task.data["assignment"] == _assignment(app, cast.experts[3]).pk


def test_conflict_without_a_free_expert_is_a_conflict(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    expert_svc.expert_declare_conflict(
        actor=cast.experts[0], assignment=_assignment(app, cast.experts[0]), reason="回避"
    )
    with pytest.raises(Conflict):
        expert_svc.expert_declare_conflict(
            actor=cast.experts[1], assignment=_assignment(app, cast.experts[1]), reason="回避"
        )
    assert _assignment(app, cast.experts[1]).state == ExpertAssignment.State.ASSIGNED


@pytest.mark.parametrize("who", ["other_expert", "municipal_reviewer", "applicant"])
def test_conflict_denied_for_another_assignment(cast, who):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    actor = cast.experts[1] if who == "other_expert" else persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        expert_svc.expert_declare_conflict(
            actor=actor, assignment=_assignment(app, cast.expert), reason="回避"
        )
    assert _assignment(app, cast.expert).state == ExpertAssignment.State.ASSIGNED
    assert_denied_and_audited(exc_info, actor, "expert.conflict", app)


def test_conflict_needs_a_reason(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    with pytest.raises(Invalid):
        expert_svc.expert_declare_conflict(
            actor=cast.expert, assignment=_assignment(app, cast.expert), reason=" "
        )
    assert _assignment(app, cast.expert).state == ExpertAssignment.State.ASSIGNED
