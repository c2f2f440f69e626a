"""In a real browser, as a body's operator (考务人员): the evaluator register, a plan with an edit, the
roster, staffing from the register with a recusal, sittings held on their dates (the start refused the day
before, with the date), scores, results, certificates. The authority's confirmations go through the same
task services as its pages. Time moves by setting the project's clock (``timezone.localdate``) the way a
calendar would; nothing in the product is bypassed. Screenshots go to tests/browser/screenshots/ (ignored),
or to $SHOTS_DIR."""

import datetime
import os

import pytest
from django.utils import timezone

from filing import schedule
from filing.models import Certificate, EvaluationPlan, Evaluator, PlanStatus, RecusalDeclaration
from filing.roles import Role
from filing.services import staffing
from tests import factories
from workflows import services as wf
from workflows.selectors import open_task

from .test_review_journey_ui import ARGS, Persona

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SHOTS_DIR") or os.path.join(os.path.dirname(__file__), "screenshots")


@pytest.fixture
def clock(monkeypatch):
    """The project's clock, set to a given day (the live server runs in this process)."""
    real = timezone.localdate
    state = {"today": None}

    def localdate(value=None, timezone=None):
        if value is None and state["today"] is not None:
            return state["today"]
        return real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return state


def shot(persona, name):
    persona.page.screenshot(path=os.path.join(SHOTS, f"operator_{name}.png"), full_page=True)


def test_operator_journey_in_the_browser(live_server, chromium_path, roles, clock):
    from playwright.sync_api import sync_playwright

    os.makedirs(SHOTS, exist_ok=True)
    college = factories.organisation(district_code="310115", name="浏览器测试技师学院")
    factories.major(college, code="660103", name="数控技术应用")
    body = factories.filed_body(college)
    line = body.lines.get(offering__level=4)
    occupation = line.offering.occupation
    factories.user("ui_operator", role=Role.BODY_OPERATOR, organisation=college)
    municipal = factories.user("ui_municipal", role=Role.MUNICIPAL_REVIEWER)
    factories.user("ui_supervisor", role=Role.SUPERVISOR)
    for i in range(2):
        staffing.evaluator_create(
            actor=municipal,
            body=None,
            name=f"市督导{i + 1}",
            certificate_no=f"SH-DD-{i}",
            occupation=None,
            level=None,
            valid_until=datetime.date(2030, 12, 31),
            can_evaluate=False,
            can_invigilate=False,
            is_supervisor=True,
        )
    today = timezone.localdate()
    first = schedule.earliest_first_sitting(today)
    base = live_server.url

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        op = Persona(browser, base, "ui_operator")

        # 1. The evaluator register: four evaluators of the occupation and two invigilators.
        people = [
            ("周考评", True),
            ("吴考评", True),
            ("郑考评", True),
            ("王考评", True),
            ("陈监考", False),
            ("林监考", False),
        ]
        for i, (name, evaluates) in enumerate(people):
            op.go("/plans/evaluators/new/")
            op.page.select_option("select[name=body]", str(body.pk))
            op.page.fill("input[name=name]", name)
            op.page.fill("input[name=certificate_no]", f"KP-UI-{i}")
            if evaluates:
                op.page.select_option("select[name=occupation]", str(occupation.pk))
                op.page.select_option("select[name=level]", "3")
            else:
                op.page.uncheck("input[name=can_evaluate]")
            op.page.fill("input[name=valid_until]", "2030-12-31")
            if i == 0:
                shot(op, "01_evaluator_form")
            op.submit_form()
        op.go("/plans/evaluators/")
        assert op.page.locator("[data-evaluator]").count() == 8  # six of the body, two of the city
        shot(op, "02_evaluator_register")

        # 2. A plan: the form states the rule and refuses a first sitting too early, before any service.
        op.go("/plans/new/")
        assert schedule.chinese_date(first) in op.page.inner_text("form.sf-form")
        op.page.select_option("select[name=line]", str(line.pk))
        op.page.fill("input[name=title]", "浏览器计划")
        op.page.fill("input[name=expected_headcount]", "4")
        op.page.fill("input[name=first_sitting_on]", (first - datetime.timedelta(days=1)).isoformat())
        op.submit_form()
        assert "最早" in op.page.inner_text(".errorlist")
        shot(op, "03_plan_form_refuses_early_date")
        op.page.fill("input[name=first_sitting_on]", first.isoformat())
        op.submit_form()
        plan = EvaluationPlan.objects.get(title="浏览器计划")
        op.page.click("[data-action=edit]")
        op.page.wait_for_load_state("networkidle")
        op.page.fill("input[name=title]", "2027届数控车工四级（浏览器）")
        op.page.fill("input[name=expected_headcount]", "3")
        op.page.check("input[name=photos_waived]")  # photos are tested in test_certificate_photos.py
        op.submit_form()
        plan.refresh_from_db()
        assert (plan.title, plan.expected_headcount) == ("2027届数控车工四级（浏览器）", 3)
        for part, hour, room in (("theory", "09:00", "A101"), ("skill", "13:00", "实训楼3-1")):
            op.go(f"/plans/{plan.pk}/sittings/new/")
            op.page.select_option("select[name=part]", part)
            op.page.fill("input[name=starts_at]", f"{first.isoformat()}T{hour}")
            end = "11:00" if part == "theory" else "17:00"
            op.page.fill("input[name=ends_at]", f"{first.isoformat()}T{end}")
            op.page.fill("input[name=room]", room)
            op.page.fill("input[name=candidates_expected]", "3")
            op.submit_form()
        op.go(f"/plans/{plan.pk}/")
        shot(op, "04_draft_plan")
        op.page.click("[data-action=file]")
        op.page.wait_for_load_state("networkidle")
        plan.refresh_from_db()
        assert plan.status == PlanStatus.FILED
        wf.task_plan_review(
            actor=municipal, task_pk=open_task(plan, "confirm_plan").pk, approve=True, comment="同意"
        )

        # 3. Registration and the roster.
        op.go(f"/plans/{plan.pk}/")
        op.page.click("[data-action=open_registration]")
        op.page.wait_for_load_state("networkidle")
        graduation = "2027-06-30"
        rows = [
            [
                name,
                "居民身份证",
                factories.citizen_id(n, birth="20080315"),
                "660103",
                "数控1班",
                graduation,
                "是",
                "",
            ]
            for n, name in ((21, "张一"), (23, "王二"), (25, "李三"))
        ]
        roster_file = os.path.join(SHOTS, "operator_roster.csv")
        with open(roster_file, "wb") as f:
            f.write(factories.roster_csv(rows))
        op.page.click("[data-action=upload]")
        op.page.wait_for_load_state("networkidle")
        op.page.set_input_files("input[name=file]", roster_file)
        op.submit_form()
        assert plan.registrations.filter(status="eligible").count() == 3

        # 4. A recusal: 周考评 is 张一's relative, then staffing from the register.
        zhou = Evaluator.objects.get(name="周考评")
        zhang = plan.registrations.get(candidate__name="张一").candidate
        op.go(f"/plans/{plan.pk}/")
        op.page.click("[data-action=recusal]")
        op.page.wait_for_load_state("networkidle")
        op.page.select_option("select[name=evaluator]", str(zhou.pk))
        op.page.select_option("select[name=candidate]", str(zhang.pk))
        op.page.select_option("select[name=relation]", "relative")
        op.page.fill("input[name=note]", "表兄弟")
        shot(op, "05_recusal_form")
        op.submit_form()
        assert RecusalDeclaration.objects.filter(evaluator=zhou, candidate=zhang).exists()
        theory = plan.sittings.get(part="theory")
        skill = plan.sittings.get(part="skill")

        def assign(sitting, person, role):
            op.go(f"/plans/{plan.pk}/staff/new/")
            op.page.select_option("select[name=sitting]", str(sitting.pk))
            op.page.select_option("select[name=role]", role)
            op.page.select_option("select[name=evaluator]", str(Evaluator.objects.get(name=person).pk))
            op.submit_form()

        assign(skill, "周考评", "skill_evaluator")
        assert "张一" in op.page.inner_text(".errorlist")  # refused: declared relation
        shot(op, "06_recusal_refuses_staffing")
        for person in ("吴考评", "郑考评", "王考评"):
            assign(skill, person, "skill_evaluator")
        assign(skill, "市督导1", "supervisor")
        for person in ("陈监考", "林监考"):
            assign(theory, person, "invigilator")
        assign(theory, "市督导2", "supervisor")
        op.go(f"/plans/{plan.pk}/")
        assert not op.page.is_visible("[data-section=staffing-problems]")
        op.page.click("[data-action=close_registration]")
        op.page.wait_for_load_state("networkidle")
        shot(op, "07_staffed_plan")

        # 5. The day before the sittings: the start is refused with the date; on the day it starts.
        clock["today"] = first - datetime.timedelta(days=1)
        op.go(f"/plans/{plan.pk}/")
        op.page.click("[data-action=start]")
        op.page.wait_for_load_state("networkidle")
        assert f"考试日期为{schedule.chinese_date(first)}，当日起方可开考。" in op.page.inner_text("main")
        shot(op, "08_start_refused_before_the_date")
        clock["today"] = first
        op.go(f"/plans/{plan.pk}/")
        op.page.click("[data-action=start]")
        op.page.wait_for_load_state("networkidle")
        op.page.click("[data-action=finish_sittings]")
        op.page.wait_for_load_state("networkidle")

        # 5b. 逢考必督: the city's supervisor files each sitting's report, on a phone-sized screen.
        supervisor = Persona(browser, base, "ui_supervisor")
        supervisor.page.set_viewport_size({"width": 390, "height": 844})
        for n, sitting in enumerate(plan.sittings.order_by("starts_at")):
            supervisor.go(f"/plans/{plan.pk}/sittings/{sitting.pk}/report/")
            supervisor.page.fill("input[name=present]", "2")
            supervisor.page.fill("input[name=absent]", "0")
            if n == 0:
                shot(supervisor, "08b_supervision_report_phone")
            supervisor.page.click("[data-action=file_report]")
            supervisor.page.wait_for_load_state("networkidle")
        shot(supervisor, "08c_supervision_report_filed")
        assert plan.sittings.filter(supervision_report__isnull=True).count() == 0

        # 6. Scores and results.
        op.page.click("[data-action=scores]")
        op.page.wait_for_load_state("networkidle")
        for registration in plan.registrations.all():
            for part in ("theory", "skill"):
                score = "58" if registration.candidate.name == "李三" and part == "skill" else "82"
                op.page.fill(f"input[name=score_{registration.pk}_{part}]", score)
        shot(op, "09_scores")
        op.page.click("[data-action=save-scores]")
        op.page.wait_for_load_state("networkidle")
        op.page.click("[data-action=publish_results]")
        op.page.wait_for_load_state("networkidle")
        op.page.click("[data-action=confirm]")  # the confirmation page names the plan and the consequence
        op.page.wait_for_load_state("networkidle")
        plan.refresh_from_db()
        assert plan.status == PlanStatus.RESULTS_PUBLICITY
        shot(op, "10_results_publicity")

        # 7. After the publicity: submitted, confirmed by the city, certificates issued (dated that day).
        after = plan.results_publicity_ends_on + datetime.timedelta(days=1)
        clock["today"] = after
        op.go(f"/plans/{plan.pk}/")
        op.page.click("[data-action=submit_results]")
        op.page.wait_for_load_state("networkidle")
        op.page.click("[data-action=confirm]")  # the confirmation page names the plan and the consequence
        op.page.wait_for_load_state("networkidle")
        wf.task_results_audit(
            actor=municipal, task_pk=open_task(plan, "audit_results").pk, approve=True, comment="结果属实"
        )
        op.go(f"/plans/{plan.pk}/")
        op.page.click("[data-action=issue]")
        op.page.wait_for_load_state("networkidle")
        op.page.click("[data-action=confirm]")  # the confirmation page names the plan and the consequence
        op.page.wait_for_load_state("networkidle")
        shot(op, "11_certificates_issued")
        certificates = Certificate.objects.filter(batch__plan=plan)
        assert certificates.count() == 2
        assert all(c.issue_date == after for c in certificates)
        plan.refresh_from_db()
        assert plan.results_confirmed_on == after
        browser.close()
