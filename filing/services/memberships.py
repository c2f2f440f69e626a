"""Memberships: a user acting in a role for an organisation, a district or the city.

Granting and revoking go through these services wherever they start (the admin, a command, the demo, tests):
they keep the role's Group, the ``is_staff`` flag of the roles that work in the admin, the audit chain and
the ``membership_changed`` signal in step with the membership rows. A membership is never deleted: revoking
keeps the row (inactive) as the record of who held which role.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access
from filing.audit import audit_record
from filing.errors import Denied, Invalid, WrongState
from filing.models import Membership, MembershipRequest
from filing.roles import FOUR_EYES_ROLES, Role, group_name
from filing.signals import membership_changed

#: Roles whose working tool is the Django admin.
STAFF_ROLES = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})


def require_administrator(actor, action: str, obj=None) -> None:
    """Only administrators (or the operator running a command, ``actor=None``) change memberships."""
    if actor is None or actor.is_superuser:
        return
    if not Membership.objects.filter(user=actor, role=Role.ADMINISTRATOR, is_active=True).exists():
        raise Denied(_("只有系统管理员可以分配或撤销角色。"), actor=actor, action=action, obj=obj)


def _forget_cached_permissions(user) -> None:
    """A user object held by the caller must not keep answering with the permissions it had before."""
    for attribute in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_membership_perm_cache"):
        user.__dict__.pop(attribute, None)
    access.forget(user)


def _sync_user(user) -> None:
    """Groups and ``is_staff`` follow the user's active memberships."""
    active = set(Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True))
    role_groups = {group_name(role): role for role in Role.values}
    for group in user.groups.filter(name__in=role_groups):
        if role_groups[group.name] not in active:
            user.groups.remove(group)
    for role in active:
        user.groups.add(Group.objects.get_or_create(name=group_name(role))[0])
    is_staff = user.is_superuser or bool(active & STAFF_ROLES)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    _forget_cached_permissions(user)


def _describe(membership: Membership) -> dict:
    return {
        "user": membership.user.get_username(),
        "role": membership.role,
        "organisation": membership.organisation_id,
        "district": membership.district.code if membership.district_id else None,
        "unit_lead": membership.is_unit_lead,
    }


def needs_second_administrator(actor, role: str) -> bool:
    """A role of ``FOUR_EYES_ROLES`` given by an administrator needs another administrator's approval."""
    return role in FOUR_EYES_ROLES and actor is not None and not actor.is_superuser


@transaction.atomic
def membership_grant(
    *, actor, user, role: str, organisation=None, district=None, is_unit_lead: bool = False
) -> Membership:
    """Give ``user`` a role where it acts (re-activating a revoked membership of the same role and place).
    A role that can reveal personal data or grant roles is not given by one administrator alone: that goes
    through :func:`membership_request` and a second administrator's :func:`membership_request_approve`."""
    require_administrator(actor, "membership.grant", obj=user)
    if needs_second_administrator(actor, role):
        raise Denied(
            _("授予该角色须经另一名系统管理员批准，请提交角色申请。"),
            actor=actor,
            action="membership.grant",
            obj=user,
        )
    return _grant(
        actor=actor,
        user=user,
        role=role,
        organisation=organisation,
        district=district,
        is_unit_lead=is_unit_lead,
    )


def _grant(*, actor, user, role, organisation, district, is_unit_lead, approved_by=None) -> Membership:
    # The user's row serialises grants to one user (a city-wide role has NULL organisation and district,
    # which a unique constraint does not cover on PostgreSQL).
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    membership = (
        Membership.objects.select_for_update()
        .filter(user=user, role=role, organisation=organisation, district=district)
        .first()
    )
    if membership is not None and membership.is_active:
        raise WrongState(_("该用户已拥有此角色。"))
    if membership is None:
        membership = Membership(user=user, role=role, organisation=organisation, district=district)
    membership.is_unit_lead, membership.is_active = is_unit_lead, True
    try:
        membership.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise Invalid(_("角色分配不合法。"), errors=exc.message_dict) from exc
    membership.save()
    _sync_user(user)
    payload = _describe(membership)
    if approved_by is not None:
        payload["approved_by"] = approved_by.get_username()
    audit_record(actor=actor, action="membership.grant", obj=membership, payload=payload)
    membership_changed.send(sender=Membership, membership=membership, actor=actor)
    return membership


@transaction.atomic
def membership_request(
    *, actor, user, role: str, organisation=None, district=None, is_unit_lead: bool = False, reason: str
) -> MembershipRequest:
    """Ask for a role that needs a second administrator (see ``FOUR_EYES_ROLES``)."""
    require_administrator(actor, "membership.request", obj=user)
    if not str(reason).strip():
        raise Invalid(_("请填写申请理由。"), errors={"reason": [_("请填写申请理由。")]})
    probe = Membership(user=user, role=role, organisation=organisation, district=district)
    try:
        probe.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise Invalid(_("角色分配不合法。"), errors=exc.message_dict) from exc
    if Membership.objects.filter(
        user=user, role=role, organisation=organisation, district=district, is_active=True
    ).exists():
        raise WrongState(_("该用户已拥有此角色。"))
    request = MembershipRequest.objects.create(
        user=user,
        role=role,
        organisation=organisation,
        district=district,
        is_unit_lead=is_unit_lead,
        reason=reason,
        requested_by=actor,
    )
    audit_record(
        actor=actor, action="membership.request", obj=request, payload={**_describe(probe), "reason": reason}
    )
    return request


def _lock_request(request: MembershipRequest) -> MembershipRequest:
    return MembershipRequest.objects.select_for_update(of=("self",)).select_related("user").get(pk=request.pk)


def _require_second_administrator(actor, request: MembershipRequest, action: str) -> None:
    require_administrator(actor, action, obj=request)
    if actor is not None and actor.pk in (request.requested_by_id, request.user_id):
        raise Denied(
            _("申请人或被授权人本人不能批准该申请，须由另一名系统管理员办理。"),
            actor=actor,
            action=action,
            obj=request,
        )


@transaction.atomic
def membership_request_approve(*, actor, request: MembershipRequest, reason: str = "") -> Membership:
    """The second administrator approves: the role is granted, recording both administrators."""
    request = _lock_request(request)
    if request.state != MembershipRequest.State.PENDING:
        raise WrongState(_("该申请已处理。"))
    _require_second_administrator(actor, request, "membership.approve")
    membership = _grant(
        actor=request.requested_by,
        user=request.user,
        role=request.role,
        organisation=request.organisation,
        district=request.district,
        is_unit_lead=request.is_unit_lead,
        approved_by=actor,
    )
    request.approve(actor, reason, timezone.now(), membership)
    request.save()
    audit_record(actor=actor, action="membership.approve", obj=request, payload={"membership": membership.pk})
    return membership


@transaction.atomic
def membership_request_decline(*, actor, request: MembershipRequest, reason: str) -> MembershipRequest:
    request = _lock_request(request)
    if request.state != MembershipRequest.State.PENDING:
        raise WrongState(_("该申请已处理。"))
    _require_second_administrator(actor, request, "membership.decline")
    if not str(reason).strip():
        raise Invalid(_("请填写不予批准的理由。"), errors={"reason": [_("请填写不予批准的理由。")]})
    request.decline(actor, reason, timezone.now())
    request.save()
    audit_record(actor=actor, action="membership.decline", obj=request, payload={"reason": reason})
    return request


def _lock(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "district")
        .get(pk=membership.pk)
    )


@transaction.atomic
def membership_revoke(*, actor, membership: Membership, reason: str = "") -> Membership:
    """Take the role away: the row stays (inactive) as the record; the Group and ``is_staff`` follow."""
    membership = _lock(membership)
    require_administrator(actor, "membership.revoke", obj=membership)
    if not membership.is_active:
        raise WrongState(_("该角色已撤销。"))
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    _sync_user(membership.user)
    audit_record(
        actor=actor,
        action="membership.revoke",
        obj=membership,
        payload={**_describe(membership), "reason": reason},
    )
    membership_changed.send(sender=Membership, membership=membership, actor=actor)
    return membership


@transaction.atomic
def membership_set_unit_lead(*, actor, membership: Membership, is_unit_lead: bool) -> Membership:
    """Make a member the unit lead (who may transfer tasks and grant extensions), or not."""
    membership = _lock(membership)
    require_administrator(actor, "membership.unit_lead", obj=membership)
    if not membership.is_active:
        raise WrongState(_("该角色已撤销。"))
    if membership.is_unit_lead == is_unit_lead:
        return membership
    membership.is_unit_lead = is_unit_lead
    membership.save(update_fields=["is_unit_lead"])
    _forget_cached_permissions(membership.user)
    audit_record(actor=actor, action="membership.unit_lead", obj=membership, payload=_describe(membership))
    membership_changed.send(sender=Membership, membership=membership, actor=actor)
    return membership
