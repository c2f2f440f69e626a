"""批量审批: 50 plan confirmations with one opinion, some made to fail in different ways (claimed by a
colleague, withdrawn meanwhile, refused late inside the service after the status had changed, not a task of
that node, not a task at all): every success committed, every failure reported, no partial one."""

from __future__ import annotations

import pytest
from django.test import Client
from viewflow.workflow.status import STATUS

from filing import signals
from filing.errors import Invalid
from filing.models import AuditEvent, EvaluationPlan, PlanStatus
from filing.roles import Role
from filing.services import plans as svc
from tests import factories
from tests.filing.test_plans import FILED_ON, make_plan
from workflows import operations as ops
from workflows import services as wf
from workflows.models import BatchRun
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(college, body_operator):
    body = factories.filed_body(college)
    filed = []
    for _ in range(50):
        plan = make_plan(body, body_operator)
        svc.plan_file(actor=body_operator, plan=plan, today=FILED_ON)
        filed.append(plan)
    return filed


def test_fifty_plan_confirmations_in_one_batch(plans, body_operator, municipal_reviewer, roles):
    colleague = factories.user("municipal_2", role=Role.MUNICIPAL_REVIEWER)
    tasks = [open_task(plan, "confirm_plan") for plan in plans]
    claimed = {tasks[i].pk for i in (3, 17, 29)}
    for pk in claimed:
        wf.task_claim(actor=colleague, task_pk=pk)
    withdrawn = {tasks[i].pk for i in (5, 41)}
    for i in (5, 41):
        svc.plan_withdraw_filing(actor=body_operator, plan=plans[i], reason="修改考场")
    late = {plans[i].pk for i in (8, 22, 36, 49)}

    def refuse_late(sender, plan, **kwargs):  # after the status change and its audit row: must roll back
        if plan.pk in late:
            raise Invalid("模拟的后续校验失败")

    failing_late = {tasks[i].pk for i in (8, 22, 36, 49)}
    signals.plan_confirmed.connect(refuse_late, dispatch_uid="test_refuse_late")
    try:
        run = ops.task_batch_approve(
            actor=municipal_reviewer,
            node="confirm_plan",
            task_pks=[t.pk for t in tasks] + [999_999_999],
            comment="同意，按计划实施",
        )
    finally:
        signals.plan_confirmed.disconnect(dispatch_uid="test_refuse_late")

    results = {r["task"]: r for r in run.results}
    assert len(results) == 51
    failures = claimed | withdrawn | failing_late | {999_999_999}
    assert {pk for pk, r in results.items() if not r["ok"]} == failures
    assert all(results[pk]["message"] for pk in failures)
    assert results[999_999_999]["message"] == "任务不存在。"
    assert "模拟的后续校验失败" in results[next(iter(failing_late))]["message"]
    successes = [t for t in tasks if t.pk not in failures]
    assert len(successes) == 50 - 9
    for plan, task in zip(plans, tasks, strict=True):
        plan.refresh_from_db()
        task.refresh_from_db()
        confirmed_audits = AuditEvent.objects.filter(action="plan.confirm", object_id=str(plan.pk)).count()
        if task.pk in failures:
            assert plan.status in (PlanStatus.FILED, PlanStatus.DRAFT), plan.status
            assert confirmed_audits == 0  # nothing half-done
            if task.pk in failing_late:
                assert task.status == STATUS.NEW and task.owner_id is None
            if task.pk in claimed:
                assert task.owner == colleague and task.status == STATUS.ASSIGNED
        else:
            assert plan.status == PlanStatus.CONFIRMED
            assert task.status == STATUS.DONE and task.owner == municipal_reviewer
            assert confirmed_audits == 1
    assert EvaluationPlan.objects.filter(status=PlanStatus.CONFIRMED).count() == 41
    batch_audit = AuditEvent.objects.get(action="task.batch")
    assert len(batch_audit.payload["done"]) == 41 and len(batch_audit.payload["failed"]) == 9 + 1
    assert BatchRun.objects.get(pk=run.pk).results == run.results


def test_batch_refusals(plans, municipal_reviewer, district_reviewer):
    task = open_task(plans[0], "confirm_plan")
    with pytest.raises(Invalid):  # a node that is not approved in batches
        ops.task_batch_approve(
            actor=municipal_reviewer, node="municipal_review", task_pks=[task.pk], comment="x"
        )
    with pytest.raises(Invalid):  # no opinion
        ops.task_batch_approve(actor=municipal_reviewer, node="confirm_plan", task_pks=[task.pk], comment=" ")
    with pytest.raises(Invalid):  # nothing chosen
        ops.task_batch_approve(actor=municipal_reviewer, node="confirm_plan", task_pks=[], comment="同意")
    # A district reviewer sees none of these tasks: each is reported, nothing changes.
    run = ops.task_batch_approve(
        actor=district_reviewer, node="confirm_plan", task_pks=[task.pk], comment="同意"
    )
    assert run.results == [{"task": task.pk, "ok": False, "message": "任务不存在。"}]
    plans[0].refresh_from_db()
    assert plans[0].status == PlanStatus.FILED


def test_batch_page_and_api(plans, municipal_reviewer):
    client = Client()
    client.force_login(municipal_reviewer)
    page = client.get("/tasks/batch/?node=confirm_plan")
    assert page.status_code == 200 and page.content.decode().count('name="tasks"') == 50
    tasks = [open_task(plan, "confirm_plan").pk for plan in plans[:3]]
    answer = client.post("/tasks/batch/", {"node": "confirm_plan", "tasks": tasks, "comment": "同意"})
    assert answer.status_code == 200
    assert 'data-done="3"' in answer.content.decode()
    api = client.post(
        "/api/v1/tasks/batch/",
        {
            "node": "confirm_plan",
            "tasks": [open_task(plans[3], "confirm_plan").pk, tasks[0]],
            "comment": "同意",
        },
        content_type="application/json",
    )
    assert api.status_code == 200, api.content
    assert [r["ok"] for r in api.json()["results"]] == [True, False]
    bad = client.post(
        "/api/v1/tasks/batch/",
        {"node": "confirm_plan", "tasks": ["x"], "comment": "同意"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert (
        client.post(
            "/api/v1/tasks/batch/",
            {"node": "nope", "tasks": [1], "comment": "同意"},
            content_type="application/json",
        ).status_code
        == 400
    )
    assert client.post("/tasks/batch/", {"node": "nope"}).status_code == 404
