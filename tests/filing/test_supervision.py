"""A body after filing: rectification, suspension, reinstatement, exit, revocation and one line's suspension,
through the services, each allowed and denied for state and role; and what each standing stops
(``filing.standing``): new plans, registrations (opening and importing) and issuance."""

import datetime

import pytest
from django.utils import timezone

from filing.errors import Denied, Invalid, WrongState
from filing.models import (
    AuditEvent,
    BodyDecision,
    BodyStatus,
    CertificateStatus,
    DecisionKind,
    EvaluationPlan,
    FiledLineStatus,
    PlanStatus,
    RectificationStatus,
    RosterImport,
)
from filing.services import plans as plan_svc
from filing.services import rectification as rect
from filing.services import roster as roster_svc
from filing.services import supervision as svc
from filing.standing import Activity, standing_problems
from tests import factories
from tests.filing.issued import issue

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
LATER = TODAY + datetime.timedelta(days=30)
FIRST = datetime.date(2026, 6, 1)


@pytest.fixture
def body(college, body_operator):
    return factories.filed_body(college)


@pytest.fixture
def city(municipal_reviewer):
    return municipal_reviewer


def fresh(body):
    return type(body).objects.get(pk=body.pk)


def create_plan(body, operator, level=4):
    return plan_svc.plan_create(
        actor=operator,
        body=body,
        line=body.lines.get(offering__level=level),
        title=f"计划{level}-{EvaluationPlan.objects.count()}",
        expected_headcount=10,
        first_sitting_on=FIRST,
    )


def open_plan(body, operator):
    return EvaluationPlan.objects.create(
        body=body,
        line=body.lines.get(offering__level=4),
        title=f"报名中{EvaluationPlan.objects.count()}",
        expected_headcount=5,
        first_sitting_on=FIRST,
        created_by=operator,
        status=PlanStatus.REGISTRATION_OPEN,
    )


def import_roster(plan, operator):
    data = factories.roster_csv([["张三", "居民身份证", factories.citizen_id(1), "660103", "1班", "2026-06"]])
    return roster_svc.roster_import(actor=operator, plan=plan, file_name="r.csv", data=data)


def request_issue(plan, operator, key):
    return issue(plan, operator, key)


# --- the standing table ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (BodyStatus.ACTIVE, {"plan", "register", "sit", "issue"}),
        (BodyStatus.RECTIFICATION, {"register", "sit", "issue"}),
        (BodyStatus.SUSPENDED, {"sit"}),
        (BodyStatus.EXIT_REQUESTED, {"register", "sit", "issue"}),
        (BodyStatus.EXITED, set()),
        (BodyStatus.REVOKED, set()),
    ],
)
def test_what_each_standing_allows(body, status, allowed):
    type(body).objects.filter(pk=body.pk).update(status=status)
    body = fresh(body)
    line = body.lines.first()
    assert {a for a in Activity if not standing_problems(body, line, a)} == allowed


def test_suspended_sittings_may_be_stopped_by_setting(body, settings):
    settings.FILING = {**settings.FILING, "SUSPENSION_LETS_SITTINGS_FINISH": False}
    type(body).objects.filter(pk=body.pk).update(status=BodyStatus.SUSPENDED)
    assert standing_problems(fresh(body), body.lines.first(), Activity.SIT)


# --- suspension stops plans, registrations and issuance; reinstatement restores each -----------------------


def test_suspension_stops_and_reinstatement_restores_plans_registrations_and_issuance(
    body, body_operator, city
):
    registering = open_plan(body, body_operator)
    confirmed = EvaluationPlan.objects.create(
        body=body,
        line=body.lines.get(offering__level=4),
        title="已确认",
        expected_headcount=5,
        first_sitting_on=FIRST,
        created_by=body_operator,
        status=PlanStatus.CONFIRMED,
    )
    results, operator = factories.plan_with_results(body, passed=2)

    svc.body_suspend(actor=city, body=body, reason="考务管理混乱", reference="沪职鉴〔2026〕1号")
    assert fresh(body).status == BodyStatus.SUSPENDED
    with pytest.raises(Invalid, match="超出备案范围"):
        create_plan(body, body_operator)
    with pytest.raises(WrongState, match="报名"):
        import_roster(registering, body_operator)
    with pytest.raises(WrongState, match="报名"):
        plan_svc.plan_open_registration(actor=body_operator, plan=confirmed)
    with pytest.raises(WrongState, match="发放证书"):
        from filing.services import issuance

        issuance.issuance_request(actor=operator, plan=results, idempotency_key="suspended")
    assert not RosterImport.objects.exists()

    svc.body_reinstate(actor=city, body=body, reason="整改到位")
    assert fresh(body).status == BodyStatus.ACTIVE
    assert create_plan(body, body_operator).status == PlanStatus.DRAFT
    assert import_roster(registering, body_operator).pk
    assert plan_svc.plan_open_registration(actor=body_operator, plan=confirmed).status == (
        PlanStatus.REGISTRATION_OPEN
    )
    batch = request_issue(results, operator, "reinstated")
    assert batch.certificates.count() == 2

    kinds = list(BodyDecision.objects.filter(body=body).values_list("kind", flat=True))
    assert kinds == [DecisionKind.REINSTATED, DecisionKind.SUSPENDED]
    assert AuditEvent.objects.filter(action="body.suspended").exists()


def test_suspension_and_reinstatement_denied_for_state_and_role(body, body_operator, city):
    for actor in (body_operator, factories.user(role="district_reviewer", district_code="310115")):
        with pytest.raises(Denied):
            svc.body_suspend(actor=actor, body=body, reason="x")
    with pytest.raises(WrongState):
        svc.body_reinstate(actor=city, body=body, reason="x")  # not suspended
    with pytest.raises(Invalid):
        svc.body_suspend(actor=city, body=body, reason="  ")
    svc.body_suspend(actor=city, body=body, reason="x")
    with pytest.raises(WrongState):
        svc.body_suspend(actor=city, body=body, reason="again")
    with pytest.raises(Denied):
        svc.body_reinstate(actor=body_operator, body=body, reason="x")


# --- rectification -----------------------------------------------------------------------------------------


def test_rectification_order_answer_send_back_and_accept(body, body_operator, city, legal_rep):
    order = rect.rectification_order(actor=city, body=body, findings="考场无监控", deadline=LATER)
    assert fresh(body).status == BodyStatus.RECTIFICATION
    with pytest.raises(Invalid):
        create_plan(body, body_operator)  # no new plans while under rectification
    assert import_roster(open_plan(body, body_operator), body_operator).pk  # running plans continue

    with pytest.raises(WrongState):
        rect.rectification_accept(actor=city, order=order, note="x")  # nothing answered yet
    with pytest.raises(Denied):
        rect.rectification_respond(actor=city, order=order, response="x")
    rect.rectification_respond(actor=legal_rep, order=order, response="已加装监控")
    with pytest.raises(WrongState):
        rect.rectification_respond(actor=body_operator, order=order, response="again")
    with pytest.raises(Denied):
        rect.rectification_accept(actor=body_operator, order=order, note="x")
    with pytest.raises(Invalid):
        rect.rectification_send_back(actor=city, order=order, note="不到位", deadline=TODAY)
    rect.rectification_send_back(actor=city, order=order, note="不到位", deadline=LATER)
    order.refresh_from_db()
    assert order.status == RectificationStatus.OPEN
    rect.rectification_respond(actor=body_operator, order=order, response="已全部整改")
    rect.rectification_accept(actor=city, order=order, note="验收通过")
    assert fresh(body).status == BodyStatus.ACTIVE
    assert create_plan(body, body_operator)


def test_two_open_orders_keep_the_body_under_rectification(body, body_operator, city):
    first = rect.rectification_order(actor=city, body=body, findings="问题一", deadline=LATER)
    rect.rectification_order(actor=city, body=body, findings="问题二", deadline=LATER)
    rect.rectification_respond(actor=body_operator, order=first, response="已改")
    rect.rectification_accept(actor=city, order=first, note="通过")
    assert fresh(body).status == BodyStatus.RECTIFICATION


def test_escalation_suspends_and_reinstatement_returns_to_rectification(body, body_operator, city):
    order = rect.rectification_order(actor=city, body=body, findings="问题", deadline=LATER)
    other = rect.rectification_order(actor=city, body=body, findings="另一问题", deadline=LATER)
    rect.rectification_escalate(actor=city, order=order, note="逾期未整改")
    order.refresh_from_db()
    assert order.status == RectificationStatus.ESCALATED
    assert fresh(body).status == BodyStatus.SUSPENDED
    with pytest.raises(WrongState):
        rect.rectification_escalate(actor=city, order=order, note="again")
    svc.body_reinstate(actor=city, body=body, reason="恢复")
    assert fresh(body).status == BodyStatus.RECTIFICATION  # ``other`` is still open
    assert other.pk


@pytest.mark.parametrize("deadline", ["abc", "", "2026-13-40", None, TODAY, TODAY - datetime.timedelta(1)])
def test_rectification_deadline_is_parsed_and_in_the_future(body, city, deadline):
    with pytest.raises(Invalid):
        rect.rectification_order(actor=city, body=body, findings="问题", deadline=deadline)
    assert fresh(body).status == BodyStatus.ACTIVE


def test_no_rectification_of_an_exited_or_revoked_body(body, city):
    svc.body_revoke(
        actor=city, body=body, reason="出借资质", reference="沪人社〔2026〕9号", banned_until=LATER
    )
    with pytest.raises(WrongState):
        rect.rectification_order(actor=city, body=body, findings="x", deadline=LATER)


# --- exit ----------------------------------------------------------------------------------------------


def test_exit_needs_no_open_plans_and_keeps_certificates(body, body_operator, city):
    plan, operator = factories.plan_with_results(body, passed=1)
    certificate = request_issue(plan, operator, "before-exit").certificates.get()
    with pytest.raises(WrongState, match="未办结"):
        svc.body_request_exit(actor=body_operator, body=body, reason="停止办学")
    EvaluationPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ARCHIVED)
    with pytest.raises(Denied):
        svc.body_request_exit(actor=city, body=body, reason="x")
    svc.body_request_exit(actor=body_operator, body=body, reason="停止办学")
    assert fresh(body).status == BodyStatus.EXIT_REQUESTED
    with pytest.raises(Denied):
        svc.body_decide_exit(actor=body_operator, body=body, approve=True, reason="x")
    svc.body_decide_exit(actor=city, body=body, approve=True, reason="同意退出")
    body = fresh(body)
    assert body.status == BodyStatus.EXITED
    assert set(body.lines.values_list("status", flat=True)) == {FiledLineStatus.WITHDRAWN}
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    with pytest.raises(WrongState):
        svc.body_decide_exit(actor=city, body=body, approve=False, reason="x")


def test_refused_or_withdrawn_exit_returns_to_the_status_it_came_from(body, body_operator, city):
    rect.rectification_order(actor=city, body=body, findings="问题", deadline=LATER)
    svc.body_request_exit(actor=body_operator, body=body, reason="x")
    svc.body_decide_exit(actor=city, body=body, approve=False, reason="有投诉未办结")
    assert fresh(body).status == BodyStatus.RECTIFICATION
    svc.body_request_exit(actor=body_operator, body=body, reason="x")
    with pytest.raises(Denied):
        svc.body_withdraw_exit(actor=city, body=body, reason="x")
    svc.body_withdraw_exit(actor=body_operator, body=body, reason="继续办学")
    assert fresh(body).status == BodyStatus.RECTIFICATION
    with pytest.raises(WrongState):
        svc.body_withdraw_exit(actor=body_operator, body=body, reason="x")


# --- revocation ----------------------------------------------------------------------------------------


def test_revocation_keeps_certificates_unless_named(body, city):
    plan, operator = factories.plan_with_results(body, passed=3)
    kept, named, also_kept = request_issue(plan, operator, "r").certificates.order_by("number")
    with pytest.raises(Invalid):
        svc.body_revoke(actor=city, body=body, reason="x", reference="文号", banned_until=TODAY)
    with pytest.raises(Invalid, match="不是本机构的有效证书"):
        svc.body_revoke(
            actor=city, body=body, reason="x", reference="文号", banned_until=LATER, certificates="Y000"
        )
    decision = svc.body_revoke(
        actor=city,
        body=body,
        reason="出借资质",
        reference="沪人社〔2026〕9号",
        banned_until=LATER,
        certificates=f"{named.number}，{named.number}",
    )
    assert decision.certificates_revoked == 1 and decision.banned_until == LATER
    statuses = {c.pk: type(c).objects.get(pk=c.pk).status for c in (kept, named, also_kept)}
    assert statuses == {
        kept.pk: CertificateStatus.VALID,
        named.pk: CertificateStatus.REVOKED,
        also_kept.pk: CertificateStatus.VALID,
    }
    body = fresh(body)
    assert body.status == BodyStatus.REVOKED and body.banned_until == LATER
    for call in (
        lambda: svc.body_revoke(actor=city, body=body, reason="x", reference="y", banned_until=LATER),
        lambda: svc.body_suspend(actor=city, body=body, reason="x"),
        lambda: svc.body_request_exit(
            actor=factories.user(role="body_operator", organisation=body.organisation), body=body, reason="x"
        ),
    ):
        with pytest.raises(WrongState):
            call()


def test_revocation_cannot_name_another_bodys_certificate(body, city):
    other = factories.filed_body(factories.organisation())
    plan, operator = factories.plan_with_results(other, passed=1)
    foreign = request_issue(plan, operator, "foreign").certificates.get()
    with pytest.raises(Invalid):
        svc.body_revoke(
            actor=city,
            body=body,
            reason="x",
            reference="y",
            banned_until=LATER,
            certificates=[foreign.number],
        )
    foreign.refresh_from_db()
    assert foreign.status == CertificateStatus.VALID


# --- one filed line ------------------------------------------------------------------------------------


def test_one_line_suspended_the_rest_active(body, body_operator, city):
    line4 = body.lines.get(offering__level=4)
    svc.line_suspend(actor=city, line=line4, reason="该等级考核质量问题")
    with pytest.raises(Invalid):
        create_plan(body, body_operator, level=4)
    assert create_plan(body, body_operator, level=3)
    with pytest.raises(WrongState):
        svc.line_suspend(actor=city, line=line4, reason="again")
    with pytest.raises(Denied):
        svc.line_reinstate(actor=body_operator, line=line4, reason="x")
    svc.line_reinstate(actor=city, line=line4, reason="恢复")
    assert create_plan(body, body_operator, level=4)
    decision = BodyDecision.objects.filter(line=line4).first()
    assert decision.kind == DecisionKind.LINE_REINSTATED and decision.to_status == FiledLineStatus.ACTIVE


def test_a_reviewer_of_the_bodys_own_organisation_may_not_decide(body, college):
    from filing.models import Membership

    insider = factories.user(role="municipal_reviewer")

    Membership.objects.create(user=insider, role="applicant", organisation=college, is_active=True)
    from filing import access

    access.forget(insider)
    with pytest.raises(Denied):
        svc.body_suspend(actor=insider, body=body, reason="x")


# --- who hears what --------------------------------------------------------------------------------------


def recipients(kind):
    from notifications.models import Delivery

    return {d.recipient_id for d in Delivery.objects.filter(event__kind=kind)}


def test_decisions_reach_the_body_and_answers_reach_the_city(body, body_operator, legal_rep, city):
    from notifications.models import OutboxEvent

    order = rect.rectification_order(actor=city, body=body, findings="考场无监控", deadline=LATER)
    assert recipients("body_decided") == {body_operator.pk, legal_rep.pk}
    rect.rectification_respond(actor=body_operator, order=order, response="已改")
    assert city.pk in recipients("rectification_responded")
    rect.rectification_send_back(actor=city, order=order, note="不到位", deadline=LATER)
    assert recipients("rectification_sent_back") == {body_operator.pk, legal_rep.pk}
    event = OutboxEvent.objects.filter(kind="body_decided").get()
    assert event.payload["decision"] == "责令整改" and event.payload["code"] == body.code
    EvaluationPlan.objects.all().delete()
    svc.body_request_exit(actor=body_operator, body=body, reason="停办")
    assert city.pk in recipients("body_exit_requested")


def test_rectification_deadline_reminders_once_each(body, body_operator, city):
    from filing.services import timers

    order = rect.rectification_order(actor=city, body=body, findings="问题", deadline=LATER)
    timers.run_timers(LATER - datetime.timedelta(days=10))
    assert not recipients("rectification_due_soon")
    timers.run_timers(LATER - datetime.timedelta(days=2))
    timers.run_timers(LATER - datetime.timedelta(days=1))
    assert body_operator.pk in recipients("rectification_due_soon")
    timers.run_timers(LATER + datetime.timedelta(days=1))
    timers.run_timers(LATER + datetime.timedelta(days=2))
    assert {body_operator.pk, city.pk} <= recipients("rectification_overdue")
    from notifications.models import OutboxEvent

    assert OutboxEvent.objects.filter(kind="rectification_overdue").count() == 1
    assert order.pk
