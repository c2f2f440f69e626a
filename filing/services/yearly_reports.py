"""The city's yearly report (年度报告): the dashboard's tables and charts for a year, as a PDF (reportlab,
the certificates' embedded CJK font) and an Excel workbook, built in the background (Celery task
``filing.yearly_report``; in-process without a broker) with its progress recorded on the row."""

from __future__ import annotations

import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, jobs, reports, statistics
from filing.audit import audit_record
from filing.errors import Invalid
from filing.models import Level, Organisation, YearlyReport
from filing.services.common import deny_unless, save_transition


def may_request(actor) -> bool:
    return access.oversees_city(actor)


@transaction.atomic
def yearly_report_request(*, actor, year) -> YearlyReport:
    deny_unless(
        may_request(actor),
        actor=actor,
        action="yearly_report.request",
        message=_("只有市级审核人员或审计人员可以生成年度报告。"),
    )
    today = timezone.localdate()
    try:
        year = int(str(year).strip())
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= today.year:
        message = _("年度应为2000至%(year)d年。") % {"year": today.year}
        raise Invalid(message, errors={"year": [message]})
    report = YearlyReport.objects.create(year=year, requested_by=actor)
    audit_record(actor=actor, action="yearly_report.request", obj=report, payload={"year": year})
    jobs.after_commit("filing.yearly_report", report.pk)
    return report


def _progress(report: YearlyReport, value: int) -> None:
    YearlyReport.objects.filter(pk=report.pk).update(progress=value)


def yearly_report_build(report_id: int) -> str:
    """Build both files; a failure is recorded on the report (its message, not a traceback)."""
    report = YearlyReport.objects.get(pk=report_id)
    if report.state != YearlyReport.State.PENDING:
        return report.state
    try:
        _progress(report, 10)
        data = statistics.dashboard(Organisation.objects.all(), statistics.Filters(year=report.year))
        _progress(report, 40)
        tables = reports.tables(data)
        title = _("%(year)d年度 上海市新型技师学院工作报告") % {"year": report.year}
        xlsx = reports.workbook(tables, title=title)
        _progress(report, 60)
        pdf = render_pdf(title, data, tables)
        _progress(report, 90)
    except Exception as exc:  # recorded for the reader; the report can be requested again
        with transaction.atomic():
            report = YearlyReport.objects.select_for_update().get(pk=report_id)
            report.fail(f"{type(exc).__name__}: {exc}", timezone.now())
            save_transition(report)
        return report.state
    with transaction.atomic():
        report = YearlyReport.objects.select_for_update().get(pk=report_id)
        if report.state == YearlyReport.State.PENDING:
            report.finish(pdf, xlsx, timezone.now())
            save_transition(report)
    return report.state


# --- the PDF ------------------------------------------------------------------------------------------------


def _charts(data: dict, font: str) -> list:
    """Bar charts of certificates by month and by level (reportlab.graphics: vector, printable)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    out = []
    certs = data["certificates"]
    for title, labels, values in (
        (
            _("证书按月份（本）"),
            [f"{m['month']}月" for m in certs["by_month"]],
            [m["n"] for m in certs["by_month"]],
        ),
        (
            _("证书按等级（本）"),
            [str(Level(r["level"]).label) for r in certs["by_level"]],
            [r["n"] for r in certs["by_level"]],
        ),
    ):
        drawing = Drawing(350, 190)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 30, 35, 310, 120
        chart.data = [values or [0]]
        chart.categoryAxis.categoryNames = labels or [""]
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.labels.fontName = font
        chart.valueAxis.valueMin = 0
        chart.bars[0].fillColor = colors.HexColor("#1565c0")
        chart.barLabels.fontName = font
        chart.barLabels.fontSize = 7
        chart.barLabelFormat = "%d"
        drawing.add(chart)
        drawing.add(String(0, 175, title, fontName=font, fontSize=11))
        out.append(drawing)
    return out


def render_pdf(title: str, data: dict, tables: list) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from filing.pdf import font_name

    font = font_name()
    heading = ParagraphStyle("h", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    sub = ParagraphStyle("s", fontName=font, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("b", fontName=font, fontSize=9, leading=12)
    cell = ParagraphStyle("c", fontName=font, fontSize=7.5, leading=9)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author=_("上海市职业技能鉴定中心"),
    )
    cov = data["coverage"]
    story = [
        Paragraph(title, heading),
        Paragraph(
            _(
                "本年度发放证书 %(certs)d 本；审核中的备案申请 %(filings)d 件；"
                "毕业学年学生覆盖 %(c)d / %(s)d 人。"
            )
            % {
                "certs": data["certificates"]["total"],
                "filings": len(data["filings"]),
                "c": cov["covered"],
                "s": cov["students"],
            },
            body,
        ),
        Paragraph(_("生成时间：%(at)s") % {"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}, body),
        Spacer(1, 4 * mm),
    ]
    charts = _charts(data, font)
    story.append(Table([charts], colWidths=[130 * mm, 130 * mm]))
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 7.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3f2fd")),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#90a4ae")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    for table in tables:
        story.append(Paragraph(str(table.title), sub))
        rows = [[Paragraph(str(h), cell) for h in table.headers]]
        late = []
        for r, row in enumerate(table.rows[:500], start=1):
            rows.append([Paragraph("" if v is None else str(v), cell) for v in row])
            late += [(c, r) for c, v in enumerate(row) if getattr(v, "late", False)]
        if len(rows) == 1:
            rows.append([Paragraph(_("暂无数据。"), cell)] + [""] * (len(table.headers) - 1))
        flow = Table(rows, repeatRows=1)
        flow.setStyle(style)
        # Late items (behind the year's pace) are shaded as on the dashboard.
        flow.setStyle(TableStyle([("BACKGROUND", at, at, colors.HexColor("#ffcdd2")) for at in late]))
        story.append(flow)
    doc.build(story)
    return out.getvalue()
