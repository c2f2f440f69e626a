"""The whole review, through the same services the pages use: draft → filed, with a correction round,
an expert conflict, publicity and the timer."""

import datetime

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing.errors import Denied, Invalid, WrongState
from filing.models import (
    ApplicationStatus,
    AuditEvent,
    BodyStatus,
    ExpertAssignment,
    FiledLine,
    FilingLine,
    ReviewOutcome,
)
from filing.services import applications as app_svc
from filing.services import attachments as attachments_svc
from filing.services import corrections as corrections_svc
from filing.services import publicity as publicity_svc
from workflows import selectors as wf_selectors
from workflows import services as wf
from workflows.flows import FilingReviewFlow
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db(transaction=False)
S = ApplicationStatus


@pytest.fixture
def submitted(applicant, legal_rep, college):
    from tests.factories import complete_draft

    draft = complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    return app_svc.application_submit(actor=applicant, application=draft)


def test_submission_starts_review_routed_to_the_district(
    submitted, district_reviewer, other_district_reviewer
):
    assert submitted.status == S.SUBMITTED
    task = open_task(submitted, "district_accept")
    assert task.owner_permission == "filing.review_district_310115"
    queue_pd = wf_selectors.tasks_visible_to(district_reviewer)["queue"]
    queue_xh = wf_selectors.tasks_visible_to(other_district_reviewer)["queue"]
    assert task in list(queue_pd)
    assert task not in list(queue_xh)


def test_full_journey_to_filed(
    submitted, applicant, district_reviewer, district_lead, municipal_reviewer, municipal_lead, experts
):
    app = submitted
    # 区级受理 then 区级审核 by two different people (four-eyes).
    wf.task_review(
        actor=district_reviewer,
        task_pk=open_task(app, "district_accept").pk,
        outcome=ReviewOutcome.APPROVE,
        comment="材料齐全，予以受理",
    )
    task = open_task(app, "district_review")
    with pytest.raises(Denied):
        wf.task_review(
            actor=district_reviewer, task_pk=task.pk, outcome=ReviewOutcome.APPROVE, comment="同意"
        )
    wf.task_review(actor=district_lead, task_pk=task.pk, outcome=ReviewOutcome.APPROVE, comment="同意上报")
    app.refresh_from_db()
    assert app.status == S.MUNICIPAL_REVIEW

    # 市级审核 returns for correction of one attachment.
    deadline = datetime.date.today() + datetime.timedelta(days=30)
    wf.task_review(
        actor=municipal_reviewer,
        task_pk=open_task(app, "municipal_review").pk,
        outcome=ReviewOutcome.RETURN,
        comment="考评人员名单不完整",
        correction_items=[{"kind": "attachment", "key": "evaluators"}],
        correction_deadline=deadline,
    )
    app.refresh_from_db()
    assert app.status == S.RETURNED
    assert open_task(app, "correction").owner == applicant
    # Only the ticked item may change.
    with pytest.raises(WrongState):
        app_svc.application_update(actor=applicant, application=app, summary="改一下")
    from tests.factories import pdf

    attachments_svc.attachment_upload(
        actor=applicant, application=app, kind="evaluators", uploaded_file=pdf("名单v2.pdf")
    )
    correction = app.corrections.get()
    changes = corrections_svc.changes_since(correction)
    assert [c["item"] for c in changes] == ["材料：考评人员名单及资格证明"]
    app.refresh_from_db()
    app_svc.application_respond(actor=applicant, application=app, comment="已补充完整名单")
    app.refresh_from_db()
    assert app.status == S.MUNICIPAL_REVIEW

    wf.task_review(
        actor=municipal_reviewer,
        task_pk=open_task(app, "municipal_review").pk,
        outcome=ReviewOutcome.APPROVE,
        comment="同意组织专家评审",
    )
    app.refresh_from_db()
    assert app.status == S.EXPERT_ASSESSMENT

    # Panel of three; one declares a conflict and is replaced by the fourth expert.
    with pytest.raises(Invalid):
        wf.task_assign_panel(
            actor=municipal_reviewer, task_pk=open_task(app, "expert_panel").pk, experts=experts[:2]
        )
    wf.task_assign_panel(
        actor=municipal_reviewer, task_pk=open_task(app, "expert_panel").pk, experts=experts[:3]
    )
    expert_tasks = {
        t.owner: t
        for t in Task.objects.filter(
            process__filingreviewprocess__application=app,
            flow_task=FilingReviewFlow.expert_score,
            status=STATUS.ASSIGNED,
        )
    }
    assert set(expert_tasks) == set(experts[:3])
    wf.task_expert_conflict(actor=experts[0], task_pk=expert_tasks[experts[0]].pk, reason="曾在该校任教")
    replacement_task = Task.objects.get(
        process__filingreviewprocess__application=app,
        flow_task=FilingReviewFlow.expert_score,
        owner=experts[3],
    )
    lines = list(app.lines.all())
    scores = {line.pk: {"score": 85, "recommendation": "approve"} for line in lines}
    for expert, task in (
        (experts[1], expert_tasks[experts[1]]),
        (experts[2], expert_tasks[experts[2]]),
        (experts[3], replacement_task),
    ):
        app.refresh_from_db()
        assert app.status == S.EXPERT_ASSESSMENT
        wf.task_expert_score(actor=expert, task_pk=task.pk, scores=scores)
    app.refresh_from_db()
    assert app.status == S.DECISION
    assert ExpertAssignment.objects.filter(application=app, state="scored").count() == 3

    # Decision by a municipal reviewer who did not decide the municipal review: approve one line only.
    decision_task = open_task(app, "decision")
    decisions = {
        lines[0].pk: {"decision": "approved"},
        lines[1].pk: {"decision": "rejected", "reason": "场地不足"},
    }
    with pytest.raises(Denied):
        wf.task_decide(
            actor=municipal_reviewer, task_pk=decision_task.pk, line_decisions=decisions, comment="x"
        )
    wf.task_decide(
        actor=municipal_lead, task_pk=decision_task.pk, line_decisions=decisions, comment="部分同意"
    )
    app.refresh_from_db()
    assert app.status == S.PUBLICITY
    assert app.publicity_ends_on > app.publicity_starts_on

    # The timer does nothing before the end and files after it.
    assert publicity_svc.close_ended_publicity(today=app.publicity_ends_on) == []
    assert publicity_svc.close_ended_publicity(today=app.publicity_ends_on + datetime.timedelta(days=1)) == [
        app.pk
    ]
    app.refresh_from_db()
    assert app.status == S.FILED
    body = app.body
    assert body.status == BodyStatus.ACTIVE
    assert body.code == f"Y000031{body.serial}" and len(body.serial) == 6
    assert list(FiledLine.objects.filter(body=body).values_list("offering_id", flat=True)) == [
        lines[0].offering_id
    ]
    assert FilingLine.objects.get(pk=lines[1].pk).decision == "rejected"
    process = app.review_process
    assert process.finished is not None
    assert not Task.objects.filter(
        process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
    ).exists()
    assert AuditEvent.objects.filter(object_id=str(app.pk), action="application.file").count() == 1


def test_upheld_objection_reopens_decision_and_timer_does_not_file(
    submitted, district_reviewer, district_lead, municipal_reviewer, municipal_lead, experts
):
    app = _to_publicity(
        submitted, district_reviewer, district_lead, municipal_reviewer, municipal_lead, experts
    )
    objection = publicity_svc.objection_file(
        application=app, name="张三", contact="13800000000", text="场地与申报不符"
    )
    after_end = app.publicity_ends_on + datetime.timedelta(days=1)
    assert publicity_svc.close_ended_publicity(today=after_end) == []  # a pending objection blocks filing
    publicity_svc.objection_decide(
        actor=municipal_reviewer, objection=objection, upheld=True, reason="经核实属实"
    )
    app.refresh_from_db()
    assert app.status == S.DECISION
    assert publicity_svc.close_ended_publicity(today=after_end) == []
    assert open_task(app, "decision")


def _to_publicity(app, d1, d2, m1, m2, experts):
    wf.task_review(actor=d1, task_pk=open_task(app, "district_accept").pk, outcome="approve", comment="受理")
    wf.task_review(actor=d2, task_pk=open_task(app, "district_review").pk, outcome="approve", comment="同意")
    wf.task_review(actor=m1, task_pk=open_task(app, "municipal_review").pk, outcome="approve", comment="同意")
    wf.task_assign_panel(actor=m1, task_pk=open_task(app, "expert_panel").pk, experts=experts[:3])
    lines = list(app.lines.all())
    for task in Task.objects.filter(
        process__filingreviewprocess__application=app,
        flow_task=FilingReviewFlow.expert_score,
        status=STATUS.ASSIGNED,
    ):
        wf.task_expert_score(
            actor=task.owner,
            task_pk=task.pk,
            scores={line.pk: {"score": 80, "recommendation": "approve"} for line in lines},
        )
    wf.task_decide(
        actor=m2,
        task_pk=open_task(app, "decision").pk,
        line_decisions={line.pk: {"decision": "approved"} for line in lines},
        comment="同意",
    )
    app.refresh_from_db()
    assert app.status == S.PUBLICITY
    return app


def test_withdraw_cancels_the_process(submitted, applicant):
    app_svc.application_withdraw(actor=applicant, application=submitted, reason="暂缓申报")
    submitted.refresh_from_db()
    assert submitted.status == S.WITHDRAWN
    process = submitted.review_process
    assert process.status == "CANCELED"
    assert not Task.objects.filter(process=process, status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()


def test_missed_correction_deadline_lapses(submitted, district_reviewer):
    today = datetime.date.today()
    wf.task_review(
        actor=district_reviewer,
        task_pk=open_task(submitted, "district_accept").pk,
        outcome="return",
        comment="请补充质量管理制度",
        correction_items=[{"kind": "attachment", "key": "quality"}],
        correction_deadline=today + datetime.timedelta(days=10),
    )
    assert corrections_svc.lapse_overdue_corrections(today=today + datetime.timedelta(days=10)) == []
    assert corrections_svc.lapse_overdue_corrections(today=today + datetime.timedelta(days=11)) == [
        submitted.pk
    ]
    submitted.refresh_from_db()
    assert submitted.status == S.LAPSED
    assert submitted.review_process.finished is not None


def test_run_timers_command_is_idempotent(submitted):
    from django.core.management import call_command

    call_command("run_timers")
    call_command("run_timers")
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
