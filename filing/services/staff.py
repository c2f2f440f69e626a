"""The enterprise's staff register (职工名册, 企业自主评价): imported from a file with the roster's reader and
its all-or-nothing per-row report (a new 工号 adds a person, a known one is updated), and corrected one
person at a time on the pages or the API. Only an enterprise's own operators and legal representative
write; ID numbers are encrypted and indexed as a candidate's (:mod:`filing.pii`)."""

from __future__ import annotations

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, pii
from filing.audit import audit_record
from filing.errors import Invalid
from filing.models import Organisation, OrganisationKind, StaffImport, StaffMember
from filing.roles import Role
from filing.roster import (
    FILE_COLUMN,
    STAFF,
    STAFF_COLUMNS,
    Layout,
    RawRow,
    RosterFileError,
    RowError,
    clean_text,
    formula_cells,
    read_table,
)
from filing.services.common import deny_unless, require_version
from filing.services.roster import OccupationLookup, once_per_file, read_identity
from filing.services.roster_cells import NO, YES, parse_date, parse_years
from filing.validators import scrub_identifiers

STAFF_ROLES = (Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)
#: Fields the pages and the API may correct on one person (the ID number is the person: not editable).
EDITABLE = (
    "name",
    "department",
    "post",
    "skilled_post",
    "occupation",
    "hired_on",
    "left_on",
    "years_in_occupation",
)


def manages_staff(actor, organisation: Organisation) -> bool:
    """The enterprise's own operators and legal representative keep its register."""
    return organisation.kind == OrganisationKind.ENTERPRISE and access.acts_for(
        actor, organisation.pk, *STAFF_ROLES
    )


def _require(actor, organisation: Organisation, action: str) -> None:
    deny_unless(
        manages_staff(actor, organisation),
        actor=actor,
        action=action,
        obj=organisation,
        message=_("只有本企业的考务人员或法定代表人可以维护职工名册。"),
    )


def _dates(hired, left, err, today: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
    """入职日期 is required and not in the future; 离职日期 is empty or after 入职日期 (and not in the
    future: a planned departure is entered when it happens)."""
    hired_on = parse_date(hired) if clean_text(hired) else None
    if hired_on is None:
        err("hired_on", _("入职日期格式应为 YYYY-MM-DD。"))
    elif hired_on > today:
        err("hired_on", _("入职日期%(day)s晚于今天。") % {"day": hired_on})
    left_on = None
    if clean_text(left):
        left_on = parse_date(left)
        if left_on is None:
            err("left_on", _("离职日期格式应为 YYYY-MM-DD，在职请留空。"))
        elif hired_on and left_on <= hired_on:
            err("left_on", _("离职日期%(day)s应晚于入职日期。") % {"day": left_on})
        elif left_on > today:
            err("left_on", _("离职日期%(day)s晚于今天：离职后再填写。") % {"day": left_on})
    return hired_on, left_on


def clean_fields(values: dict, err, occupations: OccupationLookup, today: datetime.date) -> dict:
    """The post fields of one person (file row, page form or API body), each problem through ``err``."""
    department = clean_text(values.get("department"))
    if len(department) > 60:
        err("department", _("部门名称过长（最多60个字符）。"))
    post = clean_text(values.get("post"))
    if not post:
        err("post", _("岗位不能为空。"))
    elif len(post) > 60:
        err("post", _("岗位名称过长（最多60个字符）。"))
    skilled = values.get("skilled_post")
    skilled_text = clean_text("是" if skilled is True else "否" if skilled is False else skilled).upper()
    if skilled_text not in YES | NO:
        err("skilled_post", _("是否技能岗位应填“是”或“否”。"))
    occupation_text = clean_text(values.get("occupation"))
    occupation = occupations.find(occupation_text) if occupation_text else None
    if occupation_text and occupation is None:
        err(
            "occupation",
            _("职业“%(text)s”不在职业目录中，请填写职业编码（如6-18-01-01）或目录中的名称。")
            % {"text": occupation_text[:40]},
        )
    elif skilled_text in YES and not occupation_text:
        err("occupation", _("技能岗位须填写岗位对应职业。"))
    years = None
    if clean_text(values.get("years_in_occupation")):
        years = parse_years(values.get("years_in_occupation"))
        if years is None:
            err("years_in_occupation", _("从事本职业年限应为0至60之间的数字（如3或3.5）。"))
    hired_on, left_on = _dates(values.get("hired_on"), values.get("left_on"), err, today)
    return {
        "department": department[:60],
        "post": post[:60],
        "skilled_post": skilled_text in YES,
        "occupation": occupation,
        "years_in_occupation": years,
        "hired_on": hired_on,
        "left_on": left_on,
    }


def validate_staff_rows(
    organisation: Organisation, rows: list[RawRow], today: datetime.date
) -> tuple[list[dict], list[RowError]]:
    """Every problem of every row and across rows (a 工号 or a person twice in the file; a 工号 already
    registered for another person; a person already registered under another 工号)."""
    errors: list[RowError] = []
    cleaned: list[dict] = []
    occupations = OccupationLookup()
    by_number: dict[str, int] = {}
    by_index: dict[str, int] = {}
    for raw in rows:
        row_errors: list[RowError] = []

        def err(key: str, reason: str, raw=raw, row_errors=row_errors) -> None:
            row_errors.append(RowError(raw.row, STAFF_COLUMNS[key], reason))

        values = raw.values
        formula_cells(values, err)
        if row_errors:
            errors.extend(row_errors)
            continue
        employee_number = clean_text(values.get("employee_number"))
        if not employee_number:
            err("employee_number", _("工号不能为空。"))
        elif len(employee_number) > 30:
            err("employee_number", _("工号过长（最多30个字符）。"))
        elif employee_number in by_number:
            err("employee_number", _("与第%(row)d行工号重复。") % {"row": by_number[employee_number]})
        else:
            by_number[employee_number] = raw.row
        name, doc_type, number = read_identity(values, err)
        index = once_per_file(by_index, doc_type, number, raw.row, err)
        fields = clean_fields(values, err, occupations, today)
        if row_errors:
            errors.extend(row_errors)
            continue
        cleaned.append(
            {
                "row": raw.row,
                "employee_number": employee_number,
                "name": name,
                "document_type": doc_type,
                "number": number,
                "index": index,
                **fields,
            }
        )
    if cleaned:
        errors.extend(_register_clashes(organisation, cleaned))
    return (cleaned if not errors else []), sorted(errors, key=lambda e: (e.row, e.column))


def _register_clashes(organisation: Organisation, cleaned: list[dict]) -> list[RowError]:
    known = {
        m.employee_number: m
        for m in StaffMember.objects.filter(
            organisation=organisation, employee_number__in=[r["employee_number"] for r in cleaned]
        )
    }
    numbers_of = dict(
        StaffMember.objects.filter(
            organisation=organisation, document_index__in=[r["index"] for r in cleaned]
        ).values_list("document_index", "employee_number")
    )
    errors = []
    for row in cleaned:
        member = known.get(row["employee_number"])
        if member is not None and member.document_index != row["index"]:
            errors.append(
                RowError(row["row"], STAFF_COLUMNS["employee_number"], _("该工号已登记为另一名职工。"))
            )
        elif numbers_of.get(row["index"], row["employee_number"]) != row["employee_number"]:
            errors.append(
                RowError(
                    row["row"],
                    STAFF_COLUMNS["document_number"],
                    _("该职工已以工号%(n)s登记。") % {"n": numbers_of[row["index"]]},
                )
            )
    return errors


@transaction.atomic
def staff_import(
    *, actor, organisation: Organisation, file_name: str, data: bytes, today=None
) -> StaffImport:
    """Import a staff file: any bad row rejects the whole file (the record keeps the per-row report and
    nothing else changes); otherwise new 工号 are added and known ones updated, in one transaction."""
    today = today or timezone.localdate()
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require(actor, organisation, "staff.import")
    digest = hashlib.sha256(data).hexdigest()
    file_name = scrub_identifiers(file_name.replace("\x00", ""))[-200:]
    rows: list[RawRow] = []
    layout = Layout()
    try:
        rows, errors, layout = read_table(file_name, data, STAFF)
        cleaned, row_errors = validate_staff_rows(organisation, rows, today) if not errors else ([], [])
        errors += row_errors
    except RosterFileError as exc:
        errors, cleaned = [RowError(0, FILE_COLUMN, str(exc))], []
    if not errors and not cleaned:
        errors = [RowError(0, FILE_COLUMN, _("文件中没有职工。"))]
    record = StaffImport(
        organisation=organisation,
        uploaded_by=actor,
        file_name=file_name[:200],
        sha256=digest,
        rows=len(rows),
        layout=layout.as_dict(),
    )
    if errors:
        record.outcome = StaffImport.Outcome.REJECTED
        record.report = [e.as_dict() for e in errors]
        record.save()
        audit_record(
            actor=actor,
            action="staff.import_reject",
            obj=organisation,
            payload={"errors": len(errors), "sha256": digest},
        )
        return record
    known = {
        m.employee_number: m
        for m in StaffMember.objects.filter(
            organisation=organisation, employee_number__in=[r["employee_number"] for r in cleaned]
        )
    }
    new, changed = [], []
    for r in cleaned:
        fields = {k: r[k] for k in EDITABLE}
        member = known.get(r["employee_number"])
        if member is None:
            new.append(
                StaffMember(
                    organisation=organisation,
                    employee_number=r["employee_number"],
                    document_type=r["document_type"],
                    document_encrypted=pii.encrypt(r["number"]),
                    document_index=r["index"],
                    document_masked=pii.mask(r["number"]),
                    **fields,
                )
            )
        else:
            for key, value in fields.items():
                setattr(member, key, value)
            member.version += 1
            member.updated_at = timezone.now()
            changed.append(member)
    StaffMember.objects.bulk_create(new, batch_size=1000)
    StaffMember.objects.bulk_update(changed, [*EDITABLE, "version", "updated_at"], batch_size=1000)
    record.outcome = StaffImport.Outcome.ACCEPTED
    record.rows, record.created, record.updated = len(cleaned), len(new), len(changed)
    record.save()
    audit_record(
        actor=actor,
        action="staff.import",
        obj=organisation,
        payload={"rows": len(cleaned), "created": len(new), "updated": len(changed), "sha256": digest},
    )
    return record


@transaction.atomic
def staff_update(*, actor, member: StaffMember, version=None, today=None, **changes) -> StaffMember:
    """Correct one person's register entry (姓名, 部门, 岗位, 技能岗位, 职业, dates, years): the same checks
    as a file row; a form loaded before someone else saved is stale (409)."""
    today = today or timezone.localdate()
    member = StaffMember.objects.select_for_update().select_related("organisation").get(pk=member.pk)
    _require(actor, member.organisation, "staff.update")
    require_version(member, version)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(_("不能修改这些字段。"), errors={k: [_("不能修改。")] for k in sorted(unknown)})
    current = {k: getattr(member, k) for k in EDITABLE}
    if current["occupation"] is not None:
        current["occupation"] = current["occupation"].code
    values = current | changes
    if hasattr(values.get("occupation"), "code"):
        values["occupation"] = values["occupation"].code
    errors: dict[str, list[str]] = {}

    def err(key: str, reason: str) -> None:
        errors.setdefault(key, []).append(reason)

    name = clean_text(values.get("name"))
    if not name:
        err("name", _("姓名不能为空。"))
    elif len(name) > 60:
        err("name", _("姓名过长。"))
    fields = clean_fields(values, err, OccupationLookup(), today)
    if errors:
        raise Invalid(_("职工信息有误。"), errors=errors)
    before = {k: str(v) for k, v in current.items()}
    member.name = name
    for key, value in fields.items():
        setattr(member, key, value)
    member.version += 1
    member.save()
    after = {k: str(getattr(member, k)) for k in EDITABLE} | {
        "occupation": str(member.occupation.code if member.occupation else None)
    }
    audit_record(
        actor=actor,
        action="staff.update",
        obj=member.organisation,
        payload={"staff": member.pk, "changed": sorted(k for k in EDITABLE if before[k] != after[k])},
    )
    return member
