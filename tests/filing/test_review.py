"""The authority's review steps (``filing.services.review``): acceptance, district and municipal
review, four-eyes and recusal, the per-line decision and the clock extension — allowed and denied by
state and by role."""

from __future__ import annotations

import datetime

import pytest

from filing.errors import Denied, Invalid, WrongState
from filing.models import (
    AuditEvent,
    FilingLine,
    ReviewDecision,
)
from filing.roles import Role
from filing.services import applications as app_svc
from filing.services import review
from filing.services.applications import STEP_STATUS
from filing.services.memberships import membership_grant
from tests.filing.lifecycle import (
    FINAL,
    SOON,
    TODAY,
    S,
    approve_all,
    assert_denied_and_audited,
    fresh,
    persona,
    reach,
)

pytestmark = pytest.mark.django_db(transaction=False)


# --- review steps: district acceptance, district review, municipal review ---------------------------------

STEP_STATE = {
    "district_accept": S.SUBMITTED,
    "district_review": S.DISTRICT_REVIEW,
    "municipal_review": S.MUNICIPAL_REVIEW,
}
STEP_ACTOR = {"district_accept": "d1", "district_review": "d2", "municipal_review": "m1"}
APPROVED_TO = {
    "district_accept": S.DISTRICT_REVIEW,
    "district_review": S.MUNICIPAL_REVIEW,
    "municipal_review": S.EXPERT_ASSESSMENT,
}


@pytest.mark.parametrize("outcome", ["approve", "return", "reject"])
@pytest.mark.parametrize("step", list(STEP_STATE))
def test_review_decide_allowed(cast, step, outcome):
    app = reach(cast, STEP_STATE[step])
    actor = getattr(cast, STEP_ACTOR[step])
    extra = {}
    if outcome == "return":
        extra = {"correction_items": [{"kind": "attachment", "key": "quality"}], "correction_deadline": SOON}
    decision = review.review_decide(
        actor=actor, application=app, step=step, outcome=outcome, comment="意见", **extra
    )
    app = fresh(app)
    expected = {"approve": APPROVED_TO[step], "return": S.RETURNED, "reject": S.REJECTED}[outcome]
    assert app.status == expected
    assert (decision.step, decision.outcome, decision.actor) == (step, outcome, actor)
    assert AuditEvent.objects.filter(
        action=f"review.{step}.{outcome}", object_id=str(app.pk), result="ok"
    ).exists()
    if outcome == "return":
        correction = app.corrections.get()
        assert (correction.step, correction.state, correction.deadline) == (step, "open", SOON)
        assert STEP_STATUS[correction.step] == STEP_STATE[step]  # where the answer goes back to
    if outcome == "reject":
        assert app.closed_at is not None and app.closing_reason == "意见"
    if step == "district_accept" and outcome == "approve":
        assert app.accepted_on == TODAY


@pytest.mark.parametrize(
    "state, step",
    [
        (S.DRAFT, "district_accept"),
        (S.SUBMITTED, "district_review"),
        (S.SUBMITTED, "municipal_review"),
        (S.DISTRICT_REVIEW, "district_accept"),
        (S.DISTRICT_REVIEW, "municipal_review"),
        (S.MUNICIPAL_REVIEW, "district_accept"),
        (S.MUNICIPAL_REVIEW, "district_review"),
        (S.EXPERT_ASSESSMENT, "municipal_review"),
        (S.RETURNED, "district_accept"),
        (S.PUBLICITY, "municipal_review"),
        (S.REJECTED, "district_accept"),
        (S.WITHDRAWN, "district_accept"),
        (S.FILED, "municipal_review"),
    ],
)
def test_review_decide_refused_at_another_step(cast, state, step):
    app = reach(cast, state)
    actor = cast.m2 if step == "municipal_review" else cast.d2
    with pytest.raises(WrongState):
        review.review_decide(actor=actor, application=app, step=step, outcome="approve", comment="同意")
    assert fresh(app).status == state


@pytest.mark.parametrize(
    "step, who",
    [
        ("district_accept", "other_district_reviewer"),
        ("district_accept", "municipal_reviewer"),
        ("district_accept", "applicant"),
        ("district_accept", "legal_rep"),
        ("district_accept", "expert"),
        ("district_accept", "outsider"),
        ("district_review", "other_district_reviewer"),
        ("district_review", "municipal_reviewer"),
        ("municipal_review", "district_lead"),
        ("municipal_review", "other_district_reviewer"),
        ("municipal_review", "applicant"),
        ("municipal_review", "expert"),
    ],
)
def test_review_decide_denied_out_of_scope(cast, step, who):
    app = reach(cast, STEP_STATE[step])
    actor = persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        review.review_decide(actor=actor, application=app, step=step, outcome="approve", comment="同意")
    assert fresh(app).status == STEP_STATE[step]
    assert not ReviewDecision.objects.filter(application=app, step=step).exists()
    assert_denied_and_audited(exc_info, actor, f"review.{step}", app)


@pytest.mark.parametrize("step", list(STEP_STATE))
def test_review_decide_denied_to_a_reviewer_of_the_applicant(cast, step):
    """Recusal: a reviewer who also belongs to the applicant organisation may not decide any step."""
    app = reach(cast, STEP_STATE[step])
    actor = getattr(cast, STEP_ACTOR[step])
    membership_grant(actor=None, user=actor, role=Role.APPLICANT, organisation=cast.college)
    with pytest.raises(Denied) as exc_info:
        review.review_decide(actor=actor, application=app, step=step, outcome="approve", comment="同意")
    assert "回避" in exc_info.value.message
    assert fresh(app).status == STEP_STATE[step]
    assert_denied_and_audited(exc_info, actor, f"review.{step}", app)


def test_four_eyes_district_steps(cast):
    app = reach(cast, S.DISTRICT_REVIEW)  # accepted by d1
    with pytest.raises(Denied) as exc_info:
        review.review_decide(
            actor=cast.d1, application=app, step="district_review", outcome="approve", comment="同意"
        )
    assert "双人" in exc_info.value.message
    assert_denied_and_audited(exc_info, cast.d1, "review.district_review", app)
    review.review_decide(
        actor=cast.d2, application=app, step="district_review", outcome="approve", comment="同意"
    )
    assert fresh(app).status == S.MUNICIPAL_REVIEW


def test_four_eyes_does_not_stop_the_same_reviewer_deciding_the_same_step_again(cast):
    """After a correction the step comes back; the reviewer who returned it may decide it again."""
    app = reach(cast, S.RETURNED, returned_at="district_review")  # accepted by d1, returned by d2
    app_svc.application_update(actor=cast.applicant, application=app, summary="已补正")
    app_svc.application_respond(actor=cast.applicant, application=fresh(app), comment="已补正")
    app = fresh(app)
    assert app.status == S.DISTRICT_REVIEW
    review.review_decide(
        actor=cast.d2, application=app, step="district_review", outcome="approve", comment="同意"
    )
    assert fresh(app).status == S.MUNICIPAL_REVIEW


def test_four_eyes_across_city_steps(cast):
    """The municipal reviewer who decided the municipal review may not take the decision."""
    app = reach(cast, S.DECISION)
    with pytest.raises(Denied) as exc_info:
        review.application_decide(
            actor=cast.m1, application=app, line_decisions=approve_all(app), comment="x"
        )
    assert_denied_and_audited(exc_info, cast.m1, "review.decision", app)
    assert fresh(app).status == S.DECISION


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"outcome": "approve", "comment": "   "}, "comment"),
        ({"outcome": "reject", "comment": ""}, "comment"),
        ({"outcome": "maybe", "comment": "x"}, "outcome"),
        ({"outcome": "return", "comment": "x", "correction_deadline": SOON}, "items"),
        ({"outcome": "return", "comment": "x", "correction_items": [], "correction_deadline": SOON}, "items"),
        (
            {"outcome": "return", "comment": "x", "correction_items": [{"kind": "field", "key": "summary"}]},
            "correction_deadline",
        ),
        (
            {
                "outcome": "return",
                "comment": "x",
                "correction_items": [{"kind": "field", "key": "summary"}],
                "correction_deadline": TODAY,
            },
            "correction_deadline",
        ),
        (
            {
                "outcome": "return",
                "comment": "x",
                "correction_items": [{"kind": "field", "key": "summary"}],
                "correction_deadline": TODAY - datetime.timedelta(days=1),
            },
            "correction_deadline",
        ),
        (
            {
                "outcome": "return",
                "comment": "x",
                "correction_items": [{"kind": "field", "key": "status"}],
                "correction_deadline": SOON,
            },
            "items",
        ),
        (
            {
                "outcome": "return",
                "comment": "x",
                "correction_items": [{"kind": "line", "key": "999999"}],
                "correction_deadline": SOON,
            },
            "items",
        ),
        (
            {
                "outcome": "return",
                "comment": "x",
                "correction_items": [{"kind": "attachment", "key": "passport"}],
                "correction_deadline": SOON,
            },
            "items",
        ),
        (
            {
                "outcome": "return",
                "comment": "x",
                "correction_items": [{"kind": "everything", "key": "summary"}],
                "correction_deadline": SOON,
            },
            "items",
        ),
    ],
    ids=[
        "blank-comment",
        "empty-comment",
        "unknown-outcome",
        "return-without-items",
        "return-with-empty-items",
        "return-without-deadline",
        "return-deadline-today",
        "return-deadline-past",
        "unknown-field-key",
        "unknown-line-key",
        "unknown-attachment-key",
        "unknown-item-kind",
    ],
)
def test_review_decide_invalid(cast, kwargs, field):
    app = reach(cast, S.SUBMITTED)
    with pytest.raises(Invalid) as exc_info:
        review.review_decide(actor=cast.d1, application=app, step="district_accept", **kwargs)
    assert field in exc_info.value.errors
    app = fresh(app)
    assert app.status == S.SUBMITTED
    assert not app.corrections.exists() and not app.decisions.exists()


def test_review_decide_unknown_step_is_invalid(cast):
    app = reach(cast, S.SUBMITTED)
    with pytest.raises(Invalid):
        review.review_decide(actor=cast.d1, application=app, step="decision", outcome="approve", comment="x")


def test_return_accepts_a_line_of_the_application(cast):
    app = reach(cast, S.SUBMITTED)
    line = app.lines.first()
    review.review_decide(
        actor=cast.d1,
        application=app,
        step="district_accept",
        outcome="return",
        comment="场地说明不清",
        correction_items=[{"kind": "line", "key": line.pk}, {"kind": "line", "key": "new"}],
        correction_deadline=SOON,
    )
    correction = fresh(app).corrections.get()
    assert correction.allows("line", str(line.pk)) and correction.allows("line", "new")


# --- decision ---------------------------------------------------------------------------------------------


def test_decide_per_line_starts_publicity(cast):
    app = reach(cast, S.DECISION)
    first, second = app.lines.order_by("pk")
    decision = review.application_decide(
        actor=cast.m2,
        application=app,
        line_decisions={
            first.pk: {"decision": "approved"},
            str(second.pk): {"decision": "rejected", "reason": "场地不足"},
        },
        comment="部分同意",
    )
    app = fresh(app)
    assert app.status == S.PUBLICITY and decision.outcome == "approve"
    assert app.publicity_starts_on == TODAY and app.publicity_ends_on > TODAY
    assert FilingLine.objects.get(pk=first.pk).decision == "approved"
    second = FilingLine.objects.get(pk=second.pk)
    assert (second.decision, second.decision_reason) == ("rejected", "场地不足")


def test_decide_all_rejected_rejects(cast):
    app = reach(cast, S.DECISION)
    decision = review.application_decide(
        actor=cast.m2,
        application=app,
        line_decisions={
            line.pk: {"decision": "rejected", "reason": "不符合条件"} for line in app.lines.all()
        },
        comment="不予备案",
    )
    app = fresh(app)
    assert app.status == S.REJECTED and decision.outcome == "reject"
    assert app.closed_at is not None


@pytest.mark.parametrize(
    "make, comment",
    [
        (lambda lines: {lines[0].pk: {"decision": "approved"}, lines[1].pk: {"decision": "rejected"}}, "x"),
        (
            lambda lines: {
                lines[0].pk: {"decision": "approved"},
                lines[1].pk: {"decision": "rejected", "reason": " "},
            },
            "x",
        ),
        (lambda lines: {lines[0].pk: {"decision": "approved"}}, "x"),
        (lambda lines: {line.pk: {"decision": "pending"} for line in lines}, "x"),
        (lambda lines: {line.pk: {"decision": "approved"} for line in lines}, "  "),
    ],
    ids=["rejected-without-reason", "rejected-blank-reason", "line-missing", "undecided", "no-comment"],
)
def test_decide_invalid(cast, make, comment):
    app = reach(cast, S.DECISION)
    lines = list(app.lines.order_by("pk"))
    with pytest.raises(Invalid):
        review.application_decide(actor=cast.m2, application=app, line_decisions=make(lines), comment=comment)
    assert fresh(app).status == S.DECISION
    assert set(app.lines.values_list("decision", flat=True)) == {"pending"}


@pytest.mark.parametrize("who", ["district_reviewer", "district_lead", "expert", "applicant", "auditor"])
def test_decide_denied_to_non_municipal(cast, who):
    app = reach(cast, S.DECISION)
    actor = persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        review.application_decide(
            actor=actor, application=app, line_decisions=approve_all(app), comment="同意"
        )
    assert fresh(app).status == S.DECISION
    assert_denied_and_audited(exc_info, actor, "review.decision", app)


@pytest.mark.parametrize("state", [S.EXPERT_ASSESSMENT, S.MUNICIPAL_REVIEW, S.PUBLICITY, S.FILED])
def test_decide_refused_outside_decision(cast, state):
    app = reach(cast, state)
    with pytest.raises(WrongState):
        review.application_decide(
            actor=cast.m2, application=app, line_decisions=approve_all(app), comment="x"
        )
    assert fresh(app).status == state


# --- the clock extension ----------------------------------------------------------------------------------


def test_clock_extended_once_by_a_municipal_lead(cast):
    app = reach(cast, S.DISTRICT_REVIEW)
    review.clock_extend(actor=cast.m2, application=app, reason="情况复杂")
    app = fresh(app)
    assert app.extension_granted_by == cast.m2 and app.extension_reason == "情况复杂"
    with pytest.raises(WrongState):
        review.clock_extend(actor=cast.m2, application=app, reason="再延一次")
    assert fresh(app).extension_reason == "情况复杂"


@pytest.mark.parametrize(
    "who", ["municipal_reviewer", "district_lead", "district_reviewer", "applicant", "auditor"]
)
def test_clock_extend_denied_to_anyone_but_a_municipal_lead(cast, who):
    app = reach(cast, S.DISTRICT_REVIEW)
    actor = persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        review.clock_extend(actor=actor, application=app, reason="情况复杂")
    assert fresh(app).extension_granted_by is None
    assert_denied_and_audited(exc_info, actor, "clock.extend", app)


@pytest.mark.parametrize("state", [S.DRAFT, *FINAL])
def test_clock_extend_refused_when_not_in_progress(cast, state):
    app = reach(cast, state)
    with pytest.raises(WrongState):
        review.clock_extend(actor=cast.m2, application=app, reason="情况复杂")


def test_clock_extend_needs_a_reason(cast):
    app = reach(cast, S.SUBMITTED)
    with pytest.raises(Invalid):
        review.clock_extend(actor=cast.m2, application=app, reason="")
    assert fresh(app).extension_granted_by is None
