"""委派/代理 (out of office): a reviewer names a colleague of the same unit and role as deputy for a period.
While it runs, the deputy sees the principal's tasks in their own inbox and may act on them; a task taken
over this way becomes the deputy's, with ``data["on_behalf_of"]`` set, and the action is audited as
"办理人 X，代 Y" (``task.on_behalf``). Tasks handed to the principal during the period (a task reopened by a
send-back, a transfer) go to the deputy instead, and urges reach the deputy too.

"The same unit and role" means one active membership with the same role, organisation and district (a
district's reviewers, the city's reviewers, one body's operators).
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import signals
from filing.audit import audit_record
from filing.errors import Denied, Invalid, NotFound, WrongState
from filing.models import Membership
from filing.roles import Role

from .models import Deputy

#: Roles that work in task queues and may name a deputy.
DEPUTY_ROLES = (Role.DISTRICT_REVIEWER, Role.MUNICIPAL_REVIEWER, Role.BODY_OPERATOR)
#: The longest period one appointment may cover (a longer absence is a transfer of the work).
MAX_DAYS = 90


def _units(user) -> set[tuple]:
    return set(
        Membership.objects.filter(user=user, is_active=True, role__in=DEPUTY_ROLES).values_list(
            "role", "organisation_id", "district_id"
        )
    )


def works_in_queues(user) -> bool:
    """Whether ``user`` may name a deputy (a district or municipal reviewer, a body operator)."""
    return bool(getattr(user, "is_authenticated", False) and _units(user))


def colleagues(user):
    """Active users sharing one of ``user``'s queue units (same role, organisation and district)."""
    units = _units(user)
    if not units:
        return get_user_model().objects.none()
    condition = Q()
    for role, organisation, district in units:
        condition |= Q(role=role, organisation_id=organisation, district_id=district)
    ids = Membership.objects.filter(condition, is_active=True).exclude(user=user).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")


def live(today: datetime.date | None = None):
    today = today or timezone.localdate()
    return Deputy.objects.filter(revoked_at__isnull=True, starts_on__lte=today, ends_on__gte=today)


def deputy_of(user, today: datetime.date | None = None):
    """Who acts for ``user`` today (None when nobody does)."""
    if user is None:
        return None
    row = live(today).filter(principal=user).select_related("deputy").first()
    return row.deputy if row is not None and row.deputy.is_active else None


def principals_of(user, today: datetime.date | None = None) -> list[int]:
    """The users ``user`` acts for today."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(live(today).filter(deputy=user).values_list("principal_id", flat=True))


def effective_owner(user, today: datetime.date | None = None):
    """Whoever should get a task meant for ``user`` today: their deputy while they are away."""
    return deputy_of(user, today) or user


@transaction.atomic
def deputy_appoint(
    *, actor, deputy_pk, starts_on, ends_on, reason: str, today: datetime.date | None = None
) -> Deputy:
    today = today or timezone.localdate()
    if not works_in_queues(actor):
        raise Denied(_("只有审核人员或考务人员可以设置代理人。"), actor=actor, action="deputy.appoint")
    deputy = colleagues(actor).filter(pk=deputy_pk).first() if str(deputy_pk).isdigit() else None
    errors: dict[str, list[str]] = {}
    if deputy is None:
        errors["deputy"] = [_("代理人须为同一单位、同一岗位的在岗同事。")]
    if not isinstance(starts_on, datetime.date) or starts_on < today:
        errors["starts_on"] = [_("开始日期不得早于今天（%(today)s）。") % {"today": today.isoformat()}]
    if not isinstance(ends_on, datetime.date) or (
        isinstance(starts_on, datetime.date) and ends_on < starts_on
    ):
        errors["ends_on"] = [_("结束日期不得早于开始日期。")]
    elif isinstance(starts_on, datetime.date) and (ends_on - starts_on).days >= MAX_DAYS:
        errors["ends_on"] = [
            _("一次代理最长%(n)d天（至%(last)s）。")
            % {"n": MAX_DAYS, "last": (starts_on + datetime.timedelta(days=MAX_DAYS - 1)).isoformat()}
        ]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写事由（如休假、出差）。")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors=errors)
    overlapping = Deputy.objects.filter(
        revoked_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
    )
    if overlapping.filter(principal=actor).exists():
        raise WrongState(_("该期间已设置代理人，请先撤销原设置。"))
    if overlapping.filter(principal=deputy).exists():
        raise WrongState(_("所选同事在该期间本人也不在岗（已设置代理人），请另选代理人。"))
    if overlapping.filter(deputy=actor).exists():
        raise WrongState(_("您在该期间是他人的代理人，不能同时设置本人的代理人。"))
    row = Deputy.objects.create(
        principal=actor, deputy=deputy, starts_on=starts_on, ends_on=ends_on, reason=reason.strip()
    )
    audit_record(
        actor=actor,
        action="deputy.appoint",
        obj=row,
        payload={
            "deputy": deputy.get_username(),
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "reason": row.reason,
        },
    )
    signals.deputy_appointed.send(sender=Deputy, deputy=row, actor=actor)
    return row


@transaction.atomic
def deputy_revoke(*, actor, pk) -> Deputy:
    row = (
        Deputy.objects.select_for_update().filter(pk=pk, principal=actor).first()
        if str(pk).isdigit()
        else None
    )
    if row is None:
        raise NotFound(_("代理设置不存在。"), actor=actor, action="scope.probe")
    if row.revoked_at is not None:
        raise WrongState(_("该代理设置已撤销。"))
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="deputy.revoke", obj=row, payload={"deputy": row.deputy.get_username()})
    return row


def take_over(actor, task, today: datetime.date | None = None) -> int | None:
    """Inside the task's lock: a task owned by someone ``actor`` acts for today becomes ``actor``'s, marked
    as done on the principal's behalf. Returns the principal's pk (None when ``actor`` is not deputising)."""
    if task.owner_id is None or task.owner_id == actor.pk or task.owner_id not in principals_of(actor, today):
        return None
    principal_pk = task.owner_id
    task.owner = actor
    task.data = {**(task.data or {}), "on_behalf_of": principal_pk}
    task.save(update_fields=["owner", "data"])
    return principal_pk


def record_on_behalf(actor, task, principal_pk: int, subject) -> None:
    principal = get_user_model().objects.get(pk=principal_pk)
    audit_record(
        actor=actor,
        action="task.on_behalf",
        obj=subject,
        payload={
            "task": task.pk,
            "node": task.flow_task.name,
            "deputy": actor.get_username(),
            "principal": principal.get_username(),
        },
    )


def acting_label(task) -> str:
    """ "办理人 X，代 Y" for a task done on someone's behalf ("" otherwise)."""
    principal_pk = (task.data or {}).get("on_behalf_of")
    if not principal_pk or not task.owner_id:
        return ""
    principal = get_user_model().objects.filter(pk=principal_pk).first()
    if principal is None:
        return ""
    return _("办理人 %(deputy)s，代 %(principal)s") % {
        "deputy": task.owner.get_full_name() or task.owner.get_username(),
        "principal": principal.get_full_name() or principal.get_username(),
    }
