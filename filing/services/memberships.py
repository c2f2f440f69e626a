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
from django.utils.translation import gettext as _

from filing import access
from filing.audit import audit_record
from filing.errors import Denied, Invalid, WrongState
from filing.models import Membership
from filing.roles import Role, group_name
from filing.signals import membership_changed

#: Roles whose working tool is the Django admin.
STAFF_ROLES = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})


def _require_administrator(actor, action: str, obj=None) -> None:
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


@transaction.atomic
def membership_grant(
    *, actor, user, role: str, organisation=None, district=None, is_unit_lead: bool = False
) -> Membership:
    """Give ``user`` a role where it acts (re-activating a revoked membership of the same role and place)."""
    _require_administrator(actor, "membership.grant", obj=user)
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
    audit_record(actor=actor, action="membership.grant", obj=membership, payload=_describe(membership))
    membership_changed.send(sender=Membership, membership=membership, actor=actor)
    return membership


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
    _require_administrator(actor, "membership.revoke", obj=membership)
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
    _require_administrator(actor, "membership.unit_lead", obj=membership)
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
