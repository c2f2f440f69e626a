"""Annual task lists (年度任务清单): the college drafts targets per indicator, submits; its district's
reviewer confirms (or returns with a reason), then the city's reviewer (or returns); during the year the
college reports the indicators that are not computed, with evidence, and a reviewer confirms each report;
from 1 December the college files its year-end self-assessment.

Who: the college's 经办人 or 法定代表人 draft, submit, report and assess; a 区人社局审核人员 of the college's
district confirms at district level and confirms reports; a 市级审核人员 who does not belong to the college
confirms at city level and may confirm reports. Oversight roles only read (``selectors``)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, indicators, signals
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import AnnualTaskList, Organisation, TaskEvidence, TaskListStatus, TaskTarget
from filing.roles import Role
from filing.services.attachments import check_file
from filing.services.common import deny_unless, require_transition, require_version, save_transition

T = TaskListStatus
COLLEGE_ROLES = (Role.APPLICANT, Role.LEGAL_REPRESENTATIVE)
MAX_TARGET = Decimal("9999999999")
MAX_TARGETS = 40
#: The self-assessment opens on this day of the list's year (month, day).
ASSESSMENT_OPENS = (12, 1)
MAX_TEXT = 4000


def college_of(user) -> Organisation | None:
    """The new-type college the user acts for as 经办人 or 法定代表人 (task lists, training records)."""
    own = access.organisation_ids(user, *COLLEGE_ROLES)
    return Organisation.objects.filter(pk__in=own, is_new_type_college=True).first() if own else None


def may_view_task_lists(user) -> bool:
    """Who has a task lists page: the dashboard's readers, district reviewers and the colleges' people."""
    if access.reads_dashboard(user) or access.reviewer_district_ids(user):
        return True
    return college_of(user) is not None


def drafts_for(actor, organisation: Organisation) -> bool:
    return organisation.is_new_type_college and access.acts_for(actor, organisation, *COLLEGE_ROLES)


def confirms_in_district(actor, task_list: AnnualTaskList) -> bool:
    return task_list.organisation.district_id in access.reviewer_district_ids(
        actor
    ) and not access.belongs_to(actor, task_list.organisation_id)


def confirms_for_city(actor, task_list: AnnualTaskList) -> bool:
    return access.acts_as_authority(actor, task_list.organisation_id)


def _text(value, field: str, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Invalid(_("请填写。"), errors={field: [_("请填写。")]})
    if len(text) > MAX_TEXT:
        raise Invalid(_("内容过长。"), errors={field: [_("不超过%(n)d字。") % {"n": MAX_TEXT}]})
    return text


def _number(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite() or number < 0 or number > MAX_TARGET:
        message = _("请填写不小于0的数值。")
        raise Invalid(message, errors={field: [message]})
    return indicators.quantize(number)


def _targets(rows) -> list[dict]:
    """Validated targets: known indicator codes, once each, non-negative numbers."""
    if not isinstance(rows, list | tuple) or not rows:
        raise Invalid(_("请至少填写一项指标。"), errors={"targets": [_("请至少填写一项指标。")]})
    if len(rows) > MAX_TARGETS:
        raise Invalid(_("指标过多。"), errors={"targets": [_("指标过多。")]})
    seen, out = set(), []
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise Invalid(_("指标格式不正确。"), errors={"targets": [_("指标格式不正确。")]})
        code = str(row.get("indicator") or "")
        if indicators.get(code) is None:
            message = _("第%(n)d项：未知的指标。") % {"n": n}
            raise Invalid(message, errors={"targets": [message]})
        if code in seen:
            message = _("第%(n)d项：指标重复。") % {"n": n}
            raise Invalid(message, errors={"targets": [message]})
        seen.add(code)
        note = str(row.get("note") or "").strip()[:200]
        out.append({"indicator": code, "target": _number(row.get("target"), "targets"), "note": note})
    return out


def _year(value, today: datetime.date) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = 0
    if not today.year - 1 <= year <= today.year + 1:
        message = _("年度应为%(a)d至%(b)d年。") % {"a": today.year - 1, "b": today.year + 1}
        raise Invalid(message, errors={"year": [message]})
    return year


def _announce(task_list: AnnualTaskList, action: str, actor) -> None:
    signals.task_list_changed.send(sender=AnnualTaskList, task_list=task_list, action=action, actor=actor)


def _save(task_list: AnnualTaskList, actor, action: str, **payload) -> AnnualTaskList:
    task_list.version += 1
    save_transition(task_list)
    audit_record(actor=actor, action=f"task_list.{action}", obj=task_list, payload=payload)
    _announce(task_list, action, actor)
    return task_list


@transaction.atomic
def task_list_create(*, actor, organisation: Organisation, year, targets, today=None) -> AnnualTaskList:
    """Draft the college's list for a year (the year before, this or the next)."""
    today = today or timezone.localdate()
    deny_unless(
        drafts_for(actor, organisation),
        actor=actor,
        action="task_list.create",
        obj=organisation,
        message=_("只有新型技师学院本单位的经办人或法定代表人可以编制年度任务清单。"),
    )
    year = _year(year, today)
    rows = _targets(targets)
    if AnnualTaskList.objects.filter(organisation=organisation, year=year).exists():
        message = _("%(year)d年度的任务清单已存在。") % {"year": year}
        raise Invalid(message, errors={"year": [message]})
    task_list = AnnualTaskList.objects.create(organisation=organisation, year=year, created_by=actor)
    TaskTarget.objects.bulk_create([TaskTarget(task_list=task_list, **row) for row in rows])
    audit_record(actor=actor, action="task_list.create", obj=task_list, payload={"year": year})
    return task_list


def _lock(task_list: AnnualTaskList | int) -> AnnualTaskList:
    pk = task_list if isinstance(task_list, int) else task_list.pk
    return AnnualTaskList.objects.select_for_update().select_related("organisation").get(pk=pk)


@transaction.atomic
def task_list_update(*, actor, task_list: AnnualTaskList, targets, version=None) -> AnnualTaskList:
    """Replace the targets while the list is a draft or returned."""
    task_list = _lock(task_list)
    if task_list.status not in (T.DRAFT, T.RETURNED):
        raise WrongState(_("任务清单已提交，不能修改指标。"), status=task_list.status)
    deny_unless(
        drafts_for(actor, task_list.organisation),
        actor=actor,
        action="task_list.update",
        obj=task_list,
        message=_("只有本单位的经办人或法定代表人可以修改任务清单。"),
    )
    require_version(task_list, version)
    rows = _targets(targets)
    task_list.targets.all().delete()
    TaskTarget.objects.bulk_create([TaskTarget(task_list=task_list, **row) for row in rows])
    task_list.version += 1
    task_list.save(update_fields=["version"])
    audit_record(actor=actor, action="task_list.update", obj=task_list, payload={"targets": len(rows)})
    return task_list


@transaction.atomic
def task_list_submit(*, actor, task_list: AnnualTaskList, version=None) -> AnnualTaskList:
    task_list = _lock(task_list)
    require_transition(task_list, task_list.submit, _("只有草稿或已退回的任务清单可以提交。"))
    deny_unless(
        drafts_for(actor, task_list.organisation),
        actor=actor,
        action="task_list.submit",
        obj=task_list,
        message=_("只有本单位的经办人或法定代表人可以提交任务清单。"),
    )
    require_version(task_list, version)
    task_list.submit(timezone.now())
    return _save(task_list, actor, "submit")


@transaction.atomic
def task_list_confirm(*, actor, task_list: AnnualTaskList, version=None) -> AnnualTaskList:
    """District confirmation of a submitted list, city confirmation of a district-confirmed one."""
    task_list = _lock(task_list)
    if task_list.status == T.SUBMITTED:
        deny_unless(
            confirms_in_district(actor, task_list),
            actor=actor,
            action="task_list.confirm",
            obj=task_list,
            message=_("只有院校所在区的人社局审核人员可以进行区级确认。"),
        )
        require_version(task_list, version)
        task_list.confirm_district(actor, timezone.now())
        return _save(task_list, actor, "confirm_district")
    if task_list.status == T.DISTRICT_CONFIRMED:
        deny_unless(
            confirms_for_city(actor, task_list),
            actor=actor,
            action="task_list.confirm",
            obj=task_list,
            message=_("只有市级审核人员可以进行市级确认。"),
        )
        require_version(task_list, version)
        task_list.confirm_city(actor, timezone.now())
        return _save(task_list, actor, "confirm_city")
    raise WrongState(_("该任务清单当前不待确认。"), status=task_list.status)


@transaction.atomic
def task_list_return(*, actor, task_list: AnnualTaskList, reason, version=None) -> AnnualTaskList:
    """Return a list waiting for the actor's confirmation to the college, with a reason."""
    task_list = _lock(task_list)
    require_transition(task_list, task_list.send_back, _("该任务清单当前不待确认，不能退回。"))
    may = (
        confirms_in_district(actor, task_list)
        if task_list.status == T.SUBMITTED
        else confirms_for_city(actor, task_list)
    )
    deny_unless(
        may,
        actor=actor,
        action="task_list.return",
        obj=task_list,
        message=_("只有待确认环节的审核人员可以退回任务清单。"),
    )
    reason = _text(reason, "reason", required=True)
    require_version(task_list, version)
    task_list.send_back(reason)
    return _save(task_list, actor, "return", reason=reason)


@transaction.atomic
def task_list_assess(*, actor, task_list: AnnualTaskList, text, version=None, today=None) -> AnnualTaskList:
    """The year-end self-assessment, from 1 December of the list's year."""
    today = today or timezone.localdate()
    task_list = _lock(task_list)
    require_transition(task_list, task_list.assess, _("只有已确认的任务清单可以提交年终自评。"))
    deny_unless(
        drafts_for(actor, task_list.organisation),
        actor=actor,
        action="task_list.assess",
        obj=task_list,
        message=_("只有本单位的经办人或法定代表人可以提交年终自评。"),
    )
    opens = datetime.date(task_list.year, *ASSESSMENT_OPENS)
    if today < opens:
        message = _("年终自评自%(day)s起提交。") % {"day": opens.isoformat()}
        raise WrongState(message)
    text = _text(text, "text", required=True)
    require_version(task_list, version)
    task_list.assess(text, timezone.now())
    return _save(task_list, actor, "assess")


def _lock_target(task_list: AnnualTaskList, target_pk) -> tuple[AnnualTaskList, TaskTarget]:
    task_list = _lock(task_list)
    try:
        target = task_list.targets.select_for_update().get(pk=int(str(target_pk)))
    except (TaskTarget.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Invalid(_("指标不存在。"), errors={"target": [_("指标不存在。")]}) from None
    return task_list, target


@transaction.atomic
def target_report(*, actor, task_list: AnnualTaskList, target_pk, value, evidence) -> TaskTarget:
    """Report a value for an indicator that is not computed, with a file as evidence (PDF, JPEG, PNG).
    A new report waits for a reviewer's confirmation again."""
    task_list, target = _lock_target(task_list, target_pk)
    if task_list.status != T.CONFIRMED:
        raise WrongState(_("任务清单确认后、年终自评前可以报告指标完成情况。"), status=task_list.status)
    deny_unless(
        drafts_for(actor, task_list.organisation),
        actor=actor,
        action="task_target.report",
        obj=task_list,
        message=_("只有本单位的经办人或法定代表人可以报告指标。"),
    )
    indicator = indicators.get(target.indicator)
    if indicator is None or not indicator.reported:
        raise Invalid(
            _("该指标由系统数据计算，无需报告。"), errors={"value": [_("该指标由系统数据计算，无需报告。")]}
        )
    number = _number(value, "value")
    if evidence is None:
        raise Invalid(_("请上传佐证材料。"), errors={"evidence": [_("请上传佐证材料。")]})
    content_type, sha256 = check_file(evidence)
    original = (evidence.name or "file").replace("/", "_").replace("\\", "_").replace("\x00", "")[-200:]
    record = TaskEvidence(
        target=target,
        original_name=original,
        content_type=content_type,
        size=evidence.size,
        sha256=sha256,
        uploaded_by=actor,
    )
    record.file.save("upload", evidence, save=False)
    record.save()
    target.reported_value, target.reported_by, target.reported_at = number, actor, timezone.now()
    target.confirmed_by = target.confirmed_at = None
    target.save()
    audit_record(
        actor=actor,
        action="task_target.report",
        obj=task_list,
        payload={"indicator": target.indicator, "value": str(number), "sha256": sha256},
    )
    _announce(task_list, "report", actor)
    return target


@transaction.atomic
def target_confirm(*, actor, task_list: AnnualTaskList, target_pk) -> TaskTarget:
    """A reviewer of the college's district or the city confirms a reported value (and is named for it)."""
    task_list, target = _lock_target(task_list, target_pk)
    deny_unless(
        confirms_in_district(actor, task_list) or confirms_for_city(actor, task_list),
        actor=actor,
        action="task_target.confirm",
        obj=task_list,
        message=_("只有院校所在区或市级审核人员可以核实报告值。"),
    )
    if target.reported_value is None or target.confirmed_by_id:
        raise WrongState(_("该指标没有待核实的报告值。"))
    target.confirmed_by, target.confirmed_at = actor, timezone.now()
    target.save(update_fields=["confirmed_by", "confirmed_at"])
    audit_record(
        actor=actor,
        action="task_target.confirm",
        obj=task_list,
        payload={"indicator": target.indicator, "value": str(target.reported_value)},
    )
    return target


def progress(task_list: AnnualTaskList, today: datetime.date | None = None) -> list[dict]:
    """Each target with its actual value (computed from the register, or the reported value), the share
    done and whether it is behind the year's pace (``indicators.behind``)."""
    today = today or timezone.localdate()
    targets = list(task_list.targets.all())
    orgs = Organisation.objects.filter(pk=task_list.organisation_id)
    computed = indicators.computed([t.indicator for t in targets], orgs, task_list.year)
    rows = []
    for target in targets:
        indicator = indicators.get(target.indicator)
        if indicator is not None and not indicator.reported:
            actual = computed[target.indicator].get(task_list.organisation_id, Decimal(0))
        else:
            actual = target.reported_value
        rows.append(
            {
                "target": target,
                "indicator": indicator,
                "actual": actual,
                "done": indicators.share(actual or 0, target.target) if target.target else None,
                "late": indicators.behind(
                    actual,
                    target.target,
                    task_list.year,
                    today,
                    cumulative=indicator.cumulative if indicator else True,
                ),
                "evidence": list(target.evidence.all()),
            }
        )
    return rows
