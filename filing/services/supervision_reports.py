"""逢考必督: every sitting is supervised and its supervisor (督导员, acting for the city) files a report —
attendance, identity checks, irregularities, a photo of the room. The authority cannot confirm a plan's
results while one of its sittings has no report, or while a serious irregularity a report raised (a finding:
a rectification order of the body) has not been accepted (:func:`results_audit_problems`, asked by
``filing.services.results.plan_audit_results``)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, pii
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    EvaluationPlan,
    PlanStatus,
    RectificationOrder,
    RectificationStatus,
    Sitting,
    SupervisionReport,
)
from filing.roles import Role
from filing.services import rectification
from filing.services.common import deny_unless
from filing.services.photos import clean_photo
from filing.services.supervision import lock_body, text

P = PlanStatus
#: Until the results are confirmed a report may still be filed (a late report unblocks the audit).
OPEN_FOR_REPORTS = (P.IN_PROGRESS, P.SCORING, P.RESULTS_PUBLICITY, P.RESULTS_SUBMITTED)
SCENE = (1600, 1200)
FINDING_DAYS = 15


def may_file(actor) -> bool:
    return access.has_role(actor, Role.SUPERVISOR)


def _count(value, field: str) -> int:
    raw = str(value if value is not None else "").strip()
    if not raw.isdigit() or len(raw) > 6:
        message = _("请填写不小于0的整数。")
        raise Invalid(message, errors={field: [message]})
    return int(raw)


@transaction.atomic
def report_file(
    *,
    actor,
    sitting: Sitting,
    present,
    absent,
    identity_checked: bool,
    identity_issues: str = "",
    irregularities: str = "",
    blocking: bool = False,
    photo: bytes | None = None,
) -> SupervisionReport:
    """The supervisor's report, once per sitting, once the sitting has started. A serious irregularity
    (``blocking``) opens a finding: a rectification order of the body, due in 15 days."""
    plan = EvaluationPlan.objects.select_for_update().select_related("body").get(pk=sitting.plan_id)
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    if plan.status not in OPEN_FOR_REPORTS or sitting.started_at is None:
        raise WrongState(_("考核开始后、结果确认前才能提交督导报告。"))
    if SupervisionReport.objects.filter(sitting=sitting).exists():
        raise WrongState(_("本场次已提交督导报告。"))
    deny_unless(
        may_file(actor),
        actor=actor,
        action="supervision.report",
        obj=plan,
        message=_("只有督导员可以提交督导报告。"),
    )
    errors = {}
    values = {}
    for field, raw in (("present", present), ("absent", absent)):
        try:
            values[field] = _count(raw, field)
        except Invalid as exc:
            errors.update(exc.errors)
    identity_issues = text(identity_issues, "identity_issues", "")
    irregularities = text(irregularities, "irregularities", "")
    if not identity_checked and not identity_issues:
        errors["identity_issues"] = [_("未逐一核验身份的，请说明原因。")]
    if blocking and not irregularities:
        errors["irregularities"] = [_("存在严重问题的，请写明问题。")]
    encrypted = pii.encrypt_bytes(clean_photo(photo, within=SCENE)) if photo else ""
    if errors:
        raise Invalid(_("督导报告填写不完整。"), errors=errors)
    report = SupervisionReport.objects.create(
        sitting=sitting,
        supervisor=actor,
        present=values["present"],
        absent=values["absent"],
        identity_checked=bool(identity_checked),
        identity_issues=identity_issues,
        irregularities=irregularities,
        blocking=bool(blocking),
        photo_encrypted=encrypted,
    )
    if blocking:
        report.finding = _open_finding(actor, plan, sitting, irregularities)
        report.save(update_fields=["finding"])
    audit_record(
        actor=actor,
        action="supervision.report",
        obj=plan,
        payload={"sitting": sitting.pk, "blocking": bool(blocking), "finding": report.finding_id},
    )
    return report


def _open_finding(actor, plan, sitting, irregularities: str) -> RectificationOrder:
    today = timezone.localdate()
    return rectification.open_order(
        actor=actor,
        body=lock_body(plan.body),
        findings=irregularities,
        deadline=today + datetime.timedelta(days=FINDING_DAYS),
        source=_("督导报告：%(plan)s %(sitting)s") % {"plan": plan.title, "sitting": sitting},
        reason=_("现场督导发现：%(text)s") % {"text": irregularities},
        today=today,
    )


def results_audit_problems(plan: EvaluationPlan) -> list[str]:
    """What stops the authority from confirming the plan's results: a sitting without a supervision report,
    or a finding a report raised that has not been accepted."""
    problems = []
    missing = [str(s) for s in plan.sittings.filter(supervision_report__isnull=True)]
    if missing:
        problems.append(_("以下场次尚无督导报告：%(sittings)s。") % {"sittings": "、".join(missing)})
    open_findings = SupervisionReport.objects.filter(sitting__plan=plan, blocking=True).exclude(
        finding__status=RectificationStatus.ACCEPTED
    )
    if open_findings.exists():
        problems.append(_("督导报告发现的严重问题尚未整改验收。"))
    return problems


def report_photo(report: SupervisionReport) -> bytes | None:
    return pii.decrypt_bytes(report.photo_encrypted) if report.photo_encrypted else None
