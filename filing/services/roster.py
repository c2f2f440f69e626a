"""Roster import: validate every row and across rows; any bad row rejects the whole file with a per-row
report, and nothing is written except the import record. Valid files create candidates (ID numbers
encrypted, HMAC-indexed) and registrations, each with its eligibility decision, in one transaction."""

from __future__ import annotations

import hashlib
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from filing import access, contact, eligibility, methods, pii
from filing.audit import audit_record
from filing.errors import WrongState
from filing.models import (
    Candidate,
    Certificate,
    CertificateStatus,
    EvaluationPlan,
    Occupation,
    Organisation,
    OrganisationKind,
    PlanStatus,
    Registration,
    RegistrationStatus,
    RosterImport,
)
from filing.roster import (
    COLUMNS,
    ENTERPRISE,
    FILE_COLUMN,
    STUDENTS,
    WORKER_COLUMNS,
    Layout,
    RawRow,
    RosterFileError,
    RowError,
    clean_text,
    formula_cells,
    read_table,
)
from filing.services.challenges import contact_index
from filing.services.common import deny_unless
from filing.services.roster_cells import (
    NO,
    YES,
    MajorLookup,
    birth_date,
    document_types,
    parse_date,
    parse_education,
    parse_level,
    parse_years,
)
from filing.standing import Activity, ensure_standing
from filing.validators import (
    normalise_document_number,
    scrub_identifiers,
    validate_document,
    validate_uscc,
)

#: Every column a row error may name (the file's own Chinese headers).
LABELS = COLUMNS | WORKER_COLUMNS


def schema_for(plan: EvaluationPlan):
    """An enterprise body's roster also carries worker columns (企业自主评价)."""
    return ENTERPRISE if plan.body.organisation.kind == OrganisationKind.ENTERPRISE else STUDENTS


class OccupationLookup:
    """Occupations of the catalogue by code (6-18-01-01) or exact name, read once per roster."""

    def __init__(self):
        self._by_key: dict[str, Occupation | None] | None = None

    def find(self, text: str) -> Occupation | None:
        if self._by_key is None:
            self._by_key = {}
            for occupation in Occupation.objects.all():
                self._by_key[occupation.code] = occupation
                self._by_key.setdefault(occupation.name, occupation)
        return self._by_key.get(text)


def _worker_fields(values: dict, err, occupations: OccupationLookup) -> dict:
    """The worker columns of one row (an enterprise's own employee), each checked like the student ones."""
    employee_number = clean_text(values.get("employee_number"))
    if len(employee_number) > 30:
        err("employee_number", _("工号过长（最多30个字符）。"))
    post_text = clean_text(values.get("skilled_post")).upper()
    if post_text not in YES | NO:
        err("skilled_post", _("是否技能岗位应填“是”或“否”。"))
    years = parse_years(values.get("years_in_occupation"))
    if years is None:
        err("years_in_occupation", _("从事本职业年限应为0至60之间的数字（如3或3.5）。"))
    education = parse_education(values.get("education"))
    if education is None:
        err(
            "education",
            _("学历“%(text)s”无法识别，可填：技工院校、中职、技师学院、高职、本科，或留空。")
            % {"text": clean_text(values.get("education"))[:40]},
        )
    number = normalise_document_number(values.get("certificate_number"))[:41]
    level_text = clean_text(values.get("certificate_level"))
    occupation_text = clean_text(values.get("certificate_occupation"))
    level, occupation = None, None
    if number:
        if len(number) > 40:
            err("certificate_number", _("证书编号过长。"))
        level = parse_level(level_text)
        if level is None:
            err("certificate_level", _("现持证书等级应为五级至一级（如“四级/中级工”）。"))
        if not occupation_text:
            err("certificate_occupation", _("请填写现持证书的职业（编码或名称）。"))
        elif len(occupation_text) > 60:
            err("certificate_occupation", _("职业名称过长。"))
        occupation = occupations.find(occupation_text)
    elif level_text or occupation_text:
        err("certificate_number", _("填写了现持证书等级或职业，请同时填写证书编号。"))
    return {
        "employee_number": employee_number,
        "skilled_post": post_text in YES,
        "years": years,
        "education": education or "",
        "certificate_number": number,
        "certificate_level": level,
        "certificate_occupation": occupation_text[:60],
        "certificate_occupation_id": occupation.pk if occupation else None,
        "certificate": None,
    }


def _current_certificates(cleaned: list[dict]) -> list[RowError]:
    """A declared certificate whose number is in our register must be that person's valid certificate of
    the declared occupation and level; it is then linked. A number we never issued is kept as declared.
    The error never says whose certificate a number is."""
    workers = [r for r in cleaned if r["worker"] and r["worker"]["certificate_number"]]
    if not workers:
        return []
    ours = {
        c.number: c
        for c in Certificate.objects.filter(
            number__in=[r["worker"]["certificate_number"] for r in workers]
        ).exclude(status=CertificateStatus.SUPERSEDED)
    }
    errors = []
    for row in workers:
        worker = row["worker"]
        certificate = ours.get(worker["certificate_number"])
        if certificate is None:
            continue
        column = WORKER_COLUMNS["certificate_number"]
        declared = worker["certificate_occupation"]
        if certificate.document_index != row["index"]:
            errors.append(RowError(row["row"], column, _("该证书编号不属于本行人员。")))
        elif certificate.status != CertificateStatus.VALID:
            errors.append(RowError(row["row"], column, _("该证书已撤销，不能作为现持证书。")))
        elif certificate.level != worker["certificate_level"] or declared not in (
            certificate.occupation_code,
            certificate.occupation_name,
        ):
            errors.append(
                RowError(
                    row["row"],
                    column,
                    _("本系统登记的该证书为%(occupation)s %(level)s，与填写的职业或等级不一致。")
                    % {"occupation": certificate.occupation_name, "level": certificate.level_label},
                )
            )
        else:
            worker["certificate"] = certificate
    return errors


def _offering_key(plan: EvaluationPlan) -> tuple[int, int]:
    return plan.line.offering.occupation_id, plan.line.offering.level


def once_per_file(seen: dict[str, int], doc_type: str | None, number: str, row: int, err) -> str:
    """One row per person in a file: the person's keyed index (or "" without a valid number); a repeat is
    reported on the document number with the row it repeats."""
    if not (number and doc_type):
        return ""
    index = pii.index(doc_type, number)
    if index in seen:
        err("document_number", _("与第%(row)d行重复。") % {"row": seen[index]})
    else:
        seen[index] = row
    return index


def read_identity(values: dict, err) -> tuple[str, str | None, str]:
    """姓名, 证件类型 and 证件号码 of a row (roster or staff file), each problem reported through ``err``:
    the same checks wherever a person is imported."""
    name = clean_text(values.get("name"))
    if not name:
        err("name", _("姓名不能为空。"))
    elif len(name) > 60:
        err("name", _("姓名过长。"))
    doc_label = clean_text(values.get("document_type"))
    doc_type = document_types().get(doc_label.casefold())
    if doc_type is None:
        err(
            "document_type",
            _("证件类型“%(label)s”无效，应为：居民身份证、港澳台居民居住证、外国人永久居留身份证、护照。")
            % {"label": doc_label},
        )
    raw_number = values.get("document_number")
    number = ""
    if isinstance(raw_number, int | float) and not isinstance(raw_number, bool):
        err(
            "document_number",
            _("证件号码被表格软件存成了数字（会丢失末位或变成科学计数法），请将该列设为文本后重新填写。"),
        )
    elif doc_type is not None:
        try:
            number = validate_document(doc_type, raw_number)
        except ValidationError as exc:
            err("document_number", exc.messages[0])
    return name, doc_type, number


def validate_rows(plan: EvaluationPlan, rows: list[RawRow]) -> tuple[list[dict], list[RowError]]:
    """Every problem of every row (and across rows); the cleaned rows when there is none."""
    errors: list[RowError] = []
    cleaned: list[dict] = []
    body_org = plan.body.organisation
    majors = MajorLookup(body_org)
    schools: dict[str, Organisation | None] = {}
    lookups: dict[int, MajorLookup] = {}
    seen: dict[str, int] = {}
    enterprise = body_org.kind == OrganisationKind.ENTERPRISE
    occupations = OccupationLookup()
    for raw in rows:
        row_errors: list[RowError] = []

        def err(key: str, reason: str, raw=raw, row_errors=row_errors) -> None:
            row_errors.append(RowError(raw.row, LABELS[key], reason))

        values = raw.values
        formula_cells(values, err)
        if row_errors:
            errors.extend(row_errors)
            continue
        name, doc_type, number = read_identity(values, err)
        worker = None
        if enterprise and clean_text(values.get("employee_number")):
            worker = _worker_fields(values, err, occupations)
            school, major, graduation, full_time_text = body_org, None, None, ""
        else:
            major_code = clean_text(values.get("major"))
            major_name = clean_text(values.get("major_name"))
            school_uscc = normalise_document_number(values.get("school_uscc"))
            school = body_org
            if school_uscc and school_uscc != body_org.uscc:
                if school_uscc not in schools:
                    try:
                        validate_uscc(school_uscc)
                        schools[school_uscc] = Organisation.objects.filter(uscc=school_uscc).first()
                    except ValidationError:
                        schools[school_uscc] = None
                school = schools[school_uscc]
                if school is None:
                    err("school_uscc", _("就读院校统一社会信用代码无效或未登记。"))
            major = None
            if school is not None:
                lookup = majors if school == body_org else lookups.setdefault(school.pk, MajorLookup(school))
                major, problem = lookup.find(major_code, major_name)
                if problem:
                    err("major" if major_code or "major_name" not in values else "major_name", problem)
            graduation = parse_date(values.get("expected_graduation"))
            if graduation is None:
                err("expected_graduation", _("预计毕业时间格式应为 YYYY-MM-DD。"))
            full_time_text = clean_text(values.get("full_time")).upper()
            if full_time_text not in YES | NO:
                err("full_time", _("是否全日制应填“是”或“否”。"))
        contact_text = clean_text(values.get("contact"))
        contact_value = ""
        if contact_text:
            try:
                contact_value = contact.normalise(contact_text, sendable=False)
            except ValidationError as exc:
                err("contact", exc.messages[0])
        once_per_file(seen, doc_type, number, raw.row, err)
        if row_errors:
            errors.extend(row_errors)
            continue
        cleaned.append(
            {
                "row": raw.row,
                "name": name,
                "document_type": doc_type,
                "number": number,
                "index": pii.index(doc_type, number),
                "major": major,
                "school": school,
                "class_name": clean_text(values.get("class_name"))[:60],
                "expected_graduation": graduation,
                "full_time": full_time_text in YES if worker is None else None,
                "contact": contact_value,
                "worker": worker,
            }
        )
    if cleaned:
        errors.extend(_current_certificates(cleaned))
        errors.extend(_identity_mismatches(cleaned))
        errors.extend(duplicates_elsewhere(plan, cleaned))
    return (cleaned if not errors else []), sorted(errors, key=lambda e: (e.row, e.column))


def same_name(a: str, b: str) -> bool:
    """Names compared as people write them: full-width forms, spaces and the middle dot of transcribed
    names (·, •, ・, .) do not make two names different."""

    def normal(name: str) -> str:
        text = unicodedata.normalize("NFKC", name or "").casefold()
        return "".join(ch for ch in text if not ch.isspace() and ch not in "·•・.‧")

    return normal(a) == normal(b)


def _identity_mismatches(cleaned: list[dict]) -> list[RowError]:
    """One person, one identity (DOMAIN.md §5): a document number already known city-wide must come with
    the same name. The error says only that they do not match — never the stored name, never who stored
    it — so a row can neither learn a name nor attach itself to someone else's record."""
    known = dict(
        Candidate.objects.filter(document_index__in=[r["index"] for r in cleaned]).values_list(
            "document_index", "name"
        )
    )
    return [
        RowError(row["row"], COLUMNS["name"], _("姓名与证件号码不一致。"))
        for row in cleaned
        if row["index"] in known and not same_name(known[row["index"]], row["name"])
    ]


def duplicates_elsewhere(plan: EvaluationPlan, cleaned: list[dict]) -> list[RowError]:
    """The same person already registered for this occupation and level (this or an earlier plan)."""
    occupation_id, level = _offering_key(plan)
    by_index = {row["index"]: row for row in cleaned}
    clashes = (
        Registration.objects.filter(
            candidate__document_index__in=list(by_index),
            plan__line__offering__occupation_id=occupation_id,
            plan__line__offering__level=level,
        )
        # An ineligible registration elsewhere does not block; in this plan it does (one per plan and person).
        .exclude(Q(status=RegistrationStatus.INELIGIBLE) & ~Q(plan=plan))
        .exclude(plan__status=PlanStatus.CANCELLED)
        .select_related("candidate", "plan")
    )
    return [
        RowError(
            by_index[r.candidate.document_index]["row"],
            COLUMNS["document_number"],
            # Only the body's own plans are named: another body's plan is not this body's business.
            _("该考生已在本机构认定计划“%(plan)s”中报名同一职业等级。") % {"plan": r.plan.title}
            if r.plan.body_id == plan.body_id
            else _("该考生已报名同一职业等级的认定，不能重复报名。"),
        )
        for r in clashes
    ]


@transaction.atomic
def roster_import(*, actor, plan: EvaluationPlan, file_name: str, data: bytes) -> RosterImport:
    plan = (
        EvaluationPlan.objects.select_for_update()
        .select_related("body__organisation", "line__offering")
        .get(pk=plan.pk)
    )
    deny_unless(
        access.operates_body(actor, plan.body),
        actor=actor,
        action="roster.import",
        obj=plan,
        message=_("只有本机构考务人员可以导入名册。"),
    )
    if plan.status != PlanStatus.REGISTRATION_OPEN:
        raise WrongState(_("认定计划经确认并开放报名后才能导入名册。"))
    refusal = methods.intake_refusal(plan, "roster")
    if refusal:
        raise WrongState(refusal)
    ensure_standing(plan.body, plan.line, Activity.REGISTER)
    digest = hashlib.sha256(data).hexdigest()
    file_name = scrub_identifiers(file_name.replace("\x00", ""))[-200:]  # "张三310104….csv" is stored
    rows: list[RawRow] = []
    layout = Layout()
    try:
        rows, errors, layout = read_table(file_name, data, schema_for(plan))
        cleaned, row_errors = validate_rows(plan, rows) if not errors else ([], [])
        errors += row_errors
    except RosterFileError as exc:
        errors, cleaned = [RowError(0, FILE_COLUMN, str(exc))], []
    if not errors and not cleaned:
        errors = [RowError(0, FILE_COLUMN, _("名册中没有考生。"))]
    if errors:
        record = RosterImport.objects.create(
            plan=plan,
            uploaded_by=actor,
            file_name=file_name[:200],
            sha256=digest,
            outcome=RosterImport.Outcome.REJECTED,
            rows=len(rows),
            report=[e.as_dict() for e in errors],
            layout=layout.as_dict(),
        )
        audit_record(
            actor=actor, action="roster.reject", obj=plan, payload={"errors": len(errors), "sha256": digest}
        )
        return record
    rule = eligibility.rule_for(plan)
    existing = {
        c.document_index: c
        for c in Candidate.objects.filter(document_index__in=[r["index"] for r in cleaned])
    }
    new = [
        Candidate(
            name=r["name"],
            document_type=r["document_type"],
            document_encrypted=pii.encrypt(r["number"]),
            document_index=r["index"],
            document_masked=pii.mask(r["number"]),
            birth_date=birth_date(r["document_type"], r["number"]),
        )
        for r in cleaned
        if r["index"] not in existing
    ]
    Candidate.objects.bulk_create(new, batch_size=1000)
    candidates = {
        c.document_index: c
        for c in Candidate.objects.filter(document_index__in=[r["index"] for r in cleaned])
    }
    registrations = []
    memo: dict = {}
    for r in cleaned:
        candidate = candidates[r["index"]]
        worker = r["worker"]
        if worker is None:
            facts = eligibility.Facts(
                r["school"], r["major"], r["expected_graduation"], r["full_time"], candidate.birth_date
            )
            checks = eligibility.evaluate(plan, facts, rule, memo=memo)
        else:
            checks = eligibility.evaluate_worker(
                plan, eligibility.worker_facts(worker, r["index"], candidate.birth_date), rule, memo=memo
            )
        ok, reason = eligibility.summarise(checks)
        registrations.append(
            Registration(
                plan=plan,
                **(_worker_registration(worker) if worker else {}),
                candidate=candidate,
                school=r["school"],
                major=r["major"],
                class_name=r["class_name"],
                expected_graduation=r["expected_graduation"],
                full_time=r["full_time"],
                row_number=r["row"],
                contact_encrypted=pii.encrypt_text(r["contact"]) if r["contact"] else "",
                contact_index=contact_index(r["contact"]) if r["contact"] else "",
                status=RegistrationStatus.ELIGIBLE if ok else RegistrationStatus.INELIGIBLE,
                eligibility=checks,
                ineligible_reason=reason,
            )
        )
    # Bulk insert sets the initial decided status directly: each row's checks are stored with it.
    Registration.objects.bulk_create(registrations, batch_size=1000)
    record = RosterImport.objects.create(
        plan=plan,
        uploaded_by=actor,
        file_name=file_name[:200],
        sha256=digest,
        outcome=RosterImport.Outcome.ACCEPTED,
        rows=len(cleaned),
        report=[],
        layout=layout.as_dict(),
    )
    eligible = sum(1 for r in registrations if r.status == RegistrationStatus.ELIGIBLE)
    audit_record(
        actor=actor,
        action="roster.import",
        obj=plan,
        payload={
            "rows": len(cleaned),
            "eligible": eligible,
            "sha256": digest,
            "header_row": layout.header_row,
            "skipped": len(layout.skipped),
        },
    )
    return record


def _worker_registration(worker: dict) -> dict:
    return {
        "employee_number": worker["employee_number"],
        "skilled_post": worker["skilled_post"],
        "years_in_occupation": worker["years"],
        "education": worker["education"],
        "current_certificate_number": worker["certificate_number"],
        "current_certificate_level": worker["certificate_level"],
        "current_certificate_occupation": worker["certificate_occupation"],
        "current_certificate": worker["certificate"],
    }


def report_rows(record: RosterImport) -> list[list[str]]:
    header = [_("行号"), _("列"), _("原因")]
    return [header] + [[str(e["row"] or "—"), e["column"], e["reason"]] for e in record.report]


def reveal_document_number(*, actor, registration: Registration) -> str:
    """The clear number, for a permitted role only, with an audit entry (personal-data access log)."""
    allowed = actor.has_perm("filing.view_full_id_number") or access.operates_body(
        actor, registration.plan.body
    )
    deny_unless(
        allowed, actor=actor, action="pii.reveal", obj=registration, message=_("无权查看完整证件号码。")
    )
    if not registration.candidate.document_encrypted:
        raise WrongState(_("该考生的证件号码已按名册保存期限清除。"))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="pii.reveal",
            obj=registration.candidate,
            payload={"registration": registration.pk, "masked": registration.candidate.document_masked},
        )
    return pii.decrypt(registration.candidate.document_encrypted)
