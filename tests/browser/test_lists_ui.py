"""In a real browser (issue #13 items 13–14): a district reviewer finds a task in the inbox by application
number, by state and by kind, pages past the first 50 and exports what is filtered to Excel; an auditor
filters the audit log by action and checks the chain. Screenshots go to tests/browser/screenshots/
(lists_*.png) for people to look at."""

from __future__ import annotations

import io
import os

import pytest
from openpyxl import load_workbook
from viewflow.workflow.fields import get_task_ref

from filing.models import FilingApplication
from tests.test_list_queries import submitted_applications
from workflows import services as wf
from workflows.flows import FilingReviewFlow
from workflows.selectors import open_task

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used beside Playwright's loop
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.path.join(os.path.dirname(__file__), "screenshots")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-sync"]


class Persona:
    def __init__(self, browser, base, username):
        self.page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        self.page.set_default_timeout(120_000)  # two browsers and the suite share two cores in CI
        self.base = base
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", "pw-Test-12345")
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

    def rows(self, selector="tr[data-task]") -> int:
        return len(self.page.query_selector_all(selector))

    def shot(self, name):
        self.page.screenshot(path=os.path.join(SHOTS, f"lists_{name}.png"), full_page=True)

    def export(self) -> list[tuple]:
        with self.page.expect_download() as download:
            self.page.click("[data-action=export]")
        with open(download.value.path(), "rb") as handle:
            return list(load_workbook(io.BytesIO(handle.read()), read_only=True).active.values)


def test_inbox_filters_pages_export_and_the_audit_log(
    college, applicant, district_reviewer, auditor, live_server, chromium_path
):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    os.makedirs(SHOTS, exist_ok=True)
    submitted_applications(college, applicant, 55)
    applications = list(FilingApplication.objects.order_by("pk"))
    claimed = applications[3]
    wf.task_claim(actor=district_reviewer, task_pk=open_task(claimed, "district_accept").pk)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        reviewer = Persona(browser, live_server.url, district_reviewer.username)
        reviewer.go("/tasks/")
        text = reviewer.page.inner_text("main")
        assert (
            "共 55 条" in text
            and "第 1 / 2 页" in text
            and reviewer.rows("[data-section=open] tr[data-task]") == 50
        )
        reviewer.shot("1_inbox")
        reviewer.click("[data-pager] a[rel=next]")
        assert reviewer.rows(
            "[data-section=open] tr[data-task]"
        ) == 5 and "第 2 / 2 页" in reviewer.page.inner_text("main")

        # By number: the one application.
        reviewer.go("/tasks/")
        reviewer.page.fill("input[name=q]", applications[7].number)
        reviewer.click("[data-action=filter]")
        assert reviewer.rows("[data-section=open] tr[data-task]") == 1
        assert applications[7].number in reviewer.page.inner_text("[data-section=open] table")
        assert "已筛选" in reviewer.page.inner_text("main")
        reviewer.shot("2_inbox_by_number")
        exported = reviewer.export()
        assert len(exported) == 2 and exported[1][1] == applications[7].number

        # By state (mine) and by kind.
        reviewer.go("/tasks/")
        reviewer.page.select_option("select[name=status]", "ASSIGNED")
        reviewer.page.select_option("select[name=kind]", get_task_ref(FilingReviewFlow.district_accept))
        reviewer.click("[data-action=filter]")
        assert reviewer.rows("[data-section=open] tr[data-task]") == 1
        assert claimed.number in reviewer.page.inner_text("[data-section=open] table")
        assert reviewer.page.is_visible("[data-section=open] tr[data-state=assigned] [data-action=open-task]")
        reviewer.shot("3_inbox_mine")

        # A bad date in the address is said, not a failure.
        reviewer.go("/tasks/?due_from=abc&date_to=2026-13-45")
        assert reviewer.rows("[data-section=open] tr[data-task]") == 50
        reviewer.shot("4_inbox_bad_dates")

        # The audit log: by action, then the chain check.
        reader = Persona(browser, live_server.url, auditor.username)
        reader.go("/")
        reader.click("[data-menu=audit]")
        assert "审计日志" in reader.page.inner_text("main")
        reader.shot("5_audit_log")
        reader.page.select_option("select[name=action]", "task.claim")
        reader.click("[data-action=filter]")
        assert reader.rows("tr[data-event]") == 1 and "共 1 条" in reader.page.inner_text("main")
        assert "认领任务" in reader.page.inner_text("table")
        assert district_reviewer.username in reader.page.inner_text("table")
        reader.shot("6_audit_by_action")
        exported = reader.export()
        assert len(exported) == 2 and exported[1][5] == "认领任务"
        reader.click("[data-action=verify]")
        assert reader.page.is_visible("[data-chain=intact]")
        reader.shot("7_audit_chain")
        browser.close()
    connections.close_all()
