"""Export to the national lookup system (技能人才评价证书全国联网查询) in the layout documented in
docs/national-report.md, and the acknowledgement that marks certificates as accepted there."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access
from filing.audit import audit_record
from filing.errors import WrongState
from filing.exports import safe_cell
from filing.models import Certificate, NationalReport, ReportState
from filing.services.common import deny_unless

COLUMNS = [
    "证书编号",
    "版本",
    "记录类型",
    "姓名",
    "证件类型",
    "证件号码（脱敏）",
    "职业编码",
    "职业名称",
    "工种",
    "等级",
    "评价机构代码",
    "评价机构名称",
    "发证日期",
    "证书状态",
    "撤销日期",
    "撤销原因",
]
RECORD_TYPE = {"valid": "新增", "superseded": "更正", "revoked": "撤销"}


@transaction.atomic
def report_export(*, actor) -> NationalReport:
    """Every certificate (new, corrected, revoked) not yet reported goes into one report file."""
    deny_unless(
        access.is_municipal_reviewer(actor),
        actor=actor,
        action="national.export",
        obj=None,
        message=_("只有市职业技能鉴定中心可以上报全国联网数据。"),
    )
    pending = list(
        Certificate.objects.select_for_update(of=("self",))
        .filter(report__isnull=True)
        .select_related("body")
        .order_by("number", "version")
    )
    if not pending:
        raise WrongState(_("没有待上报的证书。"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for c in pending:
        writer.writerow(
            [
                safe_cell(v)
                for v in [
                    c.number,
                    c.version,
                    RECORD_TYPE[c.status],
                    c.holder_name,
                    c.get_document_type_display(),
                    c.document_masked,
                    c.occupation_code,
                    c.occupation_name,
                    c.work_type,
                    c.level_label,
                    c.body.code,
                    c.body_name,
                    c.issue_date,
                    c.get_status_display(),
                    c.revoked_on or "",
                    c.revoked_reason,
                ]
            ]
        )
    report = NationalReport.objects.create(created_by=actor, rows=len(pending), content=out.getvalue())
    Certificate.objects.filter(pk__in=[c.pk for c in pending]).update(report=report)
    audit_record(actor=actor, action="national.export", obj=report, payload={"rows": len(pending)})
    return report


@transaction.atomic
def report_file(report: NationalReport) -> bytes:
    """The report as the file handed to the national system: UTF-8 CSV with a BOM (Excel opens it)."""
    return ("\ufeff" + report.content).encode("utf-8")


@transaction.atomic
def report_acknowledge(*, actor, report: NationalReport) -> NationalReport:
    report = NationalReport.objects.select_for_update().get(pk=report.pk)
    deny_unless(
        access.is_municipal_reviewer(actor),
        actor=actor,
        action="national.acknowledge",
        obj=report,
        message=_("只有市职业技能鉴定中心可以确认上报结果。"),
    )
    if report.state == ReportState.ACKNOWLEDGED:
        raise WrongState(_("该批次已确认。"))
    report.acknowledge(timezone.now())
    report.save()
    audit_record(actor=actor, action="national.acknowledge", obj=report)
    return report
