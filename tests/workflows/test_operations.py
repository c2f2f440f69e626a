"""Flow-level task operations (workflows.operations): 催办, 拿回, 退回区级重审 — each allowed and denied for
role, state and unit, with its audit entry and notification."""

from __future__ import annotations

import datetime

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing.errors import Conflict, Denied, NotFound, WrongState
from filing.models import ApplicationStatus, AuditEvent, ReviewDecision, ReviewOutcome
from filing.roles import Role
from filing.services import applications as app_svc
from notifications.models import OutboxEvent
from tests import factories
from workflows import operations as ops
from workflows import services as wf
from workflows.flows import FilingReviewFlow
from workflows.models import TaskUrge

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(applicant, legal_rep, college):
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    return app_svc.application_submit(actor=applicant, application=draft)


def task_of(application, node, *, status=None):
    tasks = Task.objects.filter(
        process__filingreviewprocess__application=application, flow_task=getattr(FilingReviewFlow, node)
    ).order_by("-pk")
    if status:
        tasks = tasks.filter(status=status)
    return tasks.first()


def to_district_review(application):
    accepter = factories.user(f"accept_{application.pk}", role=Role.DISTRICT_REVIEWER, district_code="310115")
    wf.task_review(
        actor=accepter, task_pk=task_of(application, "district_accept").pk, outcome="approve", comment="受理"
    )
    return task_of(application, "district_review")


def to_municipal_review(application, reviewer):
    task = to_district_review(application)
    wf.task_review(actor=reviewer, task_pk=task.pk, outcome="approve", comment="区级同意")
    task.refresh_from_db()
    return task


# --- 催办 ------------------------------------------------------------------------------------------------


def test_applicant_urges_a_waiting_task_and_the_queue_is_told(submitted, applicant, district_reviewer):
    task = task_of(submitted, "district_accept")
    urge = ops.task_urge(actor=applicant, task_pk=task.pk, note="请尽快受理")
    assert urge.task_id == task.pk
    assert AuditEvent.objects.filter(action="task.urge", object_id=str(submitted.pk)).count() == 1
    event = OutboxEvent.objects.get(kind="task_urged")
    assert event.payload["count"] == 1 and event.payload["note"] == "请尽快受理"
    assert district_reviewer.pk in set(event.deliveries.values_list("recipient_id", flat=True))
    summary = ops.urge_summary([task])[task.pk]
    assert summary["count"] == 1 and summary["urges"][0].urged_by == applicant


def test_an_owned_task_is_urged_to_its_owner_only(submitted, applicant, district_reviewer, district_lead):
    task = task_of(submitted, "district_accept")
    wf.task_claim(actor=district_reviewer, task_pk=task.pk)
    ops.task_urge(actor=applicant, task_pk=task.pk)
    event = OutboxEvent.objects.get(kind="task_urged")
    assert set(event.deliveries.values_list("recipient_id", flat=True)) == {district_reviewer.pk}


def test_urge_daily_limit(submitted, applicant, settings):
    settings.WORKFLOW = {**settings.WORKFLOW, "URGE_DAILY_LIMIT": 2}
    task = task_of(submitted, "district_accept")
    ops.task_urge(actor=applicant, task_pk=task.pk)
    ops.task_urge(actor=applicant, task_pk=task.pk)
    with pytest.raises(Conflict) as caught:
        ops.task_urge(actor=applicant, task_pk=task.pk)
    assert "2次" in caught.value.message
    assert TaskUrge.objects.filter(task=task).count() == 2
    # Another day counts afresh (the rule is per calendar day).
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert ops.urges_today(task, applicant, tomorrow) == 0


def test_superiors_may_urge(submitted, district_reviewer, district_lead, municipal_reviewer):
    task = task_of(submitted, "district_accept")
    wf.task_claim(actor=district_reviewer, task_pk=task.pk)
    ops.task_urge(actor=district_lead, task_pk=task.pk)  # the unit lead
    ops.task_urge(actor=municipal_reviewer, task_pk=task.pk)  # the city over a district step
    assert TaskUrge.objects.filter(task=task).count() == 2


def test_urge_denied_for_role_unit_and_state(
    submitted, applicant, district_reviewer, other_district_reviewer, roles
):
    task = task_of(submitted, "district_accept")
    # A plain colleague in the same queue is not a superior.
    colleague = factories.user("district_pd_9", role=Role.DISTRICT_REVIEWER, district_code="310115")
    with pytest.raises(Denied):
        ops.task_urge(actor=colleague, task_pk=task.pk)
    # Another district's lead sees neither the task nor the application: 404.
    lead_elsewhere = factories.user(
        "district_xh_lead", role=Role.DISTRICT_REVIEWER, district_code="310104", is_unit_lead=True
    )
    with pytest.raises(NotFound):
        ops.get_task_to_urge(lead_elsewhere, task.pk)
    # Another college's applicant: 404 as well.
    other = factories.organisation(district_code="310115", name="别的学院")
    stranger = factories.user("applicant_other", role=Role.APPLICANT, organisation=other)
    with pytest.raises(NotFound):
        ops.get_task_to_urge(stranger, task.pk)
    assert ops.get_task_to_urge(applicant, task.pk) == task
    # The owner cannot urge themself; a finished task cannot be urged.
    wf.task_claim(actor=district_reviewer, task_pk=task.pk)
    with pytest.raises(Denied):
        ops.task_urge(actor=district_reviewer, task_pk=task.pk)
    wf.task_review(actor=district_reviewer, task_pk=task.pk, outcome="approve", comment="受理")
    with pytest.raises(WrongState):
        ops.task_urge(actor=applicant, task_pk=task.pk)
    assert TaskUrge.objects.count() == 0


# --- 拿回 ------------------------------------------------------------------------------------------------


def test_district_reviewer_takes_back_an_approval_the_city_has_not_touched(
    submitted, district_reviewer, municipal_reviewer
):
    done = to_municipal_review(submitted, district_reviewer)
    municipal = task_of(submitted, "municipal_review")
    assert ops.take_back_refusal(district_reviewer, done) is None
    reopened = ops.task_take_back(actor=district_reviewer, task_pk=done.pk)
    submitted.refresh_from_db()
    municipal.refresh_from_db()
    assert submitted.status == ApplicationStatus.DISTRICT_REVIEW
    assert municipal.status == STATUS.CANCELED
    assert reopened.status == STATUS.ASSIGNED and reopened.owner == district_reviewer
    assert reopened.flow_task == FilingReviewFlow.district_review
    assert ReviewDecision.objects.filter(application=submitted, outcome=ReviewOutcome.TAKE_BACK).count() == 1
    assert AuditEvent.objects.filter(action="task.take_back").count() == 1
    assert AuditEvent.objects.filter(action="review.district_review.take_back").count() == 1
    assert OutboxEvent.objects.filter(kind="taken_back").exists()
    # The reopened task is decided again as usual, and the flow goes on.
    wf.task_review(actor=district_reviewer, task_pk=reopened.pk, outcome="approve", comment="复核同意")
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.MUNICIPAL_REVIEW
    assert task_of(submitted, "municipal_review", status=STATUS.NEW) is not None


def test_take_back_refused_once_the_next_step_started(submitted, district_reviewer, municipal_reviewer):
    done = to_municipal_review(submitted, district_reviewer)
    municipal = task_of(submitted, "municipal_review")
    wf.task_claim(actor=municipal_reviewer, task_pk=municipal.pk)  # claimed = started
    with pytest.raises(WrongState):
        ops.task_take_back(actor=district_reviewer, task_pk=done.pk)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.MUNICIPAL_REVIEW


def test_take_back_denied_to_anyone_but_who_did_it(submitted, district_reviewer, district_lead):
    done = to_municipal_review(submitted, district_reviewer)
    with pytest.raises(Denied):
        ops.task_take_back(actor=district_lead, task_pk=done.pk)
    # A node without a take-back (the acceptance) and a still open task are wrong states.
    accept = task_of(submitted, "district_accept")
    with pytest.raises(WrongState):
        ops.task_take_back(actor=accept.owner, task_pk=accept.pk)
    with pytest.raises(Denied):  # an open task is nobody's to take back
        ops.task_take_back(actor=district_reviewer, task_pk=task_of(submitted, "municipal_review").pk)


def test_municipal_reviewer_takes_back_before_a_panel_is_named(
    submitted, district_reviewer, municipal_reviewer
):
    to_municipal_review(submitted, district_reviewer)
    municipal = task_of(submitted, "municipal_review")
    wf.task_review(actor=municipal_reviewer, task_pk=municipal.pk, outcome="approve", comment="市级同意")
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.EXPERT_ASSESSMENT
    municipal.refresh_from_db()
    reopened = ops.task_take_back(actor=municipal_reviewer, task_pk=municipal.pk)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.MUNICIPAL_REVIEW
    assert reopened.owner == municipal_reviewer
    assert task_of(submitted, "expert_panel").status == STATUS.CANCELED


# --- 退回区级重审 ------------------------------------------------------------------------------------------


def test_city_sends_back_to_the_district_review(submitted, district_reviewer, municipal_reviewer):
    district_done = to_municipal_review(submitted, district_reviewer)
    municipal = task_of(submitted, "municipal_review")
    clock_before = submitted.clock_periods.count()
    reopened = ops.task_send_back(
        actor=municipal_reviewer, task_pk=municipal.pk, to_node="district_review", comment="场地证明不清"
    )
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.DISTRICT_REVIEW
    assert reopened.flow_task == FilingReviewFlow.district_review and reopened.pk != district_done.pk
    # Back to whoever did the district review, with the city's reasons.
    assert reopened.status == STATUS.ASSIGNED and reopened.owner == district_reviewer
    decision = ReviewDecision.objects.get(application=submitted, outcome=ReviewOutcome.SEND_BACK)
    assert decision.comment == "场地证明不清"
    from filing.services.review import last_send_back

    assert last_send_back(submitted) == decision
    assert AuditEvent.objects.filter(action="review.municipal_review.send_back").count() == 1
    assert AuditEvent.objects.filter(action="task.send_back").count() == 1
    assert OutboxEvent.objects.filter(kind="sent_back").exists()
    # The clock rule: review time at either level is the authority's; the running period goes on.
    assert submitted.clock_periods.count() == clock_before
    assert submitted.clock_periods.filter(ended_on__isnull=True).count() == 1
    # The district decides again; the city sees it again.
    wf.task_review(actor=district_reviewer, task_pk=reopened.pk, outcome="approve", comment="已核实")
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.MUNICIPAL_REVIEW


def test_send_back_denied_for_role_node_and_reason(submitted, district_reviewer, municipal_reviewer):
    to_municipal_review(submitted, district_reviewer)
    municipal = task_of(submitted, "municipal_review")
    from filing.errors import Invalid

    with pytest.raises(Denied):  # a district reviewer cannot act on the city's task
        ops.task_send_back(
            actor=district_reviewer, task_pk=municipal.pk, to_node="district_review", comment="x"
        )
    with pytest.raises(WrongState):  # not an earlier node of this one
        ops.task_send_back(
            actor=municipal_reviewer, task_pk=municipal.pk, to_node="district_accept", comment="x"
        )
    with pytest.raises(Invalid):
        ops.task_send_back(
            actor=municipal_reviewer, task_pk=municipal.pk, to_node="district_review", comment=" "
        )
    municipal.refresh_from_db()
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.MUNICIPAL_REVIEW
    assert municipal.status in (STATUS.NEW, STATUS.ASSIGNED)
