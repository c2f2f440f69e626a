"""In a real browser (issue #13, items 7–9): a partner body accepts a school's agreement and the school's
coverage page shows the major covered; an applicant replaces and removes attachments of a draft and sees
the version history; a body's operator requests a certificate's revocation, a municipal reviewer approves
it as a task, and only then does public verification say 已撤销. Screenshots go to /tmp/intake_shots/ (or
tests/browser/screenshots/ when that is not writable)."""

import datetime
import os
import re

import pytest
from django.utils import timezone

from filing.models import Certificate, PartnerAgreement, RevocationRequest
from filing.roles import Role
from filing.services import agreements as agreement_svc
from tests import factories
from tests.filing.issued import issue

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("INTAKE_SHOTS") or os.path.join(os.path.dirname(__file__), "screenshots")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-sync"]
PASSWORD = "pw-Test-12345"
ENGLISH = re.compile(r"\b(True|False|None|Django|Submit|Cancel|Delete)\b|\{[a-z_]+\}|%\([a-z_]+\)s")


class Persona:
    def __init__(self, browser, base, username):
        self.page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        self.page.set_default_timeout(120_000)  # two browsers and the suite share two cores in CI
        self.base = base
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("form.vf-form button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        assert "/accounts/login/" not in self.page.url, self.page.inner_text("body")

    def go(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")

    def click(self, selector):
        with self.page.expect_navigation():
            self.page.click(selector)
        self.page.wait_for_load_state("networkidle")

    def shot(self, name):
        self.page.screenshot(path=os.path.join(SHOTS, f"intake_{name}.png"), full_page=True)

    def text(self) -> str:
        return (
            self.page.inner_text("main") if self.page.query_selector("main") else self.page.inner_text("body")
        )

    def assert_chinese(self):
        found = ENGLISH.findall(self.text())
        assert not found, found


def test_agreements_attachments_and_revocation_in_the_browser(live_server, chromium_path, roles, tmp_path):
    from playwright.sync_api import sync_playwright

    os.makedirs(SHOTS, exist_ok=True)
    today = timezone.localdate()
    # A school with a major its partner covers; the partner body (an enterprise) with its operator.
    school = factories.organisation(district_code="310115", name="浦江浏览器技师学院")
    factories.major(school, code="660103", name="数控技术应用", students=120)
    applicant = factories.user("ui_applicant", role=Role.APPLICANT, organisation=school)
    legal = factories.user("ui_legal", role=Role.LEGAL_REPRESENTATIVE, organisation=school)
    enterprise = factories.organisation(
        kind="enterprise", name="上海机床厂有限公司", new_type=False, batch=None
    )
    partner = factories.filed_body(enterprise)
    factories.user("ui_partner", role=Role.BODY_OPERATOR, organisation=enterprise)
    agreement = agreement_svc.agreement_create(
        actor=applicant,
        school=school,
        partner=partner,
        agreement_no="XY-2026-018",
        offerings=[factories.offering("6-18-01-01", 4)],
        valid_from=today - datetime.timedelta(days=10),
        valid_until=today + datetime.timedelta(days=700),
    )
    # A draft application with its attachments.
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal, organisation=school)
    new_pdf = tmp_path / "场地说明（修订）.pdf"
    new_pdf.write_bytes(factories.PDF_BYTES)
    # Issued certificates of the partner body, and a municipal reviewer.
    plan, operator = factories.plan_with_results(partner, passed=1)
    issue(plan, operator, "ui-revocation")
    certificate = Certificate.objects.get()
    operator.set_password(PASSWORD)
    operator.save()
    factories.user("ui_municipal", role=Role.MUNICIPAL_REVIEWER)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        base = live_server.url

        # 7. The school sees its proposal waiting; its coverage does not count it yet.
        school_user = Persona(browser, base, "ui_applicant")
        school_user.go("/plans/coverage/")
        assert "未覆盖" in school_user.text()
        school_user.go("/plans/agreements/")
        assert "待合作机构确认" in school_user.text()
        school_user.assert_chinese()
        school_user.shot("7_school_agreements")
        partner_user = Persona(browser, base, "ui_partner")
        partner_user.go("/plans/agreements/")
        assert "委托本机构评价的协议" in partner_user.text()
        partner_user.click(f"[data-agreement='{agreement.pk}'] a")
        partner_user.assert_chinese()
        partner_user.shot("7_partner_decides")
        partner_user.page.fill("#id_note", "同意承接2027届数控专业的评价")
        partner_user.click("[data-action=accept]")
        assert "已确认合作协议" in partner_user.text()
        partner_user.shot("7_partner_accepted")
        assert PartnerAgreement.objects.get().status == "accepted"
        school_user.go("/plans/coverage/")
        assert "合作机构评价" in school_user.text() and "XY-2026-018" in school_user.text()
        school_user.assert_chinese()
        school_user.shot("7_school_coverage")

        # 8. Replace one attachment and remove another; the history keeps both.
        school_user.go(f"/applications/{draft.pk}/")
        venue = draft.attachments.get(kind="venue", superseded_at__isnull=True)
        quality = draft.attachments.get(kind="quality", superseded_at__isnull=True)
        school_user.click(f"[data-attachment='{venue.pk}'] [data-action=replace]")
        school_user.assert_chinese()
        school_user.shot("8_replace_form")
        school_user.page.set_input_files("input[name=file]", str(new_pdf))
        school_user.click("form.sf-form button[type=submit]")
        school_user.click(f"[data-attachment='{quality.pk}'] [data-action=remove]")
        text = school_user.text()
        assert "版本记录" in text and "已替换" in text and "已删除" in text and "场地说明（修订）.pdf" in text
        school_user.assert_chinese()
        school_user.shot("8_attachment_history")

        # 9. The operator requests a revocation; the public answer stays 有效 until the city approves.
        operator_user = Persona(browser, base, operator.username)
        operator_user.go(f"/certificates/{certificate.pk}/")
        operator_user.page.fill("#id_revoke_reason", "考试作弊，经核实")
        operator_user.click("[data-action=request-revocation]")
        assert "待市级审核" in operator_user.text()
        operator_user.assert_chinese()
        operator_user.shot("9_operator_requested")
        public = browser.new_context(locale="zh-CN").new_page()

        def public_answer():
            public.goto(f"{base}/verify/")
            public.fill("input[name=number]", certificate.number)
            public.fill("input[name=name]", certificate.holder_name)
            with public.expect_navigation():
                public.click("form[action='/verify/'] button[type=submit]")
            public.wait_for_load_state("networkidle")
            return public.inner_text("body")

        assert "有效" in public_answer() and "已撤销" not in public_answer()
        reviewer = Persona(browser, base, "ui_municipal")
        reviewer.go("/tasks/")
        assert "证书撤销审核" in reviewer.text()
        task_row = reviewer.page.query_selector("tr[data-task][data-state=new]")
        with reviewer.page.expect_navigation():
            task_row.query_selector("button").click()  # 认领: then the task page opens
        reviewer.page.wait_for_load_state("networkidle")
        reviewer.assert_chinese()
        reviewer.shot("9_reviewer_task")
        reviewer.page.check("input[name=approve][value=yes]")
        reviewer.page.fill("textarea[name=comment]", "经核实，同意撤销")
        reviewer.click("[data-action=decide]")
        assert "不能撤销" in reviewer.text()  # the confirmation names the certificate and the consequence
        reviewer.shot("9_reviewer_confirm")
        reviewer.click("[data-action=confirm]")
        assert RevocationRequest.objects.get().status == "approved"
        answer = public_answer()
        assert "已撤销" in answer
        public.screenshot(path=os.path.join(SHOTS, "intake_9_public_revoked.png"), full_page=True)
        operator_user.go(f"/certificates/{certificate.pk}/")
        assert "已批准撤销" in operator_user.text()
        operator_user.shot("9_operator_after")
        browser.close()
