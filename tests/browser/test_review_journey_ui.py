"""In a real browser, as each role: a college drafts, signs and submits; district acceptance and review;
the city returns it for correction; the college corrects; municipal review, expert panel, three expert
scores, the decision by a second municipal reviewer; the public publicity page; the timer files it.
Screenshots go to tests/browser/screenshots/ (ignored)."""

import os

import pytest

from filing.models import ApplicationStatus, FilingApplication, OccupationLevel
from filing.roles import Role
from filing.services import publicity as publicity_svc
from tests import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.path.join(os.path.dirname(__file__), "screenshots")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PASSWORD = "pw-Test-12345"


class Persona:
    def __init__(self, browser, base, username):
        self.page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        self.page.set_default_timeout(120_000)  # two browsers and the suite share two cores in CI
        self.base = base
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def go(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")

    def shot(self, name):
        self.page.screenshot(path=os.path.join(SHOTS, f"journey_{name}.png"), full_page=True)

    def submit_form(self):
        self.page.click("form.sf-form button[type=submit]")
        self.page.wait_for_load_state("networkidle")


def do_task(persona, app_pk, outcome="approve", comment="同意", extra=None):
    persona.go(f"/applications/{app_pk}/")
    persona.page.click("[data-action=task]")
    persona.page.wait_for_load_state("networkidle")
    if outcome:
        persona.page.check(f"input[name=outcome][value={outcome}]")
    if comment:  # the decision's own opinion (the page also offers 退回到已办环节 with its reasons)
        persona.page.fill("form:has([data-action=decide]) textarea[name=comment]", comment)
    if extra:
        extra(persona.page)
    persona.page.click("[data-action=decide]")
    persona.page.wait_for_load_state("networkidle")


def test_draft_to_filed_in_the_browser(live_server, chromium_path, roles, tmp_path):
    from playwright.sync_api import sync_playwright

    os.makedirs(SHOTS, exist_ok=True)
    college = factories.organisation(district_code="310115", name="浏览器测试技师学院")
    factories.major(college, code="660103", name="数控技术应用")
    factories.user("ui_applicant", role=Role.APPLICANT, organisation=college)
    factories.user("ui_legal", role=Role.LEGAL_REPRESENTATIVE, organisation=college)
    factories.user("ui_district", role=Role.DISTRICT_REVIEWER, district_code="310115")
    factories.user("ui_district2", role=Role.DISTRICT_REVIEWER, district_code="310115")
    factories.user("ui_municipal", role=Role.MUNICIPAL_REVIEWER)
    factories.user("ui_municipal2", role=Role.MUNICIPAL_REVIEWER)
    experts = [factories.user(f"ui_expert{i}", role=Role.EXPERT) for i in range(1, 4)]
    offering = OccupationLevel.objects.filter(occupation__code="6-18-01-01", level=4).first()
    pdf = tmp_path / "材料.pdf"
    pdf.write_bytes(factories.PDF_BYTES)
    base = live_server.url

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        clerk = Persona(browser, base, "ui_applicant")
        clerk.go("/applications/new/")
        clerk.page.select_option("select[name=kind]", "initial")
        clerk.page.fill("input[name=contact_name]", "王老师")
        clerk.page.fill("input[name=contact_phone]", "021-50000000")
        clerk.submit_form()
        app_pk = int(clerk.page.url.rstrip("/").split("/")[-1])
        clerk.go(f"/applications/{app_pk}/lines/new/")
        clerk.page.select_option("select[name=offering]", str(offering.pk))
        clerk.page.check("input[name=majors]")
        clerk.page.fill("textarea[name=venue]", "实训楼3号")
        clerk.page.fill("textarea[name=equipment]", "数控车床20台")
        clerk.page.fill("textarea[name=evaluator_pool]", "考评员12名")
        clerk.submit_form()
        for kind in ("registration", "venue", "evaluators", "quality", "curriculum"):
            clerk.go(f"/applications/{app_pk}/attachments/new/")
            clerk.page.select_option("select[name=kind]", kind)
            clerk.page.set_input_files("input[name=file]", str(pdf))
            clerk.submit_form()
        clerk.shot("01_clerk_draft")

        legal = Persona(browser, base, "ui_legal")
        legal.go(f"/applications/{app_pk}/")
        legal.page.click("[data-action=sign]")
        clerk.go(f"/applications/{app_pk}/")
        clerk.page.click("[data-action=submit]")
        clerk.page.wait_for_load_state("networkidle")
        assert clerk.page.is_visible("[data-status=submitted]")

        do_task(Persona(browser, base, "ui_district"), app_pk, comment="材料齐全，予以受理")
        do_task(Persona(browser, base, "ui_district2"), app_pk, comment="同意上报")
        municipal = Persona(browser, base, "ui_municipal")

        def tick_items(page):
            page.check("input[name=items][value='attachment:evaluators']")

        do_task(municipal, app_pk, outcome="return", comment="考评人员名单缺少资格证书", extra=tick_items)
        clerk.go(f"/applications/{app_pk}/")
        assert clerk.page.is_visible("[data-section=correction]")
        clerk.shot("02_clerk_correction")
        clerk.go(f"/applications/{app_pk}/attachments/new/?kind=evaluators")
        clerk.page.set_input_files("input[name=file]", str(pdf))
        clerk.submit_form()
        clerk.go(f"/applications/{app_pk}/respond/")
        clerk.page.fill("textarea[name=comment]", "已补充考评员资格证书")
        clerk.submit_form()

        do_task(municipal, app_pk, comment="同意组织专家评审")
        municipal.shot("03_municipal_after_review")

        def pick_experts(page):
            for expert in experts:
                page.check(f"input[name=experts][value='{expert.pk}']")

        do_task(municipal, app_pk, outcome=None, comment=None, extra=pick_experts)
        app = FilingApplication.objects.get(pk=app_pk)
        line = app.lines.get()
        for expert in experts:
            scorer = Persona(browser, base, expert.username)
            scorer.go("/tasks/")
            scorer.page.click("[data-section=open] [data-action=open-task]")  # the inbox row's 办理 button
            scorer.page.fill(f"input[name=score_{line.pk}]", "86")
            scorer.page.check(f"input[name=rec_{line.pk}][value=approve]")
            scorer.page.click("[data-action=decide]")
            scorer.page.wait_for_load_state("networkidle")
        deciding = Persona(browser, base, "ui_municipal2")

        def approve_line(page):
            page.check(f"input[name=decision_{line.pk}][value=approved]")

        do_task(deciding, app_pk, outcome=None, comment="同意备案", extra=approve_line)
        deciding.shot("04_decided")

        public = browser.new_context().new_page()
        public.goto(f"{base}/public/publicity/")
        assert "浏览器测试技师学院" in public.content()
        public.screenshot(path=os.path.join(SHOTS, "journey_05_public_publicity.png"), full_page=True)

        app.refresh_from_db()
        assert app.status == ApplicationStatus.PUBLICITY
        import datetime

        publicity_svc.close_ended_publicity(today=app.publicity_ends_on + datetime.timedelta(days=1))
        clerk.go(f"/applications/{app_pk}/")
        assert clerk.page.is_visible("[data-status=filed]")
        assert "Y000031" in clerk.page.content()
        clerk.shot("06_filed")
        browser.close()
        # ORM calls made while Playwright's loop runs use their own connection: close it here.
        from django.db import connections

        connections.close_all()
