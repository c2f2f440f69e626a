"""In a real browser, as an enterprise body's operator: a 直接认定 plan (the form refuses 中级工 and states
the rule), its expert review sitting, the authority's confirmation, a worker added with their evidence (the
form refuses a missing 主要业绩 and asks nothing of age, education or seniority), the evidence on the plan
page, and — after the experts' review, publicity and the authority's audit — the certificate verified on the
public page. Screenshots go to tests/browser/screenshots/ (ignored), or to $SHOTS_DIR."""

import datetime
import os

import pytest

from filing import schedule
from filing.models import Certificate, EvaluationPlan, PlanMethod, PlanStatus
from filing.roles import Role
from filing.services import staffing
from tests import factories
from workflows import scenarios
from workflows import services as wf
from workflows.selectors import open_task

from .test_operator_journey_ui import SHOTS, clock  # noqa: F401 (fixture)
from .test_review_journey_ui import ARGS, Persona

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(persona, name):
    persona.page.screenshot(path=os.path.join(SHOTS, f"direct_{name}.png"), full_page=True)


def test_direct_recognition_in_the_browser(live_server, chromium_path, roles, clock):  # noqa: F811
    from playwright.sync_api import sync_playwright

    os.makedirs(SHOTS, exist_ok=True)
    org = factories.organisation(kind="enterprise", name="浏览器机床有限公司", new_type=False, batch=None)
    body = factories.filed_body(org, levels=(4, 3, 2))
    operator = factories.user("ui_ent_operator", role=Role.BODY_OPERATOR, organisation=org)
    municipal = factories.user("ui_municipal", role=Role.MUNICIPAL_REVIEWER)
    occupation = body.lines.first().offering.occupation
    for i in range(3):
        factories.evaluator(f"评审专家{i}", body=body, occupation=occupation, level=1)
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
    first = schedule.earliest_first_sitting()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        op = Persona(browser, live_server.url, "ui_ent_operator")

        # 1. The plan form: 直接认定 only for 三级/高级工 and above, the rule stated on the form.
        op.go("/plans/new/")
        assert "不设学历、资历、年龄和比例限制" in op.page.inner_text("form.sf-form")
        op.page.select_option("select[name=line]", str(body.lines.get(offering__level=4).pk))
        op.page.select_option("select[name=method]", PlanMethod.DIRECT)
        op.page.fill("input[name=title]", "技师直接认定（浏览器）")
        op.page.fill("input[name=expected_headcount]", "2")
        op.page.fill("input[name=first_sitting_on]", first.isoformat())
        op.page.check("input[name=photos_waived]")
        op.submit_form()
        assert "三级/高级工及以上" in op.page.inner_text(".errorlist")
        shot(op, "01_plan_form_refuses_level_4")
        op.page.select_option("select[name=line]", str(body.lines.get(offering__level=2).pk))
        op.submit_form()
        plan = EvaluationPlan.objects.get(title="技师直接认定（浏览器）")
        assert plan.method == PlanMethod.DIRECT

        # 2. The experts' review is the one part: a 综合评审 sitting.
        op.go(f"/plans/{plan.pk}/sittings/new/")
        options = op.page.locator("select[name=part] option").all_inner_texts()
        assert options == ["综合评审"], options
        op.page.fill("input[name=starts_at]", f"{first.isoformat()}T14:00")
        op.page.fill("input[name=ends_at]", f"{first.isoformat()}T17:00")
        op.page.fill("input[name=room]", "技能大师工作室")
        op.page.fill("input[name=candidates_expected]", "2")
        op.submit_form()
        op.go(f"/plans/{plan.pk}/")
        op.page.click("[data-action=file]")
        op.page.wait_for_load_state("networkidle")
        wf.task_plan_review(
            actor=municipal, task_pk=open_task(plan, "confirm_plan").pk, approve=True, comment="同意"
        )
        op.go(f"/plans/{plan.pk}/")
        op.page.click("[data-action=open_registration]")
        op.page.wait_for_load_state("networkidle")

        # 3. A worker with their evidence; the form asks nothing of age, education or seniority.
        assert op.page.locator("[data-action=upload]").count() == 0  # no roster for this method
        op.page.click("[data-action=recognition_add]")
        op.page.wait_for_load_state("networkidle")
        labels = " ".join(op.page.locator("form.sf-form label").all_inner_texts())
        assert "学历" not in labels and "毕业" not in labels and "年龄" not in labels
        op.page.fill("input[name=name]", "张建国")
        op.page.select_option("select[name=document_type]", "citizen_id")
        op.page.fill("input[name=document_number]", factories.citizen_id(41, birth="19780312"))
        op.page.fill("input[name=post]", "数控车工班组长")
        op.page.fill("textarea[name=awards]", "2024年上海市技术能手")
        op.submit_form()
        assert "必填" in op.page.inner_text(".errorlist")
        op.page.fill("textarea[name=achievements]", "主持主轴精密车削工艺改进，良品率由92%提升至99.2%")
        op.page.fill("textarea[name=patents]", "实用新型专利2项")
        shot(op, "02_worker_with_evidence")
        op.submit_form()
        assert plan.registrations.filter(status="eligible").count() == 1
        op.page.click("[data-evidence] summary")
        assert "良品率" in op.page.inner_text("[data-section=registrations]")
        shot(op, "03_plan_with_evidence")

        # 4. The experts review on the sitting's day, publicity, the authority's audit: services.
        scenarios.staff_from_pool(plan, operator)
        plan.refresh_from_db()
        clock["today"] = first
        scenarios.hold_and_publish(plan, operator, held_on=first, score=lambda r, part: 90)
        plan = scenarios.confirm_results(plan, operator, municipal)
        assert plan.status == PlanStatus.RESULTS_CONFIRMED
        clock["today"] = plan.results_confirmed_on
        op.go(f"/plans/{plan.pk}/")
        op.page.click("[data-action=issue]")
        op.page.wait_for_load_state("networkidle")
        op.page.click("[data-action=confirm]")
        op.page.wait_for_load_state("networkidle")
        certificate = Certificate.objects.get(batch__plan=plan)
        assert certificate.level == 2

        # 5. Anyone verifies it.
        public = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        public.goto(f"{live_server.url}/verify/")
        public.fill("input[name=number]", certificate.number)
        public.fill("input[name=name]", "张建国")
        public.click("form button[type=submit]")
        public.wait_for_load_state("networkidle")
        text = public.inner_text("body")
        assert certificate.number in text and "二级/技师" in text and "有效" in text
        public.screenshot(path=os.path.join(SHOTS, "direct_04_verified.png"), full_page=True)
        browser.close()
