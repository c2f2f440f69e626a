"""The dashboard's tables and charts, defined once and rendered three ways: the page, the Excel workbook
(one sheet per table, or one table) and the yearly PDF. A table is ``Table(key, title, headers, rows)``;
a cell is a plain value or a :class:`Cell` (a link, a late flag, a clock)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import charts
from filing.listing import _cell as excel_cell
from filing.models import Level


@dataclass(frozen=True)
class Cell:
    text: object
    late: bool = False
    url: str = ""
    clock: object = None
    note: str = ""

    def __str__(self) -> str:
        return "" if self.text is None else str(self.text)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


def _num(value):
    if value is None:
        return None
    number = float(value)
    return int(number) if number == int(number) else round(number, 1)


def _against(value, target) -> str:
    shown = "—" if value is None else _num(value)
    return f"{shown} / {_num(target)}" if target is not None else f"{shown}"


def tables(data: dict) -> list[Table]:
    colleges = data["colleges"]
    college_table = Table(
        "colleges",
        _("新型技师学院年度指标（实际 / 目标）"),
        [_("区"), _("院校"), _("任务清单")] + [f"{c.label}（{c.unit}）" for c in colleges["columns"]],
    )
    for row in colleges["rows"]:
        org, task_list = row["organisation"], row["task_list"]
        college_table.rows.append(
            [
                org.district.name,
                org.name,
                Cell(
                    task_list.get_status_display() if task_list else _("未编制"),
                    url=reverse("dashboard:task_list", args=[task_list.pk]) if task_list else "",
                ),
                *(Cell(_against(c["value"], c["target"]), late=c["late"]) for c in row["cells"]),
            ]
        )
    filings = Table(
        "filings",
        _("审核中的备案申请"),
        [_("申请编号"), _("申请单位"), _("区"), _("状态"), _("已用工作日"), _("剩余工作日"), _("法定时限")],
    )
    for row in data["filings"]:
        app, clock = row["application"], row["clock"]
        filings.rows.append(
            [
                Cell(app.number, url=reverse("applications:detail", args=[app.pk])),
                app.organisation.name,
                app.district.name if app.district_id else "",
                app.get_status_display(),
                clock.used,
                Cell(clock.left, late=clock.state == "overdue"),
                Cell(clock.limit, clock=clock),
            ]
        )
    plans = Table(
        "plans",
        _("认定计划与合格率（按职业、等级）"),
        [
            _("职业编码"),
            _("职业"),
            _("等级"),
            _("计划数"),
            _("报名人数"),
            _("已出结果"),
            _("合格"),
            _("合格率（%）"),
        ],
    )
    for r in data["plans"]:
        plans.rows.append(
            [
                r["occupation_code"],
                r["occupation_name"],
                r["level_label"],
                r["plans"],
                r["registrations"],
                r["decided"],
                r["passed"],
                r["rate"],
            ]
        )
    certs = data["certificates"]
    by_month = Table(
        "certificates_month",
        _("证书按月份"),
        [_("月份"), _("证书数")],
        [[f"{m['month']}月", m["n"]] for m in certs["by_month"]],
    )
    levels = list(Level)
    by_district = Table(
        "certificates_district",
        _("证书按区、等级"),
        [_("区"), _("合计")] + [lv.label for lv in levels],
        [[r["district"], r["n"]] + [r[f"l{lv.value}"] for lv in levels] for r in certs["by_district"]],
    )
    by_level = Table(
        "certificates_level",
        _("证书按等级"),
        [_("等级"), _("证书数")],
        [[r["label"], r["n"]] for r in certs["by_level"]],
    )
    cov = data["coverage"]
    coverage = Table(
        "coverage",
        _("专业覆盖"),
        [_("院校"), _("已覆盖专业"), _("专业数"), _("已覆盖学生"), _("毕业学年学生"), _("学生覆盖率（%）")],
        [
            [
                Cell(s.organisation.name, url=reverse("plans:coverage_org", args=[s.organisation.pk])),
                s.covered_majors,
                s.majors,
                s.covered_students,
                s.students,
                s.share,
            ]
            for s in cov["summaries"]
        ],
    )
    return [college_table, filings, plans, by_month, by_district, by_level, coverage]


def chart_set(data: dict) -> dict:
    """The dashboard's charts (SVG), from the same figures as its tables."""
    certs = data["certificates"]
    colleges = data["colleges"]
    first = colleges["columns"][0] if colleges["columns"] else None
    return {
        "months": charts.line_chart(
            [(f"{m['month']}月", m["n"]) for m in certs["by_month"]], title=_("证书按月份（本）")
        ),
        "levels": charts.bar_chart(
            [(r["label"], r["n"]) for r in certs["by_level"]], title=_("证书按等级"), unit=_("本")
        ),
        "districts": charts.stacked_share(
            [(r["district"], [r[f"l{lv.value}"] for lv in Level]) for r in certs["by_district"]],
            [lv.label for lv in Level],
            title=_("各区证书的等级构成"),
        ),
        "colleges": charts.bar_chart(
            [
                (row["organisation"].name, row["cells"][0]["value"] or 0, row["cells"][0]["late"])
                for row in colleges["rows"]
            ],
            title=_("各院校%(label)s（红色：落后于年度进度）") % {"label": first.label if first else ""},
            unit=first.unit if first else "",
        ),
        "pass_rates": charts.bar_chart(
            [(f"{r['occupation_name']} {r['level_label']}", r["rate"] or 0) for r in data["plans"]],
            title=_("合格率（按职业、等级）"),
            unit="%",
            label_width=260,
        ),
        "coverage": charts.stacked_share(
            [
                (s.organisation.name, [s.covered_students, s.students - s.covered_students])
                for s in data["coverage"]["summaries"]
            ],
            [_("已覆盖学生"), _("未覆盖学生")],
            title=_("毕业学年学生覆盖"),
            label_width=200,
        ),
    }


def _plain(value):
    if isinstance(value, Cell):
        value = value.text
    return excel_cell(value)


def workbook(tables_: list[Table], *, title: str = "") -> bytes:
    """An .xlsx with one sheet per table (cells made safe against formula injection)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for table in tables_:
        sheet = book.create_sheet(title=table.title[:31].replace("/", "-"))
        if title:
            sheet.append([title])
        sheet.append([str(h) for h in table.headers])
        for row in table.rows:
            sheet.append([_plain(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_stamp() -> str:
    return timezone.localdate().isoformat()
