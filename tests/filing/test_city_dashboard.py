"""The city's dashboard (issue #18 item 3): every figure equals a count made directly from the test data,
the oversight roles see only their scope, the queries do not grow with colleges, the tables export."""

from __future__ import annotations

import datetime
import io
import secrets

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from filing import indicators, statistics
from filing.models import (
    ApplicationStatus,
    Certificate,
    ClockPeriod,
    FilingApplication,
    Level,
    Organisation,
    Registration,
    RegistrationStatus,
)
from filing.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db
YEAR = 2026
DISTRICTS = ("310115", "310104")


def certify(plan, issue_date: datetime.date) -> int:
    """Certificates for the plan's passed registrations, written directly (the counting is under test, not
    issuance: tests/filing/test_issuance.py covers that)."""
    body = plan.body
    rows = []
    for reg in Registration.objects.filter(plan=plan, status=RegistrationStatus.PASSED).select_related(
        "candidate"
    ):
        level = plan.line.offering.level
        rows.append(
            Certificate(
                number=f"Y{secrets.token_hex(10)}",
                registration=reg,
                body=body,
                holder_name=reg.candidate.name,
                document_type="citizen_id",
                document_masked=reg.candidate.document_masked,
                document_index=reg.candidate.document_index,
                occupation_code=plan.line.offering.occupation.code,
                occupation_name=plan.line.offering.occupation.name,
                level=level,
                level_label=Level(level).label,
                body_name=body.name,
                issue_date=issue_date,
                verification_token=secrets.token_urlsafe(24),
            )
        )
    Certificate.objects.bulk_create(rows)
    return len(rows)


def build_city(n: int, *, start: int = 0) -> list[Organisation]:
    """``n`` new-type colleges over two districts, each with a filed body, a plan with results, its
    certificates in a month of the year, a major and an application in district review."""
    made = []
    for i in range(start, start + n):
        org = factories.organisation(district_code=DISTRICTS[i % 2], name=f"看板测试学院{i:03d}")
        factories.major(org, code=f"M{i}", students=10 + i)
        body = factories.filed_body(org, levels=(4, 3))
        level = 4 if i % 2 else 3
        plan, _op = factories.plan_with_results(
            body,
            passed=1 + i % 3,
            failed=1,
            level=level,
            photos=False,
            first_sitting_on=datetime.date(YEAR, 5, 1),
        )
        certify(plan, datetime.date(YEAR, 1 + i % 12, 10))
        app = FilingApplication.objects.create(
            organisation=org,
            kind="initial",
            body_category="Y",
            created_by=_op,
            district=org.district,
            status=ApplicationStatus.DISTRICT_REVIEW,
        )
        ClockPeriod.objects.create(
            application=app, kind=ClockPeriod.Kind.REVIEW, started_on=datetime.date(YEAR, 3, 2)
        )
        made.append(org)
    return made


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_computed_figure_equals_a_direct_count(roles):
    build_city(6)
    # Noise the figures must not count: another year's certificate.
    other_year = Certificate.objects.first()
    Certificate.objects.filter(pk=other_year.pk).update(issue_date=datetime.date(YEAR - 1, 6, 1))
    data = statistics.dashboard(
        Organisation.objects.all(), statistics.Filters(year=YEAR), datetime.date(YEAR, 12, 31)
    )

    in_year = Certificate.objects.filter(issue_date__year=YEAR).exclude(status="superseded")
    assert data["certificates"]["total"] == in_year.count()
    for m in data["certificates"]["by_month"]:
        assert m["n"] == in_year.filter(issue_date__month=m["month"]).count()
    for r in data["certificates"]["by_level"]:
        assert r["n"] == in_year.filter(level=r["level"]).count()
    for r in data["certificates"]["by_district"]:
        assert r["n"] == in_year.filter(body__organisation__district__code=r["code"]).count()
        assert sum(r[f"l{lv.value}"] for lv in Level) == r["n"]

    by_code = {c.code: n for n, c in enumerate(data["colleges"]["columns"])}
    for row in data["colleges"]["rows"]:
        org = row["organisation"]
        mine = in_year.filter(body__organisation=org)
        assert (row["cells"][by_code["certificates"]]["value"] or 0) == mine.count()
        assert (row["cells"][by_code["certificates_high"]]["value"] or 0) == mine.filter(level__lte=3).count()
        decided = Registration.objects.filter(plan__body__organisation=org, status__in=statistics.DECIDED)
        passed = decided.filter(status__in=statistics.PASSED).count()
        expected = indicators.share(passed, decided.count())
        assert row["cells"][by_code["pass_rate"]]["value"] == expected
        share = row["cells"][by_code["high_level_share"]]["value"]
        assert share == (
            indicators.share(mine.filter(level__lte=3).count(), mine.count()) if mine.count() else None
        )

    for r in data["plans"]:
        regs = Registration.objects.filter(
            plan__line__offering__occupation__code=r["occupation_code"],
            plan__line__offering__level=r["level"],
        )
        assert r["decided"] == regs.filter(status__in=statistics.DECIDED).count()
        assert r["passed"] == regs.filter(status__in=statistics.PASSED).count()
    assert len(data["filings"]) == FilingApplication.objects.filter(status__in=statistics.IN_REVIEW).count()
    assert all(row["clock"].used is not None for row in data["filings"])
    cov = data["coverage"]
    assert cov["students"] == sum(10 + i for i in range(6))


def test_filters_narrow_every_figure(roles):
    build_city(4)
    pudong = statistics.Filters(year=YEAR, district_id=factories.district("310115").pk)
    data = statistics.dashboard(Organisation.objects.all(), pudong, datetime.date(YEAR, 12, 31))
    assert {r["organisation"].district.code for r in data["colleges"]["rows"]} == {"310115"}
    assert (
        data["certificates"]["total"]
        == Certificate.objects.filter(
            body__organisation__district__code="310115", issue_date__year=YEAR
        ).count()
    )
    empty = statistics.dashboard(
        Organisation.objects.all(),
        statistics.Filters(year=YEAR, kind="enterprise"),
        datetime.date(YEAR, 12, 31),
    )
    assert empty["colleges"]["rows"] == [] and empty["certificates"]["total"] == 0
    next_year = statistics.dashboard(Organisation.objects.all(), statistics.Filters(year=YEAR + 1))
    assert next_year["certificates"]["total"] == 0


def dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/dashboard/?year={YEAR}")
    assert response.status_code == 200
    return len(captured)


def test_the_queries_do_not_grow_with_colleges(roles, municipal_reviewer):
    client = client_for(municipal_reviewer)
    build_city(5)
    dashboard_queries(client)  # warm the calendar cache and the session
    five = dashboard_queries(client)
    build_city(45, start=5)
    fifty = dashboard_queries(client)
    assert Organisation.objects.filter(is_new_type_college=True).count() == 50
    assert five == fifty, (five, fifty)


def test_the_page_shows_charts_and_tables_and_exports_them(roles, municipal_reviewer):
    from openpyxl import load_workbook

    build_city(3)
    client = client_for(municipal_reviewer)
    page = client.get(f"/dashboard/?year={YEAR}").content.decode()
    assert page.count("<svg") >= 6 and "看板测试学院000" in page and 'data-table="filings"' in page
    whole = client.get(f"/dashboard/?year={YEAR}&export=xlsx")
    book = load_workbook(io.BytesIO(whole.content))
    assert len(book.sheetnames) == 7
    one = client.get(f"/dashboard/?year={YEAR}&export=xlsx&table=certificates_level")
    sheet = load_workbook(io.BytesIO(one.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("等级", "证书数")
    assert sum(r[1] for r in rows[1:]) == Certificate.objects.filter(issue_date__year=YEAR).count()
    assert client.get("/dashboard/?export=xlsx&table=nope").status_code == 404
    # A bad filter is a form error, never a 500; the year falls back to this year.
    assert client.get("/dashboard/?year=abc&district=999&occupation=%00").status_code == 200


def test_an_export_cell_never_starts_a_formula(roles, municipal_reviewer):
    from openpyxl import load_workbook

    [org] = build_city(1)
    Organisation.objects.filter(pk=org.pk).update(name="=HYPERLINK(1)")
    content = (
        client_for(municipal_reviewer).get(f"/dashboard/?year={YEAR}&export=xlsx&table=colleges").content
    )
    values = [c for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True) for c in row]
    assert "'=HYPERLINK(1)" in values and "=HYPERLINK(1)" not in values


@pytest.fixture
def oversight(roles):
    return {
        "leader": factories.user("pd_leader", role=Role.DISTRICT_LEADER, district_code="310115"),
        "education": factories.user("pd_edu", role=Role.EDUCATION_BUREAU, district_code="310115"),
        "sasac": factories.user("sasac", role=Role.STATE_ASSETS),
    }


def test_oversight_roles_read_only_their_scope(oversight):
    schools = build_city(4)  # 0, 2 in 310115; 1, 3 in 310104
    enterprise = factories.organisation(district_code="310115", kind="enterprise", name="浦东国企")
    Organisation.objects.filter(pk=enterprise.pk).update(is_state_owned=True)
    factories.filed_body(enterprise, levels=(4, 3))
    private = factories.organisation(district_code="310115", kind="enterprise", name="浦东民企")

    leader = client_for(oversight["leader"]).get(f"/dashboard/?year={YEAR}").content.decode()
    assert schools[0].name in leader and schools[1].name not in leader
    rows = {r["organisation"].pk for r in _rows(oversight["leader"])}
    assert rows == {schools[0].pk, schools[2].pk, enterprise.pk, private.pk}
    education = {r["organisation"].pk for r in _rows(oversight["education"])}
    assert education == {schools[0].pk, schools[2].pk}
    sasac = {r["organisation"].pk for r in _rows(oversight["sasac"])}
    assert sasac == {enterprise.pk}
    from filing import access

    assert private.pk not in access.dashboard_organisations(oversight["sasac"]).values_list("pk", flat=True)
    # The district filter cannot widen a scope: another district's figures stay out.
    xuhui = client_for(oversight["leader"]).get(f"/dashboard/?year={YEAR}&district=310104").content.decode()
    assert schools[1].name not in xuhui


def _rows(user):
    from filing import access

    Organisation.objects.filter(kind="enterprise").update(is_new_type_college=True)
    scope = access.dashboard_organisations(user)
    return statistics.dashboard(scope, statistics.Filters(year=YEAR))["colleges"]["rows"]


def test_oversight_roles_reach_nothing_else(oversight, outsider):
    """Outside the dashboard and the task lists an oversight role is an outsider (the access matrix checks
    every route; this is the short version)."""
    [school] = build_city(1)
    app = FilingApplication.objects.get(organisation=school, status=ApplicationStatus.DISTRICT_REVIEW)
    paths = (
        "/applications/",
        f"/applications/{app.pk}/",
        "/plans/",
        "/certificates/statistics/",
        "/supervision/",
    )
    for user in oversight.values():
        client = client_for(user)
        for path in paths:
            assert client.get(path).status_code == client_for(outsider).get(path).status_code, path
        assert school.name not in client.get("/applications/").content.decode()
        assert client.get("/dashboard/").status_code == 200
        assert client.get("/dashboard/reports/").status_code == 404


def test_nobody_else_reads_the_dashboard(roles, applicant, district_reviewer, outsider):
    for user in (applicant, district_reviewer, outsider):
        assert client_for(user).get("/dashboard/").status_code == 404
    assert Client().get("/dashboard/").status_code == 302


def test_the_yearly_report_is_built_in_the_background(roles, municipal_reviewer, district_reviewer, settings):
    from django.test import TestCase
    from openpyxl import load_workbook

    from filing.errors import Denied, Invalid
    from filing.models import YearlyReport
    from filing.services import yearly_reports

    settings.CELERY_TASK_ALWAYS_EAGER = True
    build_city(2)
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = yearly_reports.yearly_report_request(actor=municipal_reviewer, year=YEAR)
    report.refresh_from_db()
    assert report.state == YearlyReport.State.DONE and report.progress == 100
    assert bytes(report.pdf).startswith(b"%PDF")
    assert len(load_workbook(io.BytesIO(bytes(report.xlsx))).sheetnames) == 7
    with pytest.raises(Denied):
        yearly_reports.yearly_report_request(actor=district_reviewer, year=YEAR)
    with pytest.raises(Invalid):
        yearly_reports.yearly_report_request(actor=municipal_reviewer, year="next")


def test_a_failed_report_says_why(roles, municipal_reviewer, monkeypatch):
    from filing.models import YearlyReport
    from filing.services import yearly_reports

    report = YearlyReport.objects.create(year=YEAR, requested_by=municipal_reviewer)

    def broken(*args, **kwargs):
        raise OSError("字体文件不可读")

    monkeypatch.setattr(yearly_reports, "render_pdf", broken)
    assert yearly_reports.yearly_report_build(report.pk) == YearlyReport.State.FAILED
    report.refresh_from_db()
    assert "字体文件不可读" in report.error and report.progress == 60
    assert yearly_reports.yearly_report_build(report.pk) == YearlyReport.State.FAILED  # no second run
