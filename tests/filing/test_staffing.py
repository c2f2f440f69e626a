"""The evaluator register (考评员库), recusal declarations (回避声明) and staffing from the register;
editing a plan and its sittings until it is filed; a person is never in two rooms at once (staffing refuses
an evaluator already on another sitting at an overlapping time and names it, only by its time when it is
another body's; the staffing form says the rule and refuses at entry; a cancelled plan holds nobody)."""

import datetime

import pytest

from filing import schedule
from filing.errors import Denied, Invalid, WrongState
from filing.models import AuditEvent, Evaluator, PlanStatus, RecusalDeclaration, SittingStaff, StaffRole
from filing.services import plans as svc
from filing.services import roster, staffing
from tests import factories
from workflows import scenarios
from workflows.scenarios import SittingSpec

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 6, 1)
FILED_ON = datetime.date(2026, 5, 11)


@pytest.fixture
def body(college):
    return factories.filed_body(college)


@pytest.fixture
def occupation(body):
    return body.lines.first().offering.occupation


def person(actor, body, name, occupation, **extra):
    fields = {
        "name": name,
        "certificate_no": f"KP-{name}",
        "occupation": occupation,
        "level": 3,
        "valid_until": datetime.date(2028, 12, 31),
        "can_evaluate": True,
        "can_invigilate": True,
        "is_supervisor": False,
        **extra,
    }
    return staffing.evaluator_create(actor=actor, body=body, **fields)


@pytest.fixture
def plan(body, body_operator, municipal_reviewer, college):
    """A plan open for registration with a 30-candidate skill sitting and two registered candidates."""
    factories.major(college, code="660103")
    plan = scenarios.plan_to_registration(
        body,
        body_operator,
        municipal_reviewer,
        title="2026届数控车工四级",
        sittings=[SittingSpec("theory", DAY, "A101", 30), SittingSpec("skill", DAY, "实训楼3-1", 30, 13, 4)],
        filed_on=FILED_ON,
    )
    rows = [
        ["张一", "居民身份证", factories.citizen_id(11), "660103", "数控1班", "2026-06-30", "是", ""],
        ["王二", "居民身份证", factories.citizen_id(13), "660103", "数控1班", "2026-06-30", "是", ""],
    ]
    record = roster.roster_import(
        actor=body_operator, plan=plan, file_name="r.csv", data=factories.roster_csv(rows)
    )
    assert record.outcome == "accepted", record.report
    return plan


def test_a_30_candidate_skill_sitting_is_staffed_from_the_register(
    plan, body, body_operator, municipal_reviewer, occupation
):
    for i in range(9):
        person(body_operator, body, f"考评员{i}", occupation)
    for i in range(2):
        person(
            municipal_reviewer,
            None,
            f"市督导{i}",
            None,
            can_evaluate=False,
            can_invigilate=False,
            is_supervisor=True,
        )
    scenarios.staff_from_pool(plan, body_operator)
    skill = plan.sittings.get(part="skill")
    assert skill.staff.filter(role=StaffRole.SKILL_EVALUATOR).count() == 7  # 30 / 5 = 6, made odd
    assert skill.staff.filter(role=StaffRole.SUPERVISOR).count() == 1
    assert [p for s in plan.sittings.all() for p in staffing.staffing_problems(s)] == []


def test_staffing_refuses_who_is_not_qualified_valid_active_own_or_free(
    plan, body, body_operator, occupation, roles, college_other_district
):
    skill = plan.sittings.get(part="skill")
    other_occupation = factories.offering("4-12-01-01", 4).occupation
    other_body = factories.filed_body(college_other_district)
    refused = {
        "expired": person(
            body_operator, body, "过期", occupation, valid_until=DAY - datetime.timedelta(days=1)
        ),
        "occupation": person(body_operator, body, "别的职业", other_occupation),
        "level": person(body_operator, body, "等级低", occupation, level=5),
        "other body": factories.evaluator("他校", body=other_body, occupation=occupation, level=3),
    }
    inactive = person(body_operator, body, "停用", occupation)
    staffing.evaluator_set_active(actor=body_operator, evaluator=inactive, active=False, reason="退休")
    refused["inactive"] = inactive
    fit = person(body_operator, body, "合格", occupation, valid_until=DAY)  # valid on the day itself
    offered = staffing.candidates_for(skill, StaffRole.SKILL_EVALUATOR)
    assert offered == [fit]
    for why, evaluator in refused.items():
        with pytest.raises(Invalid) as exc:
            staffing.staff_assign(
                actor=body_operator, sitting=skill, evaluator=evaluator, role="skill_evaluator"
            )
        assert exc.value.errors["evaluator"], why
    assert "2026年6月1日" in str(
        staffing.qualification_problems(refused["expired"], skill, StaffRole.SKILL_EVALUATOR)
    )
    staffing.staff_assign(actor=body_operator, sitting=skill, evaluator=fit, role="skill_evaluator")


def test_a_recusal_declared_on_its_page_keeps_the_person_off_the_plan(
    client, plan, body, body_operator, occupation
):
    zhou = person(body_operator, body, "周考评", occupation)
    skill = plan.sittings.get(part="skill")
    staffing.staff_assign(actor=body_operator, sitting=skill, evaluator=zhou, role="skill_evaluator")
    zhang = plan.registrations.get(candidate__name="张一").candidate
    client.force_login(body_operator)
    page = client.get(f"/plans/{plan.pk}/recusals/new/")
    assert page.status_code == 200 and "回避" in page.content.decode()
    response = client.post(
        f"/plans/{plan.pk}/recusals/new/",
        {"evaluator": zhou.pk, "candidate": zhang.pk, "relation": "relative", "note": "表兄弟"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    declaration = RecusalDeclaration.objects.get()
    assert (declaration.evaluator, declaration.candidate, declaration.declared_by) == (
        zhou,
        zhang,
        body_operator,
    )
    assert AuditEvent.objects.filter(action="recusal.declare").exists()
    problems = staffing.staffing_problems(skill)
    assert any("周考评须回避" in p and "张一" in p for p in problems)
    theory = plan.sittings.get(part="theory")
    with pytest.raises(Invalid) as exc:
        staffing.staff_assign(actor=body_operator, sitting=theory, evaluator=zhou, role="invigilator")
    assert "张一" in str(exc.value.errors)
    assert zhou not in staffing.candidates_for(theory, StaffRole.INVIGILATOR)
    detail = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "表兄弟" in detail and "周考评须回避" in detail


def test_the_register_is_scoped_and_kept_by_its_body(
    client, body, body_operator, municipal_reviewer, occupation, college_other_district
):
    own = person(body_operator, body, "本校考评员", occupation)
    other_body = factories.filed_body(college_other_district)
    other_operator = factories.user("op2", role="body_operator", organisation=college_other_district)
    theirs = person(other_operator, other_body, "他校考评员", occupation)
    city = person(municipal_reviewer, None, "市督导", None, can_evaluate=False, is_supervisor=True)
    client.force_login(body_operator)
    listing = client.get("/plans/evaluators/").content.decode()
    assert "本校考评员" in listing and "市督导" in listing and "他校考评员" not in listing
    assert client.get(f"/plans/evaluators/{theirs.pk}/edit/").status_code == 404
    with pytest.raises(Denied):
        staffing.evaluator_update(actor=body_operator, evaluator=city, **_fields(city))
    edited = client.post(
        f"/plans/evaluators/{own.pk}/edit/",
        {**_form(own), "valid_until": "2029-06-30", "version": own.version},
    )
    assert edited.status_code == 302, edited.content.decode()[:2000]
    own.refresh_from_db()
    assert own.valid_until == datetime.date(2029, 6, 30)
    assert client.post(f"/plans/evaluators/{own.pk}/active/", {"reason": ""}).status_code == 302
    own.refresh_from_db()
    assert own.active  # a reason is required
    client.post(f"/plans/evaluators/{own.pk}/active/", {"reason": "调离"})
    own.refresh_from_db()
    assert not own.active
    assert "本校考评员" not in client.get("/plans/evaluators/").content.decode()
    assert "本校考评员" in client.get("/plans/evaluators/?show=inactive").content.decode()
    client.force_login(municipal_reviewer)
    listing = client.get("/plans/evaluators/?show=inactive").content.decode()
    assert all(n in listing for n in ("本校考评员", "他校考评员", "市督导"))
    created = client.post(
        "/plans/evaluators/new/",
        {
            "body": "",
            "name": "市督导乙",
            "certificate_no": "SH-DD-2",
            "is_supervisor": "on",
            "valid_until": "2028-12-31",
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    assert Evaluator.objects.get(name="市督导乙").body is None


def _fields(e):
    return {k: getattr(e, k) for k in staffing.EDITABLE_FIELDS}


def _form(e):
    data = {k: v for k, v in _fields(e).items() if v not in (None, False)}
    data = {k: ("on" if v is True else v) for k, v in data.items()}
    data["occupation"] = e.occupation_id or ""
    data["valid_until"] = e.valid_until.isoformat()
    return data


def test_a_draft_plan_is_edited_and_a_filed_one_refused(client, body, body_operator, municipal_reviewer):
    first = schedule.earliest_first_sitting()
    plan = svc.plan_create(
        actor=body_operator,
        body=body,
        line=body.lines.first(),
        title="草稿计划",
        expected_headcount=30,
        first_sitting_on=first,
    )
    client.force_login(body_operator)
    later = first + datetime.timedelta(days=7)
    response = client.post(
        f"/plans/{plan.pk}/edit/",
        {
            "title": "修改后的计划",
            "expected_headcount": 40,
            "first_sitting_on": later.isoformat(),
            "version": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan.refresh_from_db()
    assert (plan.title, plan.expected_headcount, plan.first_sitting_on) == ("修改后的计划", 40, later)
    event = AuditEvent.objects.get(action="plan.update")
    assert event.payload["changed"]["title"] == ["草稿计划", "修改后的计划"]
    stale = client.post(
        f"/plans/{plan.pk}/edit/",
        {"title": "又改", "expected_headcount": 40, "first_sitting_on": later.isoformat(), "version": 1},
    )
    assert stale.status_code == 409
    early = client.post(
        f"/plans/{plan.pk}/edit/",
        {
            "title": "太早",
            "expected_headcount": 40,
            "first_sitting_on": (first - datetime.timedelta(days=1)).isoformat(),
            "version": 2,
        },
    )
    assert early.status_code == 422 and schedule.chinese_date(first) in early.content.decode()
    start = scenarios._aware(later, 9)
    for part in ("theory", "skill"):
        svc.sitting_add(
            actor=body_operator,
            plan=plan,
            part=part,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            room=f"{part}室",
            candidates_expected=20,
        )
    theory = plan.sittings.get(part="theory")
    svc.sitting_update(
        actor=body_operator,
        sitting=theory,
        part="theory",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        room="A102",
        candidates_expected=30,
    )
    theory.refresh_from_db()
    assert (theory.room, theory.candidates_expected) == ("A102", 30)
    svc.plan_file(actor=body_operator, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.FILED
    with pytest.raises(WrongState) as refused:
        svc.plan_update(
            actor=body_operator, plan=plan, title="报备后", expected_headcount=40, first_sitting_on=later
        )
    assert "已报备" in refused.value.message
    with pytest.raises(WrongState):
        svc.sitting_remove(actor=body_operator, sitting=theory)
    page = client.get(f"/plans/{plan.pk}/edit/")
    assert page.status_code == 409 and "已报备" in page.content.decode()


def test_cancelled_plans_are_hidden_from_the_default_list(client, body, body_operator):
    first = schedule.earliest_first_sitting()
    line = body.lines.first()
    kept = svc.plan_create(
        actor=body_operator,
        body=body,
        line=line,
        title="保留的计划",
        expected_headcount=5,
        first_sitting_on=first,
    )
    gone = svc.plan_create(
        actor=body_operator,
        body=body,
        line=line,
        title="取消的计划",
        expected_headcount=5,
        first_sitting_on=first,
    )
    svc.plan_cancel(actor=body_operator, plan=gone, reason="场地不可用")
    client.force_login(body_operator)
    default = client.get("/plans/").content.decode()
    assert kept.title in default and gone.title not in default
    cancelled = client.get("/plans/?status=cancelled").content.decode()
    assert gone.title in cancelled and kept.title not in cancelled


# --- double booking -------------------------------------------------------------------------------------


def second_plan(body, operator, authority, *, start_hour: int, title: str = "2026届数控车工四级（二）"):
    return scenarios.plan_to_registration(
        body,
        operator,
        authority,
        title=title,
        sittings=[
            SittingSpec("theory", DAY, "B202", 30, start_hour, 2),
            SittingSpec("skill", DAY + datetime.timedelta(days=1), "实训楼3-2", 30, 13, 4),
        ],
        filed_on=FILED_ON,
    )


def assign(operator, sitting, evaluator, role=StaffRole.INVIGILATOR):
    return staffing.staff_assign(actor=operator, sitting=sitting, evaluator=evaluator, role=role)


def test_an_evaluator_on_an_overlapping_sitting_is_refused_with_its_name(
    plan, body, body_operator, municipal_reviewer, occupation
):
    someone = person(body_operator, body, "李考评", occupation)
    theory = plan.sittings.get(part="theory")  # 09:00–11:00
    assign(body_operator, theory, someone)
    overlapping = second_plan(body, body_operator, municipal_reviewer, start_hour=10).sittings.get(
        part="theory"
    )
    with pytest.raises(Invalid) as refused:
        assign(body_operator, overlapping, someone)
    message = " ".join(refused.value.errors["evaluator"])
    assert "李考评" in message and "2026届数控车工四级" in message and "A101" in message
    assert "09:00至11:00" in message and "时间重叠" in message
    assert someone not in staffing.candidates_for(overlapping, StaffRole.INVIGILATOR)
    assert not SittingStaff.objects.filter(sitting=overlapping).exists()


def test_back_to_back_sittings_are_not_a_clash(plan, body, body_operator, municipal_reviewer, occupation):
    someone = person(body_operator, body, "李考评", occupation)
    assign(body_operator, plan.sittings.get(part="theory"), someone)  # ends at 11:00
    after = second_plan(body, body_operator, municipal_reviewer, start_hour=11).sittings.get(part="theory")
    assert someone in staffing.candidates_for(after, StaffRole.INVIGILATOR)
    assign(body_operator, after, someone)


def test_another_bodys_sitting_is_named_by_its_time_only(
    plan, body, body_operator, municipal_reviewer, college_other_district
):
    city = person(municipal_reviewer, None, "市级监考", None, can_evaluate=False)
    assign(body_operator, plan.sittings.get(part="theory"), city)
    other_body = factories.filed_body(college_other_district)
    other_operator = factories.user("xh_operator", role="body_operator", organisation=college_other_district)
    theirs = second_plan(other_body, other_operator, municipal_reviewer, start_hour=10, title="徐汇计划")
    with pytest.raises(Invalid) as refused:
        assign(other_operator, theirs.sittings.get(part="theory"), city)
    message = " ".join(refused.value.errors["evaluator"])
    assert "其他评价机构" in message and "09:00至11:00" in message
    assert "2026届数控车工四级" not in message and "A101" not in message


def test_the_staffing_form_states_the_rule_and_refuses_at_entry(
    client, plan, body, body_operator, municipal_reviewer, occupation
):
    someone = person(body_operator, body, "李考评", occupation)
    assign(body_operator, plan.sittings.get(part="theory"), someone)
    overlapping = second_plan(body, body_operator, municipal_reviewer, start_hour=10)
    client.force_login(body_operator)
    form = client.get(f"/plans/{overlapping.pk}/staff/new/").content.decode()
    assert "同一时段已安排在其他场次" in form
    response = client.post(
        f"/plans/{overlapping.pk}/staff/new/",
        {
            "sitting": overlapping.sittings.get(part="theory").pk,
            "role": StaffRole.INVIGILATOR,
            "evaluator": someone.pk,
        },
    )
    assert response.status_code == 422 and "时间重叠" in response.content.decode()


def test_a_moved_sitting_shows_the_clash_and_a_cancelled_plan_holds_nobody(
    plan, body, body_operator, municipal_reviewer, occupation
):
    someone = person(body_operator, body, "李考评", occupation)
    assign(body_operator, plan.sittings.get(part="theory"), someone)
    later = second_plan(body, body_operator, municipal_reviewer, start_hour=14)
    sitting = later.sittings.get(part="theory")
    assign(body_operator, sitting, someone)
    type(sitting).objects.filter(pk=sitting.pk).update(
        starts_at=plan.sittings.get(part="theory").starts_at
    )  # as if moved by a correction
    sitting.refresh_from_db()
    assert any("时间重叠" in p for p in staffing.staffing_problems(sitting))
    svc.plan_cancel(actor=body_operator, plan=plan, reason="场地检修")
    assert not any("时间重叠" in p for p in staffing.staffing_problems(sitting))
