"""Helpers shared by services: authorisation that audits its denials, state guards, stale-form checks, and
the locked re-read and save of a filing application."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from filing import access
from filing.clock import clock_follow
from filing.errors import Conflict, Denied, Invalid, WrongState
from filing.models import EvaluationBody, EvaluationPlan, FilingApplication


def deny_unless(condition: bool, *, actor, action: str, obj=None, message: str) -> None:
    if not condition:
        raise Denied(message, actor=actor, action=action, obj=obj)


def require_transition(instance, transition, message: str) -> None:
    """Wrong state → ``WrongState`` (409), checked before any permission so the two stay distinct."""
    if not can_proceed(transition):
        raise WrongState(message, status=getattr(instance, "status", None))


def parse_version(version) -> int | None:
    """A form or API client posts the version it loaded; anything but a whole number is bad input (400)."""
    if version in (None, ""):
        return None
    try:
        return int(str(version))
    except (TypeError, ValueError):
        raise Invalid(_("版本号应为整数。"), errors={"version": [_("版本号应为整数。")]}) from None


def require_version(instance, version) -> None:
    """If someone saved since the form was loaded, the form is stale (409)."""
    version = parse_version(version)
    if version is not None and version != instance.version:
        raise Conflict(_("该事项已被他人修改，请刷新页面后重试。"), current_version=instance.version)


def save_transition(instance, update_fields: list[str] | None = None) -> None:
    """Save a transitioned instance; a concurrent transition of the same row becomes ``Conflict`` (409)."""
    try:
        instance.save(update_fields=update_fields)
    except ConcurrentTransition as exc:
        raise Conflict(_("该事项已被他人处理，请刷新页面。")) from exc


def lock_application(application: FilingApplication | int) -> FilingApplication:
    """Re-read the application ``FOR UPDATE`` inside the service's transaction (domain row first, always)."""
    pk = application if isinstance(application, int) else application.pk
    return FilingApplication.objects.select_for_update().select_related("organisation").get(pk=pk)


def save_application(application: FilingApplication, today: datetime.date | None = None) -> None:
    """Save a transitioned application and move its statutory clock to the phase of the new status."""
    save_transition(application)
    clock_follow(application, today)


# --- evaluation plans ------------------------------------------------------------------------------------


def lock_plan(plan: EvaluationPlan | int) -> EvaluationPlan:
    pk = plan if isinstance(plan, int) else plan.pk
    return (
        EvaluationPlan.objects.select_for_update()
        .select_related("body__organisation", "line__offering__occupation")
        .get(pk=pk)
    )


def require_operator(actor, plan_or_body, action: str) -> None:
    """Only a body operator (考务人员) of the plan's (or the body's) organisation."""
    body = plan_or_body if isinstance(plan_or_body, EvaluationBody) else plan_or_body.body
    deny_unless(
        access.operates_body(actor, body),
        actor=actor,
        action=action,
        obj=plan_or_body,
        message=_("只有本评价机构的考务人员可以办理。"),
    )


def require_authority(actor, plan: EvaluationPlan, action: str) -> None:
    """Only the city's reviewers (not of the body's own organisation)."""
    deny_unless(
        access.acts_as_authority(actor, plan.body.organisation_id),
        actor=actor,
        action=action,
        obj=plan,
        message=_("只有市职业技能鉴定中心可以办理。"),
    )


def require_status(instance, *statuses: str, message: str) -> None:
    if instance.status not in statuses:
        raise WrongState(message, status=instance.status)


def required_parts(plan: EvaluationPlan) -> list[str]:
    """The assessment parts the plan's results need: the (occupation, level)'s own (理论, 技能, 综合评审)
    for an examination, or its method's (``filing.methods``)."""
    from filing import methods

    return methods.parts(plan)


def parse_day(value, field: str) -> datetime.date:
    """A date a form or API client sent (a date, or ``YYYY-MM-DD``); anything else is ``Invalid`` on the
    field (400), never a 500."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value if value is not None else "").strip()[:10])
    except ValueError:
        message = _("请填写有效的日期（年-月-日）。")
        raise Invalid(message, errors={field: [message]}) from None


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
