"""Return for correction (``filing.services.corrections``): answering it, what is editable while it is open,
and the lapse of an unanswered one — allowed and denied by state and by role."""

from __future__ import annotations

import datetime

import pytest

from filing.errors import Denied, Invalid, WrongState
from filing.models import (
    Correction,
    FilingLine,
)
from filing.services import applications as app_svc
from filing.services import attachments as attachments_svc
from filing.services import corrections as corrections_svc
from tests import factories
from tests.filing.lifecycle import (
    ALL_STATES,
    SOON,
    TODAY,
    S,
    assert_denied_and_audited,
    fresh,
    has_open_task,
    persona,
    reach,
    return_at,
    review_process,
)
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db(transaction=False)


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
    assert app.status == back_to and not app.corrections.filter(state=Correction.State.OPEN).exists()
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
        ("attachment", "quality"): lambda: attachments_svc.attachment_upload(
            actor=cast.applicant, application=fresh(app), kind="quality", uploaded_file=factories.pdf()
        ),
        ("attachment", "venue"): lambda: attachments_svc.attachment_upload(
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


# --- lapse ------------------------------------------------------------------------------------------------


def test_lapse_only_after_the_deadline(cast):
    app = reach(cast, S.RETURNED)
    deadline = app.corrections.get().deadline
    assert corrections_svc.correction_lapse(application=app, today=deadline) is False
    assert corrections_svc.lapse_overdue_corrections(today=deadline) == []
    assert fresh(app).status == S.RETURNED
    assert (
        corrections_svc.correction_lapse(application=app, today=deadline + datetime.timedelta(days=1)) is True
    )
    app = fresh(app)
    assert app.status == S.LAPSED and "补正期限" in app.closing_reason
    assert app.corrections.get().state == Correction.State.LAPSED
    assert review_process(app).finished is not None
    # Once lapsed, nothing more happens.
    assert (
        corrections_svc.correction_lapse(application=app, today=deadline + datetime.timedelta(days=2))
        is False
    )


@pytest.mark.parametrize("state", [S.SUBMITTED, S.DISTRICT_REVIEW, S.PUBLICITY, S.WITHDRAWN])
def test_lapse_does_nothing_outside_a_correction(cast, state):
    app = reach(cast, state)
    assert (
        corrections_svc.correction_lapse(application=app, today=TODAY + datetime.timedelta(days=400)) is False
    )
    assert fresh(app).status == state


def test_answered_correction_does_not_lapse(cast):
    app = reach(cast, S.RETURNED)
    app_svc.application_update(actor=cast.applicant, application=app, summary="已补正")
    app_svc.application_respond(actor=cast.applicant, application=fresh(app), comment="已补正")
    assert corrections_svc.lapse_overdue_corrections(today=SOON + datetime.timedelta(days=30)) == []
    assert fresh(app).status == S.SUBMITTED
