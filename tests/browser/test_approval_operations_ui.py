"""In a real browser: the applicant urges the district review; the district reviewer names a deputy while
away; the deputy decides the task on the reviewer's behalf (代) and takes it back before the city touches
it; after deciding again, the city returns the filing to the district review with its reasons.
Screenshots go to tests/browser/screenshots/ (ignored)."""

import os

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task

from filing.models import ApplicationStatus
from filing.roles import Role
from filing.services import applications as app_svc
from tests import factories
from tests.browser.test_review_journey_ui import ARGS, SHOTS, Persona
from workflows import services as wf
from workflows.flows import FilingReviewFlow

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _task(application, node, **lookup):
    return (
        Task.objects.filter(
            process__filingreviewprocess__application=application,
            flow_task=getattr(FilingReviewFlow, node),
            **lookup,
        )
        .order_by("-pk")
        .first()
    )


def shot(persona, name):
    persona.page.screenshot(path=os.path.join(SHOTS, f"operations_{name}.png"), full_page=True)


def test_urge_delegate_take_back_and_return_to_the_district(live_server, chromium_path, roles):
    from playwright.sync_api import sync_playwright

    os.makedirs(SHOTS, exist_ok=True)
    college = factories.organisation(district_code="310115", name="代理测试技师学院")
    applicant = factories.user("op_applicant", role=Role.APPLICANT, organisation=college)
    legal = factories.user("op_legal", role=Role.LEGAL_REPRESENTATIVE, organisation=college)
    accepter = factories.user("op_accepter", role=Role.DISTRICT_REVIEWER, district_code="310115")
    reviewer = factories.user("op_district", role=Role.DISTRICT_REVIEWER, district_code="310115")
    factories.user("op_deputy", role=Role.DISTRICT_REVIEWER, district_code="310115")
    factories.user("op_city", role=Role.MUNICIPAL_REVIEWER)
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal, organisation=college)
    application = app_svc.application_submit(actor=applicant, application=draft)
    wf.task_review(
        actor=accepter, task_pk=_task(application, "district_accept").pk, outcome="approve", comment="受理"
    )
    review_task = _task(application, "district_review")
    wf.task_claim(actor=reviewer, task_pk=review_task.pk)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        # 1. 催办: the applicant urges the district review from the application page.
        college_user = Persona(browser, live_server.url, "op_applicant")
        college_user.go(f"/applications/{application.pk}/")
        college_user.page.fill("[data-section=task-operations] input[name=note]", "已提交多日，请尽快审核")
        college_user.page.click("[data-section=task-operations] [data-action=urge]")
        college_user.page.wait_for_load_state("networkidle")
        assert college_user.page.locator('[data-urge-count="1"]').count() == 1
        shot(college_user, "1_urged")

        # 2. 委派: the district reviewer, going on leave, names a colleague as deputy from today.
        district = Persona(browser, live_server.url, "op_district")
        district.go(f"/tasks/{review_task.pk}/")
        assert "已提交多日，请尽快审核" in district.page.content()
        district.go("/tasks/deputies/")
        district.page.select_option("select[name=deputy]", label="op_deputy")
        today = timezone.localdate().isoformat()
        district.page.fill("input[name=starts_on]", today)
        district.page.fill("input[name=ends_on]", today)
        district.page.fill("input[name=reason]", "年休假")
        district.page.click("[data-action=appoint-deputy]")
        district.page.wait_for_load_state("networkidle")
        assert "代理中" in district.page.content()
        shot(district, "2_deputy")

        # 3. The deputy finds the reviewer's task in their inbox (代 op_district) and decides it.
        deputy = Persona(browser, live_server.url, "op_deputy")
        deputy.go("/tasks/")
        assert deputy.page.locator(f'[data-acting-for="{reviewer.pk}"]').count() == 1
        shot(deputy, "3_deputy_inbox")
        deputy.go(f"/tasks/{review_task.pk}/")
        deputy.page.check("input[name=outcome][value=approve]")
        deputy.page.fill("textarea[name=comment]", "代为审核：材料齐全")
        deputy.page.click("[data-action=decide]")
        deputy.page.wait_for_load_state("networkidle")
        application.refresh_from_db()
        assert application.status == ApplicationStatus.MUNICIPAL_REVIEW
        assert "办理人 op_deputy，代 op_district" in deputy.page.content()

        # 4. 拿回: the city has not touched it; the deputy takes it back from 最近已办 and decides again.
        shot(deputy, "4_before_take_back")
        deputy.page.click(f'form[action="/tasks/{review_task.pk}/take-back/"] [data-action=take-back]')
        deputy.page.wait_for_load_state("networkidle")
        application.refresh_from_db()
        assert application.status == ApplicationStatus.DISTRICT_REVIEW
        shot(deputy, "5_taken_back")
        deputy.page.check("input[name=outcome][value=approve]")
        deputy.page.fill("textarea[name=comment]", "复核后同意")
        deputy.page.click("[data-action=decide]")
        deputy.page.wait_for_load_state("networkidle")

        # 5. 退回区级重审: the city returns it to the district review, after a confirmation.
        city = Persona(browser, live_server.url, "op_city")
        municipal = _task(application, "municipal_review", status="NEW")
        city.go(f"/tasks/{municipal.pk}/")
        city.page.fill("[data-section=send-back] textarea[name=comment]", "请核实评价场地的产权证明")
        city.page.click("[data-action=send-back]")
        city.page.wait_for_load_state("networkidle")
        shot(city, "6_send_back_confirm")
        city.page.click("[data-action=confirm]")
        city.page.wait_for_load_state("networkidle")
        application.refresh_from_db()
        assert application.status == ApplicationStatus.DISTRICT_REVIEW
        reopened = _task(application, "district_review", status="ASSIGNED")
        deputy.go(f"/tasks/{reopened.pk}/")
        assert "请核实评价场地的产权证明" in deputy.page.content()
        shot(deputy, "7_district_reopened")
        browser.close()
