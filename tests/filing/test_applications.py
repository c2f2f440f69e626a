"""The applicant's side of a filing application (``filing.services.applications``): the protected status,
every state reachable, submit and withdraw — allowed and denied by state and by role."""

from __future__ import annotations

import pytest

from filing.errors import Conflict, Denied, Invalid, WrongState
from filing.models import (
    AttachmentKind,
    AuditEvent,
    Correction,
)
from filing.services import applications as app_svc
from tests.filing.lifecycle import (
    ALL_STATES,
    FINAL,
    NON_FINAL,
    S,
    assert_denied_and_audited,
    draft,
    fresh,
    has_open_task,
    persona,
    reach,
    review_process,
)
from workflows import selectors as wf_selectors

pytestmark = pytest.mark.django_db(transaction=False)


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
    process = review_process(app)
    if target == S.DRAFT:
        assert process is None
    elif target in FINAL:
        assert process.finished is not None
        assert not wf_selectors.open_tasks(app).exists()
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
    assert review_process(app) is None
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
    assert review_process(app) is None


def test_submit_with_a_stale_version_is_a_conflict(cast):
    app = draft(cast)
    with pytest.raises(Conflict):
        app_svc.application_submit(actor=cast.applicant, application=app, version=app.version - 1)
    assert fresh(app).status == S.DRAFT


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
    process = review_process(app)
    if process is not None:
        assert process.finished is not None and not wf_selectors.open_tasks(app).exists()


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
