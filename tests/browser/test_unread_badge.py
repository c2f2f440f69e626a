"""In a real browser: a college clerk's unread count in the page header goes up when a district reviewer
returns the application for correction, and opening the message marks it read."""

import datetime
import os

import pytest

from filing.roles import Role
from filing.services import applications as app_svc
from tests import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
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


def login(page, base, username):
    """Sign in and wait for the answer: on a loaded machine the next ``goto`` would otherwise abort the
    login POST in flight, and the page after it would be the login page again."""
    page.set_default_timeout(120_000)  # two browsers and the suite share two cores in CI
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Test-12345")
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, page.url


def test_unread_count_changes_when_reviewer_returns(live_server, chromium_path, roles):
    from playwright.sync_api import sync_playwright

    os.makedirs(SHOTS, exist_ok=True)
    college = factories.organisation(district_code="310115", name="徽章测试技师学院")
    applicant = factories.user("badge_applicant", role=Role.APPLICANT, organisation=college)
    legal_rep = factories.user("badge_legal", role=Role.LEGAL_REPRESENTATIVE, organisation=college)
    factories.user("badge_district", role=Role.DISTRICT_REVIEWER, district_code="310115")
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    app_svc.application_submit(actor=applicant, application=draft)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        clerk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        login(clerk, base, "badge_applicant")
        clerk.goto(f"{base}/applications/{draft.pk}/")
        before = int(clerk.get_attribute("[data-unread-badge]", "data-unread-badge"))

        reviewer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        login(reviewer, base, "badge_district")
        reviewer.goto(f"{base}/applications/{draft.pk}/")
        reviewer.click("[data-action=task]")
        reviewer.check("input[name=outcome][value=return]")
        reviewer.fill("textarea[name=comment]", "质量管理制度缺少考务回避条款，请补正")
        reviewer.check("input[name=items][value='attachment:quality']")
        deadline = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        reviewer.fill("input[name=deadline]", deadline)
        reviewer.screenshot(path=os.path.join(SHOTS, "badge_01_reviewer_returns.png"), full_page=True)
        reviewer.click("[data-action=decide]")
        reviewer.wait_for_load_state("networkidle")

        clerk.reload()
        after = int(clerk.get_attribute("[data-unread-badge]", "data-unread-badge"))
        assert after == before + 1, (before, after)
        assert clerk.is_visible("[data-section=correction]")
        clerk.screenshot(path=os.path.join(SHOTS, "badge_02_clerk_sees_correction.png"), full_page=True)
        clerk.goto(f"{base}/notifications/")
        clerk.click("text=请补正申请材料")
        clerk.wait_for_load_state("networkidle")
        assert int(clerk.get_attribute("[data-unread-badge]", "data-unread-badge")) == after - 1
        browser.close()
        # ORM calls made while Playwright's loop runs use their own connection: close it here.
        from django.db import connections

        connections.close_all()
