"""In a real browser (#12 finding 8): with the Content-Security-Policy the site sends, the pages people work
in — the login, the home page, lists, an application with its review task, the admin, the public pages —
load without a single CSP violation (no inline script or style left that the policy blocks) and without a
script error. The headers themselves are asserted against a production-mode server in
tests/security/test_running_server.py."""

import os

import pytest

from filing.roles import Role
from filing.services import applications as app_svc
from tests import factories
from tests.browser.test_unread_badge import ARGS, SHOTS, login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch(page, violations: list):
    page.on(
        "console",
        lambda message: (
            violations.append((page.url, message.text))
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append((page.url, str(error))))


def test_no_page_breaks_the_content_security_policy(live_server, chromium_path, roles):
    from playwright.sync_api import sync_playwright

    os.makedirs(SHOTS, exist_ok=True)
    college = factories.organisation(district_code="310115", name="策略测试技师学院")
    applicant = factories.user("csp_applicant", role=Role.APPLICANT, organisation=college)
    legal_rep = factories.user("csp_legal", role=Role.LEGAL_REPRESENTATIVE, organisation=college)
    factories.user("csp_district", role=Role.DISTRICT_REVIEWER, district_code="310115")
    factories.user("csp_admin", role=Role.ADMINISTRATOR)
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    app_svc.application_submit(actor=applicant, application=draft)
    base = live_server.url
    violations: list = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)

        public = browser.new_context().new_page()
        watch(public, violations)
        for address in ("/accounts/login/", "/verify/", "/public/publicity/"):
            public.goto(base + address)
            public.wait_for_load_state("networkidle")

        reviewer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        watch(reviewer, violations)
        login(reviewer, base, "csp_district")
        for address in ("/", "/applications/", "/tasks/", "/notifications/", "/accounts/otp/"):
            reviewer.goto(base + address)
            reviewer.wait_for_load_state("networkidle")
        reviewer.goto(f"{base}/applications/{draft.pk}/")
        reviewer.click("[data-action=task]")
        reviewer.wait_for_load_state("networkidle")
        reviewer.check("input[name=outcome][value=return]")
        assert reviewer.is_checked("input[name=outcome][value=return]")
        reviewer.screenshot(path=os.path.join(SHOTS, "csp_review_task.png"), full_page=True)

        admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        watch(admin, violations)
        login(admin, base, "csp_admin")
        for address in ("/admin/", "/admin/filing/membership/", "/admin/filing/membership/add/"):
            admin.goto(base + address)
            admin.wait_for_load_state("networkidle")
        admin.screenshot(path=os.path.join(SHOTS, "csp_admin_membership_add.png"), full_page=True)
        browser.close()
        from django.db import connections

        connections.close_all()
    assert violations == []
