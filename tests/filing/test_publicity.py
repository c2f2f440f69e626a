"""Publicity (``filing.services.publicity``): objections, their decision, and filing at the end — allowed and
denied by state and by role."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from filing.errors import Denied, Invalid, WrongState
from filing.models import (
    EvaluationBody,
    FiledLine,
    Objection,
)
from filing.roles import Role
from filing.services import publicity as publicity_svc
from filing.services import review
from filing.services.memberships import membership_grant
from tests import factories
from tests.filing.lifecycle import (
    TODAY,
    S,
    approve_all,
    assert_denied_and_audited,
    fresh,
    has_open_task,
    persona,
    reach,
    review_process,
)
from workflows import services as wf
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db(transaction=False)


# --- publicity: objections and filing --------------------------------------------------------------------


def test_objection_filed_during_publicity(cast):
    app = reach(cast, S.PUBLICITY)
    objection = publicity_svc.objection_file(
        application=app, name="张三", contact="13800000000", text="场地不符"
    )
    assert objection.state == Objection.State.PENDING
    assert fresh(app).status == S.PUBLICITY


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.DECISION, S.FILED, S.WITHDRAWN])
def test_objection_only_during_publicity(cast, state):
    app = reach(cast, state)
    with pytest.raises(WrongState):
        publicity_svc.objection_file(application=app, name="张三", contact="13800000000", text="场地不符")
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
        publicity_svc.objection_file(application=app, **fields)
    assert not Objection.objects.filter(application=app).exists()


def test_upheld_objection_goes_back_to_decision(cast, objected):
    app, objection = objected
    publicity_svc.objection_decide(actor=cast.m1, objection=objection, upheld=True, reason="经核实属实")
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
    publicity_svc.objection_decide(actor=cast.m1, objection=objection, upheld=False, reason="经核实不属实")
    assert fresh(app).status == S.PUBLICITY
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.DISMISSED
    assert publicity_svc.publicity_close(
        application=app, today=app.publicity_ends_on + datetime.timedelta(days=1)
    )
    assert fresh(app).status == S.FILED


@pytest.mark.parametrize("who", ["district_reviewer", "district_lead", "applicant", "expert", "auditor"])
def test_objection_decide_denied_to_non_municipal(cast, objected, who):
    app, objection = objected
    actor = persona(cast, who)
    with pytest.raises(Denied) as exc_info:
        publicity_svc.objection_decide(actor=actor, objection=objection, upheld=True, reason="成立")
    assert fresh(app).status == S.PUBLICITY
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.PENDING
    assert_denied_and_audited(exc_info, actor, "objection.decide", app)


def test_objection_decide_denied_to_a_municipal_reviewer_of_the_applicant(cast, objected):
    app, objection = objected
    membership_grant(actor=None, user=cast.m1, role=Role.APPLICANT, organisation=cast.college)
    with pytest.raises(Denied):
        publicity_svc.objection_decide(actor=cast.m1, objection=objection, upheld=True, reason="成立")


def test_objection_decided_once_and_with_a_reason(cast, objected):
    app, objection = objected
    with pytest.raises(Invalid):
        publicity_svc.objection_decide(actor=cast.m1, objection=objection, upheld=False, reason=" ")
    publicity_svc.objection_decide(actor=cast.m1, objection=objection, upheld=False, reason="不成立")
    with pytest.raises(WrongState):
        publicity_svc.objection_decide(actor=cast.m1, objection=objection, upheld=True, reason="成立")
    assert fresh(app).status == S.PUBLICITY


def test_publicity_close_not_before_the_end(cast):
    app = reach(cast, S.PUBLICITY)
    for day in (app.publicity_starts_on, app.publicity_ends_on):
        assert publicity_svc.publicity_close(application=app, today=day) is None
    assert fresh(app).status == S.PUBLICITY
    assert not EvaluationBody.objects.filter(organisation=cast.college).exists()


def test_publicity_close_not_with_a_pending_objection(cast, objected):
    app, objection = objected
    after = app.publicity_ends_on + datetime.timedelta(days=1)
    assert publicity_svc.publicity_close(application=app, today=after) is None
    assert publicity_svc.close_ended_publicity(today=after) == []
    assert fresh(app).status == S.PUBLICITY


@pytest.mark.parametrize("state", [S.DECISION, S.SUBMITTED, S.WITHDRAWN])
def test_publicity_close_ignores_other_states(cast, state):
    app = reach(cast, state)
    assert publicity_svc.publicity_close(application=app, today=TODAY + datetime.timedelta(days=60)) is None
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
    body = publicity_svc.publicity_close(application=app, today=after)
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
    assert review_process(app).finished is not None
    # Closing again does nothing.
    assert publicity_svc.publicity_close(application=app, today=after) is None
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
