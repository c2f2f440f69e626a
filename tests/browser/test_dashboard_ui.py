"""In a real browser (issue #18): a municipal reviewer opens the city's dashboard for the year, filters it
to a district, exports a table; requests the yearly report and downloads its PDF, whose first page is
rendered with pdftoppm. Screenshots: tests/browser/screenshots/dashboard_*.png (looked at)."""

from __future__ import annotations

import datetime
import io
import os
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from filing.models import Certificate
from filing.roles import Role
from filing.services import annual_tasks
from tests import factories
from tests.browser.test_lists_ui import ARGS, Persona
from tests.conftest import require
from tests.filing.test_city_dashboard import YEAR, build_city

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.path.join(os.path.dirname(__file__), "screenshots")


def test_the_dashboard_and_the_yearly_report(live_server, chromium_path, roles, tmp_path, settings):
    from playwright.sync_api import sync_playwright

    settings.CELERY_TASK_ALWAYS_EAGER = True
    colleges = build_city(8)
    factories.user("municipal", role=Role.MUNICIPAL_REVIEWER)
    applicant = factories.user("college_clerk", role=Role.APPLICANT, organisation=colleges[0])
    annual_tasks.task_list_create(
        actor=applicant,
        organisation=colleges[0],
        year=YEAR,
        targets=[{"indicator": "certificates", "target": 40}, {"indicator": "apprentices", "target": 10}],
        today=datetime.date(YEAR, 1, 5),
    )
    os.makedirs(SHOTS, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        reviewer = Persona(browser, live_server.url, "municipal")
        reviewer.go(f"/dashboard/?year={YEAR}")
        assert reviewer.page.locator("svg.sf-chart").count() >= 6
        assert reviewer.page.locator("[data-table=colleges] td[data-late]").count() >= 1
        reviewer.page.screenshot(path=os.path.join(SHOTS, "dashboard_city.png"), full_page=True)
        reviewer.go(f"/dashboard/?year={YEAR}&district=310115")
        assert colleges[1].name not in reviewer.page.inner_text("[data-table=colleges]")
        with reviewer.page.expect_download() as download:
            reviewer.page.click("[data-table=certificates_level] a.sf-export")
        with open(download.value.path(), "rb") as handle:
            rows = list(load_workbook(io.BytesIO(handle.read())).active.values)
        pudong = Certificate.objects.filter(
            body__organisation__district__code="310115", issue_date__year=YEAR
        )
        assert sum(r[1] for r in rows[1:]) == pudong.count()
        reviewer.go("/dashboard/reports/")
        reviewer.page.fill("input[name=year]", str(YEAR))
        reviewer.click("[data-action=request]")
        reviewer.page.wait_for_selector("tr[data-state=done]")
        reviewer.page.screenshot(path=os.path.join(SHOTS, "dashboard_reports.png"), full_page=True)
        with reviewer.page.expect_download() as download:
            reviewer.page.click("tr[data-state=done] a:text('PDF')")
        with open(download.value.path(), "rb") as handle:
            pdf = handle.read()
        browser.close()
    assert pdf.startswith(b"%PDF")
    tool = shutil.which("pdftoppm")
    require(tool is not None, "`pdftoppm` is not installed (apt-get install poppler-utils)")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    target = os.path.join(SHOTS, "dashboard_report_page1")
    subprocess.run(
        [tool, "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(source), target],
        check=True,
        timeout=60,
    )
    assert os.path.getsize(target + ".png") > 10_000
