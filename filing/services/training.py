"""Training classes and apprenticeship agreements (the notice's 一(一)2 and 一(二)1) as records of a new-type
college, imported from Excel or CSV with the roster's reader (``filing.roster.read_table``) and the same
rule: any bad row rejects the whole file with a per-row report (row, column, reason in Chinese); nothing is
written. They feed the training and apprentice indicators (``filing.indicators``)."""

from __future__ import annotations

import datetime
import math

from django.db import transaction
from django.utils.translation import gettext as _

from filing import access
from filing.audit import audit_record
from filing.errors import Invalid
from filing.models import ApprenticeshipAgreement, Occupation, Organisation, TrainingClass, TrainingKind
from filing.roles import Role
from filing.roster import (
    MAX_UPLOAD_BYTES,
    RosterFileError,
    RowError,
    clean_text,
    is_formula,
    read_table,
    spec_for,
)
from filing.services.common import deny_unless

CLASSES, APPRENTICESHIPS = "classes", "apprenticeships"
__all__ = ["MAX_UPLOAD_BYTES", "training_import", "imports_for", "SPECS"]
MAX_COUNT = 100_000
CLASS_COLUMNS = {
    "title": "班级名称",
    "kind": "培训类型",
    "occupation": "职业编码",
    "starts_on": "开班日期",
    "ends_on": "结业日期",
    "trainees": "培训人数",
    "hours": "课时",
    "completed": "结业人数",
}
APPRENTICE_COLUMNS = {
    "agreement_no": "协议编号",
    "enterprise_name": "合作企业",
    "occupation": "职业编码",
    "apprentices": "学徒人数",
    "signed_on": "签订日期",
    "ends_on": "培养期满",
}
SPECS = {
    CLASSES: spec_for(
        CLASS_COLUMNS,
        ("title", "kind", "starts_on", "ends_on", "trainees", "hours", "completed"),
        {"培训班名称": "title", "类型": "kind", "人数": "trainees", "学时": "hours", "结业": "completed"},
    ),
    APPRENTICESHIPS: spec_for(
        APPRENTICE_COLUMNS,
        ("agreement_no", "enterprise_name", "apprentices", "signed_on", "ends_on"),
        {"企业名称": "enterprise_name", "人数": "apprentices"},
    ),
}
KIND_BY_LABEL = {str(label): value for value, label in TrainingKind.choices} | {
    value: value for value in TrainingKind.values
}


def imports_for(actor, organisation: Organisation) -> bool:
    return organisation.is_new_type_college and access.acts_for(
        actor, organisation, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE
    )


class _Row:
    def __init__(self, raw, columns, errors):
        self.raw, self.columns, self.errors = raw, columns, errors

    def _error(self, key, reason):
        self.errors.append(RowError(self.raw.row, self.columns[key], reason))

    def text(self, key, *, required=True, limit=120) -> str:
        value = self.raw.values.get(key)
        if is_formula(value):
            self._error(key, _("不接受公式，请填写数值或文字。"))
            return ""
        text = clean_text(value)
        if required and not text:
            self._error(key, _("必填。"))
        elif len(text) > limit:
            self._error(key, _("不超过%(n)d字。") % {"n": limit})
        return text[:limit]

    def count(self, key) -> int:
        text = self.text(key)
        if not text:
            return 0
        try:
            number = float(text)
        except ValueError:
            number = -1.0
        if not math.isfinite(number) or number != int(number) or not 0 <= number <= MAX_COUNT:
            self._error(key, _("应为0至%(n)d的整数。") % {"n": MAX_COUNT})
            return 0
        return int(number)

    def day(self, key) -> datetime.date | None:
        text = self.text(key)
        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text.replace("/", "-").replace(".", "-")[:10])
        except ValueError:
            self._error(key, _("日期格式应为 年-月-日。"))
            return None


def _occupations(rows) -> dict[str, Occupation]:
    codes = {clean_text(r.values.get("occupation")) for r in rows} - {""}
    return {o.code: o for o in Occupation.objects.filter(code__in=codes)}


def _class_rows(rows, errors) -> list[dict]:
    occupations, out = _occupations(rows), []
    for raw in rows:
        row = _Row(raw, CLASS_COLUMNS, errors)
        title, kind_text = row.text("title"), row.text("kind", limit=20)
        kind = KIND_BY_LABEL.get(kind_text)
        if kind_text and kind is None:
            row._error(
                "kind", _("应为：%(kinds)s。") % {"kinds": "、".join(str(k) for k in TrainingKind.labels)}
            )
        code = row.text("occupation", required=False, limit=11)
        if code and code not in occupations:
            row._error("occupation", _("职业编码不在职业目录中。"))
        starts, ends = row.day("starts_on"), row.day("ends_on")
        if starts and ends and ends < starts:
            row._error("ends_on", _("结业日期不能早于开班日期。"))
        trainees, hours, completed = row.count("trainees"), row.count("hours"), row.count("completed")
        if completed > trainees:
            row._error("completed", _("结业人数不能多于培训人数。"))
        out.append(
            {
                "title": title,
                "kind": kind,
                "occupation": occupations.get(code),
                "starts_on": starts,
                "ends_on": ends,
                "trainees": trainees,
                "hours": hours,
                "completed": completed,
                "row_number": raw.row,
            }
        )
    return out


def _apprentice_rows(rows, errors, organisation) -> list[dict]:
    occupations, out, seen = _occupations(rows), [], {}
    for raw in rows:
        row = _Row(raw, APPRENTICE_COLUMNS, errors)
        number = row.text("agreement_no", limit=40)
        if number in seen:
            row._error("agreement_no", _("与第%(row)d行的协议编号重复。") % {"row": seen[number]})
        seen.setdefault(number, raw.row)
        code = row.text("occupation", required=False, limit=11)
        if code and code not in occupations:
            row._error("occupation", _("职业编码不在职业目录中。"))
        signed, ends = row.day("signed_on"), row.day("ends_on")
        if signed and ends and ends <= signed:
            row._error("ends_on", _("培养期满应晚于签订日期。"))
        out.append(
            {
                "agreement_no": number,
                "enterprise_name": row.text("enterprise_name", limit=100),
                "occupation": occupations.get(code),
                "apprentices": row.count("apprentices"),
                "signed_on": signed,
                "ends_on": ends,
                "row_number": raw.row,
            }
        )
    earlier = dict(
        ApprenticeshipAgreement.objects.filter(organisation=organisation, agreement_no__in=seen).values_list(
            "agreement_no", "pk"
        )
    )
    for number in earlier:
        errors.append(RowError(seen[number], APPRENTICE_COLUMNS["agreement_no"], _("该协议编号已导入过。")))
    return out


@transaction.atomic
def training_import(*, actor, organisation: Organisation, what: str, file_name: str, data: bytes) -> int:
    """Import the file's rows as training classes or apprenticeship agreements, all or nothing. ``Invalid``
    carries ``details["report"]``: [{"row", "column", "reason"}]."""
    deny_unless(
        imports_for(actor, organisation),
        actor=actor,
        action="training.import",
        obj=organisation,
        message=_("只有新型技师学院本单位的经办人或法定代表人可以导入培训记录。"),
    )
    if what not in SPECS:
        raise Invalid(_("未知的记录类型。"), errors={"what": [_("未知的记录类型。")]})
    try:
        rows, errors, _layout = read_table(file_name or "", data, SPECS[what])
    except RosterFileError as exc:
        raise Invalid(str(exc), errors={"file": [str(exc)]}, report=[]) from None
    if not errors and not rows:
        errors = [RowError(1, "文件", _("文件中没有记录。"))]
    parsed = (
        []
        if errors
        else (_class_rows(rows, errors) if what == CLASSES else _apprentice_rows(rows, errors, organisation))
    )
    if errors:
        report = [e.as_dict() for e in sorted(errors, key=lambda e: e.row)]
        message = _("文件有%(n)d处错误，未导入任何记录。") % {"n": len(report)}
        raise Invalid(message, errors={"file": [message]}, report=report)
    model = TrainingClass if what == CLASSES else ApprenticeshipAgreement
    model.objects.bulk_create([model(organisation=organisation, created_by=actor, **row) for row in parsed])
    audit_record(
        actor=actor, action="training.import", obj=organisation, payload={"what": what, "rows": len(parsed)}
    )
    return len(parsed)
