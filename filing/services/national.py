"""Export to the national lookup system (技能人才评价证书全国联网查询) in the layout documented in
docs/national-report.md, and the national system's answers coming back.

The report is the one export that carries full ID numbers (DOMAIN.md §5): they are decrypted from the
candidates' encrypted numbers only while the file is written in memory, and the file is stored and handed
out only as its age ciphertext for the configured recipients (``filing.sealed``). Each row becomes a
:class:`~filing.models.NationalRecord`; the answer file marks records acknowledged (接收) or rejected (退回).
The records one answer file sends back to a body are one task of that body's operators (``workflows``
starts it on ``national_records_rejected``) until they correct the certificates or queue them again
(:func:`rejections_resubmit`, :func:`record_resubmit`). A plan moves to 已上报 when all its certificates
are in a report and to 已归档 when all are acknowledged.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, pii, signals
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.exports import safe_cell
from filing.models import (
    Certificate,
    CertificateStatus,
    EvaluationPlan,
    NationalRecord,
    NationalReport,
    PlanStatus,
    ReportState,
)
from filing.national_answers import parse
from filing.sealed import seal
from filing.services.common import deny_unless, save_transition

COLUMNS = [
    "证书编号",
    "版本",
    "记录类型",
    "姓名",
    "证件类型",
    "证件号码",
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


def _deny_unless_city(actor, action: str, obj=None) -> None:
    deny_unless(
        access.is_municipal_reviewer(actor),
        actor=actor,
        action=action,
        obj=obj,
        message=_("只有市职业技能鉴定中心可以办理全国联网上报。"),
    )


def _full_number(certificate: Certificate) -> str:
    candidate = certificate.registration.candidate
    if not candidate.document_encrypted or candidate.document_index != certificate.document_index:
        raise WrongState(
            _("证书%(number)s的持证人证件号码已不可用，无法上报。") % {"number": certificate.number}
        )
    return pii.decrypt(candidate.document_encrypted)


def _row(certificate: Certificate) -> list:
    return [
        safe_cell(v)
        for v in [
            certificate.number,
            certificate.version,
            RECORD_TYPE[certificate.status],
            certificate.holder_name,
            certificate.get_document_type_display(),
            _full_number(certificate),
            certificate.occupation_code,
            certificate.occupation_name,
            certificate.work_type,
            certificate.level_label,
            certificate.body.code,
            certificate.body_name,
            certificate.issue_date,
            certificate.get_status_display(),
            certificate.revoked_on or "",
            certificate.revoked_reason,
        ]
    ]


@transaction.atomic
def report_export(*, actor) -> NationalReport:
    """Every certificate (new, corrected, revoked) not yet reported goes into one sealed report file."""
    _deny_unless_city(actor, "national.export")
    pending = list(
        Certificate.objects.select_for_update(of=("self",))
        .filter(report__isnull=True)
        .select_related("body", "registration__candidate")
        .order_by("number", "version")
    )
    if not pending:
        raise WrongState(_("没有待上报的证书。"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for certificate in pending:
        writer.writerow(_row(certificate))
    # UTF-8 with a BOM (Excel opens it); the clear text lives only in this function's memory.
    ciphertext = seal(("\ufeff" + out.getvalue()).encode("utf-8"))
    del out
    report = NationalReport.objects.create(
        created_by=actor,
        rows=len(pending),
        ciphertext=ciphertext,
        sha256=hashlib.sha256(ciphertext).hexdigest(),
    )
    NationalRecord.objects.bulk_create(
        NationalRecord(
            report=report,
            certificate=c,
            number=c.number,
            version=c.version,
            record_type=RECORD_TYPE[c.status],
        )
        for c in pending
    )
    Certificate.objects.filter(pk__in=[c.pk for c in pending]).update(report=report)
    audit_record(
        actor=actor,
        action="national.export",
        obj=report,
        payload={"rows": len(pending), "sha256": report.sha256, "full_document_numbers": len(pending)},
    )
    _advance_plans(actor, {c.registration.plan_id for c in pending})
    return report


def report_file(report: NationalReport) -> bytes:
    """The file handed to the national system: the age ciphertext, exactly as stored."""
    return bytes(report.ciphertext)


def _finish_reports(report_ids, now) -> list[NationalReport]:
    """Reports whose every record has an answer become acknowledged."""
    finished = []
    for report in NationalReport.objects.select_for_update().filter(
        pk__in=report_ids, state=ReportState.REPORTED
    ):
        if not report.records.filter(result=ReportState.REPORTED).exists():
            report.acknowledge(now)
            save_transition(report)
            finished.append(report)
    return finished


def _advance_plans(actor, plan_ids) -> None:
    """已上报 when every certificate of the plan is in a report; 已归档 when the national system acknowledged
    the record that carries each one's latest change."""
    today = timezone.localdate()
    # Lock first, count apart: PostgreSQL refuses FOR UPDATE together with GROUP BY.
    locked = list(
        EvaluationPlan.objects.select_for_update()
        .filter(pk__in=plan_ids, status__in=[PlanStatus.CERTIFICATES_ISSUED, PlanStatus.REPORTED])
        .order_by("pk")
    )
    current = ~Q(registrations__certificates__status=CertificateStatus.SUPERSEDED)
    counts = EvaluationPlan.objects.filter(pk__in=[p.pk for p in locked]).annotate(
        current=Count("registrations__certificates", filter=current, distinct=True),
        unreported=Count(
            "registrations__certificates",
            filter=Q(registrations__certificates__report__isnull=True),
            distinct=True,
        ),
    )
    counted = {c.pk: c for c in counts}
    for plan in locked:
        plan.current, plan.unreported = counted[plan.pk].current, counted[plan.pk].unreported
        if not plan.current or plan.unreported:
            continue
        if plan.status == PlanStatus.CERTIFICATES_ISSUED:
            plan.mark_reported()
            save_transition(plan)
            audit_record(
                actor=actor, action="plan.reported", obj=plan, payload={"certificates": plan.current}
            )
        acknowledged = (
            NationalRecord.objects.filter(
                certificate__registration__plan=plan,
                report=F("certificate__report"),
                result=ReportState.ACKNOWLEDGED,
            )
            .exclude(certificate__status=CertificateStatus.SUPERSEDED)
            .count()
        )
        if acknowledged == plan.current:
            plan.archive(on=today)
            save_transition(plan)
            audit_record(actor=actor, action="plan.archive", obj=plan, payload={"certificates": plan.current})


@transaction.atomic
def report_acknowledge(*, actor, report: NationalReport) -> NationalReport:
    """The national system confirmed receipt of the whole report: every unanswered record is acknowledged."""
    report = NationalReport.objects.select_for_update().get(pk=report.pk)
    _deny_unless_city(actor, "national.acknowledge", report)
    if report.state == ReportState.ACKNOWLEDGED:
        raise WrongState(_("该批次已确认。"))
    now = timezone.now()
    records = list(
        report.records.select_for_update(of=("self",))
        .filter(result=ReportState.REPORTED)
        .select_related("certificate__registration")
    )
    for record in records:
        record.accept(now)
    NationalRecord.objects.bulk_update(records, ["result", "answered_at"])
    _finish_reports([report.pk], now)
    report.refresh_from_db()
    audit_record(actor=actor, action="national.acknowledge", obj=report, payload={"records": len(records)})
    _advance_plans(actor, {r.certificate.registration.plan_id for r in records})
    return report


@transaction.atomic
def answers_import(*, actor, data: bytes, file_name: str = "") -> dict:
    """Read the national system's answer file. All or nothing: any file or row error (unknown number, a
    record already answered, a duplicate, bad cells) raises ``Invalid`` with every row error and changes
    nothing. Returns ``{"accepted": n, "rejected": n, "reports": [...]}``."""
    _deny_unless_city(actor, "national.answers")
    parsed = parse(data, max_bytes=settings.NATIONAL_ANSWER_MAX_BYTES)
    errors = list(parsed.errors)
    open_records = {}
    numbers = sorted({answer.number for answer in parsed.answers})
    for start in range(0, len(numbers), 500):  # bounded IN lists, whatever the file's size
        for record in (
            NationalRecord.objects.select_for_update(of=("self",))
            .filter(
                number__in=numbers[start : start + 500],
                result=ReportState.REPORTED,
                report=F("certificate__report"),
            )
            .select_related("certificate__body", "certificate__registration")
        ):
            open_records[(record.number, record.version)] = record
    for answer in parsed.answers:
        if (answer.number, answer.version) not in open_records:
            errors.append(
                {
                    "row": answer.row,
                    "column": "证书编号",
                    "reason": _("没有待反馈的上报记录（证书编号或版本不符，或已反馈）。"),
                }
            )
    if errors:
        errors.sort(key=lambda e: e["row"])
        messages = [
            _("第 %(row)d 行 %(column)s：%(reason)s") % e if e["row"] else e["reason"] for e in errors[:200]
        ]
        raise Invalid(
            _("反馈文件有 %(n)d 处错误，未导入任何记录。") % {"n": len(errors)},
            errors={"file": messages},
            rows=errors[:1000],
        )
    now = timezone.now()
    accepted, rejected = [], []
    for answer in parsed.answers:
        record = open_records[(answer.number, answer.version)]
        if answer.accepted:
            record.accept(now)
            accepted.append(record)
        else:
            record.reject(answer.reason, now)
            rejected.append(record)
    NationalRecord.objects.bulk_update(accepted + rejected, ["result", "reason", "answered_at"])
    report_ids = {r.report_id for r in accepted + rejected}
    _finish_reports(report_ids, now)
    audit_record(
        actor=actor,
        action="national.answers",
        payload={
            "file": file_name[:200],
            "sha256": hashlib.sha256(data).hexdigest(),
            "accepted": len(accepted),
            "rejected": len(rejected),
            "reports": sorted(report_ids),
        },
    )
    _advance_plans(actor, {r.certificate.registration.plan_id for r in accepted})
    by_body = defaultdict(list)
    for record in rejected:
        by_body[record.certificate.body].append(record)
    for body, records in by_body.items():
        signals.national_records_rejected.send(sender=NationalRecord, body=body, records=records, actor=actor)
    return {"accepted": len(accepted), "rejected": len(rejected), "reports": sorted(report_ids)}


def open_rejections(bodies=None):
    """Rejected records still waiting for the body: the certificate still carries the rejecting report
    (not queued again) and was not corrected or reissued since (not superseded)."""
    qs = NationalRecord.objects.filter(result=ReportState.REJECTED, report=F("certificate__report")).exclude(
        certificate__status=CertificateStatus.SUPERSEDED
    )
    if bodies is not None:
        qs = qs.filter(certificate__body__in=bodies)
    return qs.select_related("certificate", "report").order_by("answered_at", "pk")


@transaction.atomic
def record_resubmit(*, actor, record: NationalRecord, note: str = "") -> NationalRecord:
    """The body's operator answers a rejected record: the certificate (as corrected, if it needed no new
    version) goes into the next national report. ``note`` (what was checked or corrected) is audited."""
    record = NationalRecord.objects.select_for_update().select_related("certificate__body").get(pk=record.pk)
    certificate = Certificate.objects.select_for_update().get(pk=record.certificate_id)
    if not open_rejections().filter(pk=record.pk).exists():
        raise WrongState(_("该退回记录已处理。"))
    deny_unless(
        access.operates_body(actor, record.certificate.body),
        actor=actor,
        action="national.resubmit",
        obj=certificate,
        message=_("只有发证机构的考务人员可以处理退回记录。"),
    )
    certificate.report = None
    certificate.save(update_fields=["report"])
    audit_record(
        actor=actor,
        action="national.resubmit",
        obj=certificate,
        payload={"number": record.number, "version": record.version, "record": record.pk, "note": note},
    )
    return record


@transaction.atomic
def rejections_resubmit(*, actor, records, note: str) -> list[NationalRecord]:
    """已更正，重新上报: the body's operator closes a group of sent-back records (one answer file's, in the
    body's task). Each record still open goes into the next report as it now is; a record already answered
    (its certificate corrected into a new version, which is queued by itself, or queued again from the
    rejections page) is left alone. Returns the records queued now."""
    note = (note or "").strip()
    if not note or len(note) > 2000:
        message = _("请填写处理说明（不超过2000字）。")
        raise Invalid(message, errors={"note": [message]})
    records = list(records)
    for record in records:
        deny_unless(
            access.operates_body(actor, record.certificate.body),
            actor=actor,
            action="national.resubmit",
            obj=record.certificate,
            message=_("只有发证机构的考务人员可以处理退回记录。"),
        )
    still_open = set(open_rejections().filter(pk__in=[r.pk for r in records]).values_list("pk", flat=True))
    return [
        record_resubmit(actor=actor, record=record, note=note)
        for record in records
        if record.pk in still_open
    ]
