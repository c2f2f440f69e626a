"""An evaluation plan from draft to confirmed results, through the services and the plan flow."""

import datetime

import pytest
from django.utils import timezone

from filing.errors import Invalid, WrongState
from filing.models import BodyStatus, PlanStatus, Registration, RosterImport
from filing.roles import Role
from filing.services import plans as svc
from filing.services import results as results_svc
from filing.services import roster as roster_svc
from filing.services import staffing as staffing_svc
from tests import factories
from workflows import scenarios
from workflows import services as wf
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db
FIRST = datetime.date(2026, 6, 1)
FILED_ON = datetime.date(2026, 5, 11)  # 14 working days before (May Day holidays in between)


def aware(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def body(college, body_operator):
    return factories.filed_body(college)


@pytest.fixture
def major(college):
    return factories.major(college, code="660103")


def make_plan(body, operator, level=4):
    line = body.lines.get(offering__level=level)
    plan = svc.plan_create(
        actor=operator,
        body=body,
        line=line,
        title="2026届数控车工四级",
        expected_headcount=40,
        first_sitting_on=FIRST,
    )
    svc.sitting_add(
        actor=operator,
        plan=plan,
        part="theory",
        starts_at=aware(FIRST, 9),
        ends_at=aware(FIRST, 11),
        room="A101",
        candidates_expected=20,
    )
    svc.sitting_add(
        actor=operator,
        plan=plan,
        part="skill",
        starts_at=aware(FIRST, 13),
        ends_at=aware(FIRST, 17),
        room="实训楼3-1",
        candidates_expected=10,
    )
    return plan


def test_plan_outside_scope_or_for_suspended_body_is_refused(body, body_operator, college):
    other_line = factories.filed_body(factories.organisation(), levels=(4,)).lines.first()
    with pytest.raises(Invalid):
        svc.plan_create(
            actor=body_operator,
            body=body,
            line=other_line,
            title="x",
            expected_headcount=1,
            first_sitting_on=FIRST,
        )
    body.suspend()
    body.save()
    assert body.status == BodyStatus.SUSPENDED
    with pytest.raises(Invalid):
        svc.plan_create(
            actor=body_operator,
            body=body,
            line=body.lines.first(),
            title="x",
            expected_headcount=1,
            first_sitting_on=FIRST,
        )


def test_filing_needs_lead_time_and_every_part(body, body_operator):
    plan = make_plan(body, body_operator)
    with pytest.raises(Invalid) as exc:
        svc.plan_file(actor=body_operator, plan=plan, today=datetime.date(2026, 5, 25))
    assert "工作日" in str(exc.value.errors)


def test_registration_before_confirmation_is_refused(body, body_operator, major):
    plan = make_plan(body, body_operator)
    svc.plan_file(actor=body_operator, plan=plan, today=FILED_ON)
    data = factories.roster_csv(
        [["李四", "居民身份证", factories.citizen_id(1), "660103", "数控1班", "2026-06-30", "是", ""]]
    )
    with pytest.raises(WrongState):
        roster_svc.roster_import(actor=body_operator, plan=plan, file_name="r.csv", data=data)
    with pytest.raises(WrongState):
        svc.plan_open_registration(actor=body_operator, plan=plan)


def test_plan_to_confirmed_results(body, body_operator, major, municipal_reviewer, college):
    plan = make_plan(body, body_operator)
    svc.plan_file(actor=body_operator, plan=plan, today=FILED_ON)
    wf.task_plan_review(
        actor=municipal_reviewer, task_pk=open_task(plan, "confirm_plan").pk, approve=True, comment="同意"
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED
    svc.plan_open_registration(actor=body_operator, plan=plan)
    rows = [
        ["张一", "居民身份证", factories.citizen_id(11), "660103", "数控1班", "2026-06-30", "是", ""],
        ["王二", "居民身份证", factories.citizen_id(13), "660103", "数控1班", "2026-06-30", "是", ""],
        [
            "赵三",
            "居民身份证",
            factories.citizen_id(15),
            "660103",
            "数控1班",
            "2027-06-30",
            "是",
            "",
        ],  # not graduating
    ]
    record = roster_svc.roster_import(
        actor=body_operator, plan=plan, file_name="r.csv", data=factories.roster_csv(rows)
    )
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report
    statuses = dict(plan.registrations.values_list("candidate__name", "status"))
    assert statuses == {"张一": "eligible", "王二": "eligible", "赵三": "ineligible"}
    zhao = plan.registrations.get(candidate__name="赵三")
    assert [c["rule"] for c in zhao.eligibility if not c["passed"]] == ["graduating_year"]
    svc.plan_close_registration(actor=body_operator, plan=plan)

    theory, skill = plan.sittings.order_by("part")[1], plan.sittings.order_by("part")[0]
    assert {theory.part, skill.part} == {"theory", "skill"}
    with pytest.raises(Invalid):
        svc.plan_start(actor=body_operator, plan=plan)  # nobody staffed yet
    for i in range(2):
        staffing_svc.staff_assign(
            actor=body_operator, sitting=theory, evaluator=factories.evaluator(f"监考{i}"), role="invigilator"
        )
    staffing_svc.staff_assign(
        actor=body_operator,
        sitting=theory,
        evaluator=factories.evaluator("督导甲", supervisor=True),
        role="supervisor",
    )
    for i in range(3):
        staffing_svc.staff_assign(
            actor=body_operator,
            sitting=skill,
            evaluator=factories.evaluator(f"考评{i}", occupation=plan.line.offering.occupation, level=4),
            role="skill_evaluator",
        )
    with pytest.raises(Invalid) as exc:
        svc.plan_start(actor=body_operator, plan=plan)  # the skill sitting has no supervisor
    assert "督导员" in str(exc.value.errors)
    staffing_svc.staff_assign(
        actor=body_operator,
        sitting=skill,
        evaluator=factories.evaluator("督导乙", supervisor=True),
        role="supervisor",
    )
    svc.plan_start(actor=body_operator, plan=plan)
    svc.plan_finish_sittings(actor=body_operator, plan=plan)
    zhang = plan.registrations.get(candidate__name="张一")
    wang = plan.registrations.get(candidate__name="王二")
    results_svc.score_enter(actor=body_operator, registration=zhang, part="theory", score="75")
    results_svc.score_enter(actor=body_operator, registration=zhang, part="skill", score="60")
    results_svc.score_enter(actor=body_operator, registration=wang, part="theory", score="95")
    results_svc.score_enter(
        actor=body_operator, registration=wang, part="skill", score="59.5"
    )  # no compensation
    with pytest.raises(Invalid):
        results_svc.score_enter(actor=body_operator, registration=wang, part="skill", score="101")
    results_svc.plan_publish_results(actor=body_operator, plan=plan, today=datetime.date(2026, 6, 3))
    assert Registration.objects.get(pk=zhang.pk).status == "passed"
    assert Registration.objects.get(pk=wang.pk).status == "failed"
    plan.refresh_from_db()
    with pytest.raises(WrongState):
        results_svc.plan_submit_results(actor=body_operator, plan=plan, today=plan.results_publicity_ends_on)
    results_svc.plan_submit_results(
        actor=body_operator, plan=plan, today=plan.results_publicity_ends_on + datetime.timedelta(days=1)
    )
    audit_task = open_task(plan, "audit_results").pk
    with pytest.raises(Invalid, match="认定结果不能确认"):  # 逢考必督: no report yet
        wf.task_results_audit(actor=municipal_reviewer, task_pk=audit_task, approve=True, comment="结果属实")
    scenarios.supervise(plan, factories.user("city_supervisor", role="supervisor"))
    wf.task_results_audit(
        actor=municipal_reviewer,
        task_pk=open_task(plan, "audit_results").pk,
        approve=True,
        comment="结果属实",
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RESULTS_CONFIRMED
    assert plan.process.finished is not None


def test_bad_roster_is_rejected_whole(body, body_operator, major, municipal_reviewer):
    plan = make_plan(body, body_operator)
    svc.plan_file(actor=body_operator, plan=plan, today=FILED_ON)
    wf.task_plan_review(
        actor=municipal_reviewer, task_pk=open_task(plan, "confirm_plan").pk, approve=True, comment="同意"
    )
    svc.plan_open_registration(actor=body_operator, plan=plan)
    good = factories.citizen_id(21)
    rows = [
        ["张一", "居民身份证", good, "660103", "1班", "2026-06-30", "是", ""],
        ["王二", "居民身份证", good, "660103", "1班", "2026-06-30", "是", ""],  # duplicate of row 2
        ["赵三", "居民身份证", "360426199101010072", "660103", "1班", "2026-06-30", "是", ""],  # checksum
        ["钱四", "居民身份证", "=HYPERLINK(1)", "660103", "1班", "2026-06-30", "是", ""],  # formula
        ["孙五", "学生证", factories.citizen_id(23), "999999", "1班", "明年", "也许", ""],
    ]
    record = roster_svc.roster_import(
        actor=body_operator, plan=plan, file_name="r.csv", data=factories.roster_csv(rows)
    )
    assert record.outcome == RosterImport.Outcome.REJECTED
    found = {(e["row"], e["column"]) for e in record.report}
    assert found == {
        (3, "证件号码"),
        (4, "证件号码"),
        (5, "证件号码"),
        (6, "证件类型"),
        (6, "专业代码"),
        (6, "预计毕业时间"),
        (6, "是否全日制"),
    }
    assert plan.registrations.count() == 0
    assert good not in str(record.report)


def test_role_scoping(body, body_operator, municipal_reviewer, roles):
    plan = make_plan(body, body_operator)
    outsider_operator = factories.user(role=Role.BODY_OPERATOR, organisation=factories.organisation())
    from filing.errors import Denied

    with pytest.raises(Denied):
        svc.plan_file(actor=outsider_operator, plan=plan, today=FILED_ON)
    svc.plan_file(actor=body_operator, plan=plan, today=FILED_ON)
    with pytest.raises(Denied):
        svc.plan_review(actor=body_operator, plan=plan, approve=True, comment="自己批准")


# --- 撤回备案: withdrawing a filed plan before its confirmation -----------------------------------------


def plan_tasks(plan, node):
    from viewflow.workflow.models import Task

    from workflows.flows import PlanFlow

    return Task.objects.filter(process__planprocess__plan=plan, flow_task=getattr(PlanFlow, node))


@pytest.fixture
def filed_plan(body, body_operator):
    plan = make_plan(body, body_operator)
    svc.plan_file(actor=body_operator, plan=plan, today=FILED_ON)
    plan.refresh_from_db()
    return plan


def test_a_filed_plan_is_withdrawn_its_confirmation_cancelled_and_refiled(
    filed_plan, body_operator, municipal_reviewer
):
    from viewflow.workflow.status import STATUS

    from filing.models import AuditEvent
    from notifications.models import Delivery

    waiting = open_task(filed_plan, "confirm_plan")
    wf.task_claim(actor=municipal_reviewer, task_pk=waiting.pk)  # a reviewer had opened it
    with pytest.raises(Invalid):
        svc.plan_withdraw_filing(actor=body_operator, plan=filed_plan, reason=" ")
    svc.plan_withdraw_filing(actor=body_operator, plan=filed_plan, reason="考场调整，修改后重新报备")
    filed_plan.refresh_from_db()
    assert filed_plan.status == PlanStatus.DRAFT
    waiting.refresh_from_db()
    assert waiting.status == STATUS.DONE and waiting.owner == body_operator  # ended by the withdrawal
    assert plan_tasks(filed_plan, "wait_refile").filter(status=STATUS.NEW).count() == 1
    assert AuditEvent.objects.filter(action="plan.withdraw", object_id=str(filed_plan.pk)).exists()
    told = Delivery.objects.filter(event__kind="plan_withdrawn", recipient=municipal_reviewer)
    assert told.exists() and told.first().event.payload["reason"] == "考场调整，修改后重新报备"
    # The reviewer who had claimed it cannot decide it any more.
    with pytest.raises(WrongState):
        wf.task_plan_review(actor=municipal_reviewer, task_pk=waiting.pk, approve=True, comment="同意")
    # Edited and filed again: the authority has a new confirmation task, and confirms.
    svc.plan_update(
        actor=body_operator,
        plan=filed_plan,
        title="2026届数控车工四级（调整）",
        expected_headcount=40,
        first_sitting_on=FIRST,
        today=FILED_ON,
    )
    svc.plan_file(actor=body_operator, plan=filed_plan, today=FILED_ON)
    again = open_task(filed_plan, "confirm_plan")
    assert again.pk != waiting.pk
    wf.task_plan_review(actor=municipal_reviewer, task_pk=again.pk, approve=True, comment="同意")
    filed_plan.refresh_from_db()
    assert filed_plan.status == PlanStatus.CONFIRMED


def test_withdrawal_is_refused_once_confirmed_and_to_others(
    filed_plan, body_operator, municipal_reviewer, college_other_district
):
    from filing.errors import Denied

    other = factories.user(role=Role.BODY_OPERATOR, organisation=college_other_district)
    for outsider in (other, municipal_reviewer):
        with pytest.raises(Denied):
            svc.plan_withdraw_filing(actor=outsider, plan=filed_plan, reason="无权")
    filed_plan.refresh_from_db()
    assert filed_plan.status == PlanStatus.FILED
    wf.task_plan_review(
        actor=municipal_reviewer,
        task_pk=open_task(filed_plan, "confirm_plan").pk,
        approve=True,
        comment="同意",
    )
    with pytest.raises(WrongState):
        svc.plan_withdraw_filing(actor=body_operator, plan=filed_plan, reason="太晚")


def test_the_withdrawal_page_confirms_with_the_plan_and_the_consequence(client, filed_plan, body_operator):
    client.force_login(body_operator)
    detail = client.get(f"/plans/{filed_plan.pk}/").content.decode()
    assert f'href="/plans/{filed_plan.pk}/withdraw/"' in detail
    page = client.get(f"/plans/{filed_plan.pk}/withdraw/").content.decode()
    assert filed_plan.title in page and "回到草稿状态" in page and 'name="reason"' in page
    filed_plan.refresh_from_db()
    assert filed_plan.status == PlanStatus.FILED
    assert client.post(f"/plans/{filed_plan.pk}/withdraw/", {"reason": "改期"}).status_code == 302
    filed_plan.refresh_from_db()
    assert filed_plan.status == PlanStatus.DRAFT
    assert (
        f'href="/plans/{filed_plan.pk}/withdraw/"'
        not in client.get(f"/plans/{filed_plan.pk}/").content.decode()
    )
