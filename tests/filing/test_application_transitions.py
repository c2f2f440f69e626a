"""Every transition of FilingApplication, allowed and denied, by state and by role, through the services.

States are reached through the same task services the pages use (``workflows.services``), as in
tests/workflows/test_review_journey.py; the transition under test is then called on its service directly.
Order of checks in the services: wrong state (WrongState, 409) before role (Denied, 403) before input
(Invalid, 400). Every Denied is written to the audit log once ``exc.record()`` is called (the interface
layer does that after the rolled-back transaction).
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing.errors import Conflict, Denied, Invalid, WrongState
from filing.models import (
    REQUIRED_ATTACHMENTS,
    ApplicationStatus,
    AttachmentKind,
    AuditEvent,
    Correction,
    EvaluationBody,
    ExpertAssignment,
    ExpertScore,
    FiledLine,
    FilingApplication,
    FilingLine,
    Objection,
    ReviewDecision,
)
from filing.roles import Role
from filing.services import applications as app_svc
from filing.services import review
from filing.services.roles import membership_grant
from tests import factories
from workflows import services as wf
from workflows.flows import FilingReviewFlow

pytestmark = pytest.mark.django_db(transaction=False)
S = ApplicationStatus
TODAY = timezone.localdate()  # the services' calendar (Asia/Shanghai), not the machine's
SOON = TODAY + datetime.timedelta(days=10)
NON_FINAL = [S.DRAFT, S.SUBMITTED, S.DISTRICT_REVIEW, S.MUNICIPAL_REVIEW, S.EXPERT_ASSESSMENT]
NON_FINAL += [S.DECISION, S.PUBLICITY, S.RETURNED]
FINAL = [S.FILED, S.REJECTED, S.WITHDRAWN, S.LAPSED]
ALL_STATES = NON_FINAL + FINAL


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Personas are created with passwords; the default PBKDF2 costs ~0.2 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- cast and helpers -------------------------------------------------------------------------------------


@pytest.fixture
def cast(
    college,
    other_college_same_district,
    applicant,
    legal_rep,
    body_operator,
    district_reviewer,
    district_lead,
    other_district_reviewer,
    municipal_reviewer,
    municipal_lead,
    experts,
    auditor,
    outsider,
):
    other_applicant = factories.user(
        "other_applicant", role=Role.APPLICANT, organisation=other_college_same_district
    )
    return SimpleNamespace(
        college=college,
        applicant=applicant,
        legal_rep=legal_rep,
        body_operator=body_operator,
        d1=district_reviewer,
        d2=district_lead,
        other_district_reviewer=other_district_reviewer,
        m1=municipal_reviewer,
        m2=municipal_lead,
        experts=experts,
        expert=experts[0],
        auditor=auditor,
        outsider=outsider,
        other_applicant=other_applicant,
    )


def persona(cast, name):
    return {
        "applicant": cast.applicant,
        "legal_rep": cast.legal_rep,
        "body_operator": cast.body_operator,
        "district_reviewer": cast.d1,
        "district_lead": cast.d2,
        "other_district_reviewer": cast.other_district_reviewer,
        "municipal_reviewer": cast.m1,
        "municipal_lead": cast.m2,
        "expert": cast.expert,
        "auditor": cast.auditor,
        "outsider": cast.outsider,
        "other_applicant": cast.other_applicant,
    }[name]


def fresh(app) -> FilingApplication:
    return FilingApplication.objects.get(pk=app.pk)


def open_task(app, node):
    return Task.objects.get(
        process__filingreviewprocess__application=app,
        flow_task=getattr(FilingReviewFlow, node),
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    )


def has_open_task(app, node) -> bool:
    return Task.objects.filter(
        process__filingreviewprocess__application=app,
        flow_task=getattr(FilingReviewFlow, node),
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    ).exists()


def draft(cast, *, skip=(), lines=(4, 3), sign=True) -> FilingApplication:
    """A draft like factories.complete_draft, with one requirement optionally left out."""
    app = app_svc.application_create(
        actor=cast.applicant,
        organisation=cast.college,
        kind="initial",
        summary="申请备案为评价机构",
        contact_name="王老师",
        contact_phone="021-50000000",
    )
    majors = list(cast.college.majors.all()) or [factories.major(cast.college)]
    for level in lines:
        app_svc.line_add(
            actor=cast.applicant,
            application=app,
            offering=factories.offering(level=level),
            majors=majors,
            venue="实训中心",
            equipment="数控车床 20 台",
            evaluator_pool="考评员 12 名",
        )
    for kind in [*REQUIRED_ATTACHMENTS["initial"], AttachmentKind.CURRICULUM]:
        if kind not in skip:
            app_svc.attachment_upload(
                actor=cast.applicant, application=app, kind=kind, uploaded_file=factories.pdf()
            )
    if sign:
        app_svc.application_sign_commitment(actor=cast.legal_rep, application=fresh(app))
    return fresh(app)


def review_task(cast, app, node, outcome="approve", **kwargs):
    actor = {"district_accept": cast.d1, "district_review": cast.d2, "municipal_review": cast.m1}[node]
    wf.task_review(
        actor=kwargs.pop("actor", actor),
        task_pk=open_task(app, node).pk,
        outcome=outcome,
        comment=kwargs.pop("comment", "审核意见"),
        **kwargs,
    )
    return fresh(app)


def seat_panel(cast, app, experts=None):
    wf.task_assign_panel(
        actor=cast.m1, task_pk=open_task(app, "expert_panel").pk, experts=experts or cast.experts[:3]
    )
    return fresh(app)


def score_all(app, score=80):
    lines = list(app.lines.all())
    for task in Task.objects.filter(
        process__filingreviewprocess__application=app,
        flow_task=FilingReviewFlow.expert_score,
        status=STATUS.ASSIGNED,
    ):
        wf.task_expert_score(
            actor=task.owner,
            task_pk=task.pk,
            scores={line.pk: {"score": score, "recommendation": "approve"} for line in lines},
        )
    return fresh(app)


def approve_all(app):
    return {line.pk: {"decision": "approved"} for line in app.lines.all()}


def return_at(cast, app, node, items=None, deadline=SOON):
    return review_task(
        cast,
        app,
        node,
        "return",
        correction_items=items or [{"kind": "field", "key": "summary"}],
        correction_deadline=deadline,
    )


def reach(cast, target, *, returned_at="district_accept", items=None, panel=True) -> FilingApplication:
    """A fresh application of the college in ``target``, reached through the flow's task services.
    EXPERT_ASSESSMENT stops before the panel unless ``panel``; RETURNED is returned at ``returned_at``."""
    app = draft(cast)
    if target == S.DRAFT:
        return app
    app = app_svc.application_submit(actor=cast.applicant, application=app)
    if target == S.WITHDRAWN:
        return app_svc.application_withdraw(actor=cast.applicant, application=app, reason="暂缓申报")
    if target == S.REJECTED:
        return review_task(cast, app, "district_accept", "reject", comment="不符合条件")
    if target in (S.RETURNED, S.LAPSED) and returned_at == "district_accept":
        app = return_at(cast, app, "district_accept", items)
        if target == S.LAPSED:
            assert review.lapse_overdue_corrections(today=SOON + datetime.timedelta(days=1)) == [app.pk]
        return fresh(app)
    if target == S.SUBMITTED:
        return fresh(app)
    app = review_task(cast, app, "district_accept")
    if target == S.RETURNED and returned_at == "district_review":
        return return_at(cast, app, "district_review", items)
    if target == S.DISTRICT_REVIEW:
        return app
    app = review_task(cast, app, "district_review")
    if target == S.RETURNED and returned_at == "municipal_review":
        return return_at(cast, app, "municipal_review", items)
    if target == S.MUNICIPAL_REVIEW:
        return app
    app = review_task(cast, app, "municipal_review")
    if target == S.EXPERT_ASSESSMENT and not panel:
        return app
    app = seat_panel(cast, app)
    if target == S.EXPERT_ASSESSMENT:
        return app
    app = score_all(app)
    if target == S.DECISION:
        return app
    wf.task_decide(
        actor=cast.m2, task_pk=open_task(app, "decision").pk, line_decisions=approve_all(app), comment="同意"
    )
    app = fresh(app)
    if target == S.PUBLICITY:
        return app
    assert review.close_ended_publicity(today=app.publicity_ends_on + datetime.timedelta(days=1)) == [app.pk]
    app = fresh(app)
    assert app.status == target == S.FILED
    return app


def assert_denied_and_audited(exc_info, actor, action, app=None):
    """The interface layer calls ``record()``: exactly one 'denied' audit row for this actor and action."""
    exc = exc_info.value
    before = AuditEvent.objects.filter(result="denied", action=action, actor=actor).count()
    exc.record()
    exc.record()  # idempotent
    rows = AuditEvent.objects.filter(result="denied", action=action, actor=actor)
    assert rows.count() == before + 1
    if app is not None:
        assert rows.last().object_id == str(app.pk)
        assert rows.last().object_type == "filing.filingapplication"


# --- the status field -------------------------------------------------------------------------------------


def test_status_is_protected(cast):
    app = draft(cast)
    with pytest.raises(AttributeError):
        app.status = S.FILED
    assert fresh(app).status == S.DRAFT


@pytest.mark.parametrize("target", ALL_STATES)
def test_every_state_is_reachable_through_the_services(cast, target):
    """The helper itself: each state is reached, and the review process is in step with it."""
    app = reach(cast, target)
    assert app.status == target
    process = wf.process_for(app)
    if target == S.DRAFT:
        assert process is None
    elif target in FINAL:
        assert process.finished is not None
        assert not wf.open_tasks(app).exists()
    else:
        assert process.finished is None


# --- submit -----------------------------------------------------------------------------------------------


def test_submit_allowed_from_draft(cast):
    app = app_svc.application_submit(actor=cast.applicant, application=draft(cast))
    app = fresh(app)
    assert app.status == S.SUBMITTED
    assert app.district_id == cast.college.district_id
    assert app.submitted_by == cast.applicant and app.submitted_at is not None
    assert has_open_task(app, "district_accept")
    assert AuditEvent.objects.filter(action="application.submit", object_id=str(app.pk), result="ok").exists()


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s != S.DRAFT])
def test_submit_refused_outside_draft(cast, state):
    app = reach(cast, state)
    with pytest.raises(WrongState):
        app_svc.application_submit(actor=cast.applicant, application=app)
    assert fresh(app).status == state


@pytest.mark.parametrize(
    "who",
    [
        "legal_rep",
        "body_operator",
        "outsider",
        "other_applicant",
        "district_reviewer",
        "municipal_reviewer",
        "expert",
        "auditor",
    ],
)
def test_submit_denied_to_anyone_but_the_applicant(cast, who):
    app = draft(cast)
    actor = persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        app_svc.application_submit(actor=actor, application=app)
    assert fresh(app).status == S.DRAFT
    assert wf.process_for(app) is None
    assert_denied_and_audited(exc_info, actor, "application.submit", app)


def _older_commitment(cast):
    app = draft(cast)
    return app_svc.application_update(actor=cast.applicant, application=app, summary="修改后的说明")


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda cast: draft(cast, lines=()), "至少申请一个"),
        (lambda cast: draft(cast, skip=[AttachmentKind.QUALITY]), "质量管理制度"),
        (lambda cast: draft(cast, skip=[AttachmentKind.CURRICULUM]), "课证融通"),
        (lambda cast: draft(cast, sign=False), "承诺"),
        (_older_commitment, "承诺"),
    ],
    ids=[
        "no-lines",
        "missing-attachment",
        "missing-curriculum",
        "no-commitment",
        "commitment-for-older-version",
    ],
)
def test_submit_invalid_when_incomplete(cast, make, problem):
    app = make(cast)
    with pytest.raises(Invalid) as exc_info:
        app_svc.application_submit(actor=cast.applicant, application=app)
    problems = exc_info.value.errors["__all__"]
    assert len(problems) == 1 and problem in problems[0]
    assert fresh(app).status == S.DRAFT
    assert wf.process_for(app) is None


def test_submit_with_a_stale_version_is_a_conflict(cast):
    app = draft(cast)
    with pytest.raises(Conflict):
        app_svc.application_submit(actor=cast.applicant, application=app, version=app.version - 1)
    assert fresh(app).status == S.DRAFT


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
        assert app.returned_from == STEP_STATE[step]
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


# --- respond to a correction -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "returned_at, back_to",
    [
        ("district_accept", S.SUBMITTED),
        ("district_review", S.DISTRICT_REVIEW),
        ("municipal_review", S.MUNICIPAL_REVIEW),
    ],
)
def test_respond_goes_back_to_the_step_that_returned(cast, returned_at, back_to):
    app = reach(cast, S.RETURNED, returned_at=returned_at)
    assert open_task(app, "correction").owner == cast.applicant
    app_svc.application_update(actor=cast.applicant, application=app, summary="补正后的说明")
    app_svc.application_respond(actor=cast.applicant, application=fresh(app), comment="已按要求补正")
    app = fresh(app)
    assert app.status == back_to and app.returned_from == ""
    correction = app.corrections.get()
    assert correction.state == Correction.State.ANSWERED and correction.response_comment == "已按要求补正"
    assert not has_open_task(app, "correction")
    assert has_open_task(app, returned_at)


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s != S.RETURNED])
def test_respond_only_when_returned(cast, state):
    app = reach(cast, state)
    with pytest.raises(WrongState):
        app_svc.application_respond(actor=cast.applicant, application=app, comment="补正")
    assert fresh(app).status == state


@pytest.mark.parametrize("who", ["legal_rep", "other_applicant", "district_reviewer", "municipal_reviewer"])
def test_respond_denied_to_others(cast, who):
    app = reach(cast, S.RETURNED)
    actor = persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        app_svc.application_respond(actor=actor, application=app, comment="补正")
    assert fresh(app).status == S.RETURNED
    assert_denied_and_audited(exc_info, actor, "application.respond", app)


def test_respond_needs_a_comment(cast):
    app = reach(cast, S.RETURNED)
    with pytest.raises(Invalid):
        app_svc.application_respond(actor=cast.applicant, application=app, comment="  ")
    assert fresh(app).status == S.RETURNED


def _edits(cast, app):
    """Every edit an applicant could try during a correction, keyed by the item that would allow it."""
    lines = list(app.lines.order_by("pk"))
    return {
        ("field", "summary"): lambda: app_svc.application_update(
            actor=cast.applicant, application=fresh(app), summary="新说明"
        ),
        ("field", "contact_phone"): lambda: app_svc.application_update(
            actor=cast.applicant, application=fresh(app), contact_phone="021-60000000"
        ),
        ("line", str(lines[0].pk)): lambda: app_svc.line_update(
            actor=cast.applicant, line=FilingLine.objects.get(pk=lines[0].pk), venue="新场地"
        ),
        ("line", str(lines[1].pk)): lambda: app_svc.line_update(
            actor=cast.applicant, line=FilingLine.objects.get(pk=lines[1].pk), equipment="新设备"
        ),
        ("line", "new"): lambda: app_svc.line_add(
            actor=cast.applicant,
            application=fresh(app),
            offering=factories.offering(level=5),
            majors=list(cast.college.majors.all()),
            venue="场地",
            equipment="设备",
            evaluator_pool="考评员",
        ),
        ("attachment", "quality"): lambda: app_svc.attachment_upload(
            actor=cast.applicant, application=fresh(app), kind="quality", uploaded_file=factories.pdf()
        ),
        ("attachment", "venue"): lambda: app_svc.attachment_upload(
            actor=cast.applicant, application=fresh(app), kind="venue", uploaded_file=factories.pdf()
        ),
    }


@pytest.mark.parametrize("ticked", [0, 2, 4, 5], ids=["field", "line", "new-line", "attachment"])
def test_only_ticked_items_are_editable_during_a_correction(cast, ticked):
    app = reach(cast, S.SUBMITTED)
    keys = list(_edits(cast, app))
    kind, key = keys[ticked]
    app = return_at(cast, app, "district_accept", items=[{"kind": kind, "key": key}])
    edits = _edits(cast, app)
    for item, edit in edits.items():
        if item == (kind, key):
            continue
        version = fresh(app).version
        with pytest.raises(WrongState):
            edit()
        assert fresh(app).version == version, item
    version = fresh(app).version
    edits[(kind, key)]()
    assert fresh(app).version == version + 1
    # Removing a line is an edit of that line too.
    other_line = app.lines.exclude(pk=key if kind == "line" and key != "new" else None).order_by("pk").first()
    with pytest.raises(WrongState):
        app_svc.line_remove(actor=cast.applicant, line=other_line)
    app_svc.application_respond(actor=cast.applicant, application=fresh(app), comment="已补正")
    assert fresh(app).status == S.SUBMITTED


@pytest.mark.parametrize("state", [S.SUBMITTED, S.DISTRICT_REVIEW, S.PUBLICITY, S.FILED])
def test_nothing_is_editable_after_submission(cast, state):
    app = reach(cast, state)
    for edit in _edits(cast, app).values():
        with pytest.raises(WrongState):
            edit()


# --- withdraw ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["applicant", "legal_rep"])
@pytest.mark.parametrize("state", NON_FINAL)
def test_withdraw_from_every_non_final_state(cast, state, who):
    app = reach(cast, state)
    app_svc.application_withdraw(actor=persona(cast, who), application=app, reason="暂缓申报")
    app = fresh(app)
    assert app.status == S.WITHDRAWN
    assert app.closing_reason == "暂缓申报" and app.closed_at is not None
    assert not app.corrections.filter(state=Correction.State.OPEN).exists()
    process = wf.process_for(app)
    if process is not None:
        assert process.finished is not None and not wf.open_tasks(app).exists()


@pytest.mark.parametrize("state", FINAL)
def test_withdraw_refused_when_final(cast, state):
    app = reach(cast, state)
    with pytest.raises(WrongState):
        app_svc.application_withdraw(actor=cast.applicant, application=app, reason="撤回")
    assert fresh(app).status == state


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdraw_needs_a_reason(cast, reason):
    app = reach(cast, S.SUBMITTED)
    with pytest.raises(Invalid):
        app_svc.application_withdraw(actor=cast.applicant, application=app, reason=reason)
    assert fresh(app).status == S.SUBMITTED


@pytest.mark.parametrize(
    "who",
    ["district_reviewer", "municipal_reviewer", "municipal_lead", "expert", "other_applicant", "outsider"],
)
def test_withdraw_denied_to_reviewers_and_strangers(cast, who):
    app = reach(cast, S.SUBMITTED)
    actor = persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        app_svc.application_withdraw(actor=actor, application=app, reason="撤回")
    assert fresh(app).status == S.SUBMITTED
    assert_denied_and_audited(exc_info, actor, "application.withdraw", app)


# --- lapse ------------------------------------------------------------------------------------------------


def test_lapse_only_after_the_deadline(cast):
    app = reach(cast, S.RETURNED)
    deadline = app.corrections.get().deadline
    assert review.correction_lapse(application=app, today=deadline) is False
    assert review.lapse_overdue_corrections(today=deadline) == []
    assert fresh(app).status == S.RETURNED
    assert review.correction_lapse(application=app, today=deadline + datetime.timedelta(days=1)) is True
    app = fresh(app)
    assert app.status == S.LAPSED and "补正期限" in app.closing_reason
    assert app.corrections.get().state == Correction.State.LAPSED
    assert wf.process_for(app).finished is not None
    # Once lapsed, nothing more happens.
    assert review.correction_lapse(application=app, today=deadline + datetime.timedelta(days=2)) is False


@pytest.mark.parametrize("state", [S.SUBMITTED, S.DISTRICT_REVIEW, S.PUBLICITY, S.WITHDRAWN])
def test_lapse_does_nothing_outside_a_correction(cast, state):
    app = reach(cast, state)
    assert review.correction_lapse(application=app, today=TODAY + datetime.timedelta(days=400)) is False
    assert fresh(app).status == state


def test_answered_correction_does_not_lapse(cast):
    app = reach(cast, S.RETURNED)
    app_svc.application_update(actor=cast.applicant, application=app, summary="已补正")
    app_svc.application_respond(actor=cast.applicant, application=fresh(app), comment="已补正")
    assert review.lapse_overdue_corrections(today=SOON + datetime.timedelta(days=30)) == []
    assert fresh(app).status == S.SUBMITTED


# --- expert panel ---------------------------------------------------------------------------------------


@pytest.fixture
def more_experts(roles):
    return [factories.user(f"expert_extra{i}", role=Role.EXPERT) for i in range(1, 4)]


@pytest.mark.parametrize("size", [3, 5])
def test_panel_assign_allowed(cast, more_experts, size):
    app = reach(cast, S.EXPERT_ASSESSMENT, panel=False)
    chosen = (cast.experts + more_experts)[:size]
    assignments = review.panel_assign(actor=cast.m1, application=app, experts=chosen)
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
        review.panel_assign(actor=cast.m1, application=app, experts=pick(cast, extra))
    assert not app.experts.exists()


@pytest.mark.parametrize(
    "who", ["district_reviewer", "district_lead", "applicant", "expert", "auditor", "outsider"]
)
def test_panel_assign_denied_to_non_municipal(cast, who):
    app = reach(cast, S.EXPERT_ASSESSMENT, panel=False)
    actor = persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        review.panel_assign(actor=actor, application=app, experts=cast.experts[:3])
    assert not app.experts.exists()
    assert_denied_and_audited(exc_info, actor, "panel.assign", app)


def test_panel_assign_denied_to_a_municipal_reviewer_of_the_applicant(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT, panel=False)
    membership_grant(actor=None, user=cast.m2, role=Role.LEGAL_REPRESENTATIVE, organisation=cast.college)
    with pytest.raises(Denied):
        review.panel_assign(actor=cast.m2, application=app, experts=cast.experts[:3])


@pytest.mark.parametrize("state", [S.MUNICIPAL_REVIEW, S.DECISION, S.PUBLICITY, S.WITHDRAWN])
def test_panel_assign_refused_outside_expert_assessment(cast, state):
    app = reach(cast, state)
    with pytest.raises(WrongState):
        review.panel_assign(actor=cast.m1, application=app, experts=cast.experts[:3])


def test_panel_assign_only_once(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT)  # panel seated
    with pytest.raises(WrongState):
        review.panel_assign(actor=cast.m1, application=app, experts=cast.experts[1:4])
    assert app.experts.count() == 3


# --- expert scores and conflicts --------------------------------------------------------------------------


def _assignment(app, expert):
    return ExpertAssignment.objects.get(application=app, expert=expert)


def _scores(app, value=85, recommendation="approve"):
    return {line.pk: {"score": value, "recommendation": recommendation} for line in app.lines.all()}


@pytest.mark.parametrize("value", [0, 100, "73"])
def test_expert_scores_own_assignment(cast, value):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    assignment = review.expert_score(
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
        review.expert_score(actor=expert, assignment=_assignment(app, expert), scores=_scores(app))
    assert fresh(app).status == S.DECISION


@pytest.mark.parametrize("who", ["other_expert", "municipal_reviewer", "applicant", "district_reviewer"])
def test_expert_score_denied_for_another_assignment(cast, who):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    actor = cast.experts[1] if who == "other_expert" else persona(cast, who)
    assignment = _assignment(app, cast.expert)
    with pytest.raises(Denied) as exc_info:
        review.expert_score(actor=actor, assignment=assignment, scores=_scores(app))
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
        review.expert_score(actor=cast.expert, assignment=assignment, scores=scores)
    assert f"line_{first.pk}" in exc_info.value.errors
    assert not ExpertScore.objects.filter(assignment=assignment).exists()
    assert ExpertAssignment.objects.get(pk=assignment.pk).state == ExpertAssignment.State.ASSIGNED


def test_expert_scores_once(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    review.expert_score(actor=cast.expert, assignment=_assignment(app, cast.expert), scores=_scores(app))
    with pytest.raises(WrongState):
        review.expert_score(
            actor=cast.expert, assignment=_assignment(app, cast.expert), scores=_scores(app, 10)
        )
    with pytest.raises(WrongState):
        review.expert_declare_conflict(
            actor=cast.expert, assignment=_assignment(app, cast.expert), reason="x"
        )


def test_conflict_replaces_the_expert_with_one_not_on_the_panel(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    on_panel = set(app.experts.values_list("expert_id", flat=True))
    replacement = review.expert_declare_conflict(
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
    review.expert_declare_conflict(
        actor=cast.experts[0], assignment=_assignment(app, cast.experts[0]), reason="回避"
    )
    with pytest.raises(Conflict):
        review.expert_declare_conflict(
            actor=cast.experts[1], assignment=_assignment(app, cast.experts[1]), reason="回避"
        )
    assert _assignment(app, cast.experts[1]).state == ExpertAssignment.State.ASSIGNED


@pytest.mark.parametrize("who", ["other_expert", "municipal_reviewer", "applicant"])
def test_conflict_denied_for_another_assignment(cast, who):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    actor = cast.experts[1] if who == "other_expert" else persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        review.expert_declare_conflict(actor=actor, assignment=_assignment(app, cast.expert), reason="回避")
    assert _assignment(app, cast.expert).state == ExpertAssignment.State.ASSIGNED
    assert_denied_and_audited(exc_info, actor, "expert.conflict", app)


def test_conflict_needs_a_reason(cast):
    app = reach(cast, S.EXPERT_ASSESSMENT)
    with pytest.raises(Invalid):
        review.expert_declare_conflict(
            actor=cast.expert, assignment=_assignment(app, cast.expert), reason=" "
        )
    assert _assignment(app, cast.expert).state == ExpertAssignment.State.ASSIGNED


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


# --- publicity: objections and filing --------------------------------------------------------------------


def test_objection_filed_during_publicity(cast):
    app = reach(cast, S.PUBLICITY)
    objection = review.objection_file(application=app, name="张三", contact="13800000000", text="场地不符")
    assert objection.state == Objection.State.PENDING
    assert fresh(app).status == S.PUBLICITY


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.DECISION, S.FILED, S.WITHDRAWN])
def test_objection_only_during_publicity(cast, state):
    app = reach(cast, state)
    with pytest.raises(WrongState):
        review.objection_file(application=app, name="张三", contact="13800000000", text="场地不符")
    assert not Objection.objects.filter(application=app).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "", "contact": "138", "text": "x"},
        {"name": "张三", "contact": " ", "text": "x"},
        {"name": "张三", "contact": "138", "text": ""},
        {"name": "张" * 61, "contact": "138", "text": "x"},
        {"name": "张三", "contact": "138", "text": "x" * 5001},
    ],
    ids=["no-name", "no-contact", "no-text", "name-too-long", "text-too-long"],
)
def test_objection_invalid(cast, fields):
    app = reach(cast, S.PUBLICITY)
    with pytest.raises(Invalid):
        review.objection_file(application=app, **fields)
    assert not Objection.objects.filter(application=app).exists()


@pytest.fixture
def objected(cast):
    app = reach(cast, S.PUBLICITY)
    objection = review.objection_file(application=app, name="张三", contact="13800000000", text="场地不符")
    return app, objection


def test_upheld_objection_goes_back_to_decision(cast, objected):
    app, objection = objected
    review.objection_decide(actor=cast.m1, objection=objection, upheld=True, reason="经核实属实")
    app = fresh(app)
    assert app.status == S.DECISION
    assert set(app.lines.values_list("decision", flat=True)) == {"pending"}
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.UPHELD
    assert has_open_task(app, "decision")
    # The decision is taken again (by the lead, who took the first one: same step, no four-eyes issue).
    review.application_decide(
        actor=cast.m2, application=app, line_decisions=approve_all(app), comment="重新决定"
    )
    assert fresh(app).status == S.PUBLICITY


def test_dismissed_objection_lets_publicity_run(cast, objected):
    app, objection = objected
    review.objection_decide(actor=cast.m1, objection=objection, upheld=False, reason="经核实不属实")
    assert fresh(app).status == S.PUBLICITY
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.DISMISSED
    assert review.publicity_close(application=app, today=app.publicity_ends_on + datetime.timedelta(days=1))
    assert fresh(app).status == S.FILED


@pytest.mark.parametrize("who", ["district_reviewer", "district_lead", "applicant", "expert", "auditor"])
def test_objection_decide_denied_to_non_municipal(cast, objected, who):
    app, objection = objected
    actor = persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        review.objection_decide(actor=actor, objection=objection, upheld=True, reason="成立")
    assert fresh(app).status == S.PUBLICITY
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.PENDING
    assert_denied_and_audited(exc_info, actor, "objection.decide", app)


def test_objection_decide_denied_to_a_municipal_reviewer_of_the_applicant(cast, objected):
    app, objection = objected
    membership_grant(actor=None, user=cast.m1, role=Role.APPLICANT, organisation=cast.college)
    with pytest.raises(Denied):
        review.objection_decide(actor=cast.m1, objection=objection, upheld=True, reason="成立")


def test_objection_decided_once_and_with_a_reason(cast, objected):
    app, objection = objected
    with pytest.raises(Invalid):
        review.objection_decide(actor=cast.m1, objection=objection, upheld=False, reason=" ")
    review.objection_decide(actor=cast.m1, objection=objection, upheld=False, reason="不成立")
    with pytest.raises(WrongState):
        review.objection_decide(actor=cast.m1, objection=objection, upheld=True, reason="成立")
    assert fresh(app).status == S.PUBLICITY


def test_publicity_close_not_before_the_end(cast):
    app = reach(cast, S.PUBLICITY)
    for day in (app.publicity_starts_on, app.publicity_ends_on):
        assert review.publicity_close(application=app, today=day) is None
    assert fresh(app).status == S.PUBLICITY
    assert not EvaluationBody.objects.filter(organisation=cast.college).exists()


def test_publicity_close_not_with_a_pending_objection(cast, objected):
    app, objection = objected
    after = app.publicity_ends_on + datetime.timedelta(days=1)
    assert review.publicity_close(application=app, today=after) is None
    assert review.close_ended_publicity(today=after) == []
    assert fresh(app).status == S.PUBLICITY


@pytest.mark.parametrize("state", [S.DECISION, S.SUBMITTED, S.WITHDRAWN])
def test_publicity_close_ignores_other_states(cast, state):
    app = reach(cast, state)
    assert review.publicity_close(application=app, today=TODAY + datetime.timedelta(days=60)) is None
    assert fresh(app).status == state


def test_publicity_close_files_the_approved_lines(cast, other_college_same_district, roles):
    app = reach(cast, S.DECISION)
    first, second = app.lines.order_by("pk")
    wf.task_decide(
        actor=cast.m2,
        task_pk=open_task(app, "decision").pk,
        line_decisions={
            first.pk: {"decision": "approved"},
            second.pk: {"decision": "rejected", "reason": "不足"},
        },
        comment="部分同意",
    )
    app = fresh(app)
    after = app.publicity_ends_on + datetime.timedelta(days=1)
    body = review.publicity_close(application=app, today=after)
    app = fresh(app)
    assert app.status == S.FILED and app.body == body and app.closed_at is not None
    assert body.organisation == cast.college
    assert body.category == app.body_category == "Y"
    assert body.ministry_code == "0000" and body.province_code == "31"
    assert len(body.serial) == 6 and body.serial.isdigit()
    assert body.code == f"Y000031{body.serial}"
    assert body.filed_on == after
    filed = FiledLine.objects.filter(body=body)
    assert [f.offering_id for f in filed] == [first.offering_id]
    assert filed.get().effective_from == after and filed.get().application == app
    assert wf.process_for(app).finished is not None
    # Closing again does nothing.
    assert review.publicity_close(application=app, today=after) is None
    assert EvaluationBody.objects.filter(organisation=cast.college).count() == 1

    # A second application, of another college, gets a different serial.
    other_applicant = cast.other_applicant
    other_rep = factories.user(
        "other_rep", role=Role.LEGAL_REPRESENTATIVE, organisation=other_college_same_district
    )
    other = SimpleNamespace(
        **{
            **vars(cast),
            "college": other_college_same_district,
            "applicant": other_applicant,
            "legal_rep": other_rep,
        }
    )
    app2 = reach(other, S.FILED)
    assert app2.body.organisation == other_college_same_district
    assert app2.body.serial != body.serial
    assert int(app2.body.serial) == int(body.serial) + 1


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
