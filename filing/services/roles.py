"""Roles and memberships."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _

from filing.audit import audit_record
from filing.errors import Denied, Invalid
from filing.models import Membership
from filing.roles import ROLES, Role, group_name
from filing.signals import membership_changed

STAFF_ROLES = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def setup_roles() -> list[tuple[Group, int]]:
    """Make one Group per role carry exactly the role's permissions. Safe to run again at any time."""
    result = []
    for role, spec in ROLES.items():
        group, _created = Group.objects.get_or_create(name=group_name(role))
        permissions = [_permission(p) for p in spec.permissions]
        group.permissions.set(permissions)
        result.append((group, len(permissions)))
    return result


@transaction.atomic
def membership_grant(*, actor, user, role: str, organisation=None, district=None, is_unit_lead: bool = False):
    """Give ``user`` a role where it acts; adds the role's Group. Only administrators (or a command run by
    the operator, ``actor=None``) may do this."""
    if (
        actor is not None
        and not actor.is_superuser
        and not Membership.objects.filter(user=actor, role="administrator", is_active=True).exists()
    ):
        raise Denied("只有系统管理员可以分配角色。", actor=actor, action="membership.grant")
    membership = Membership(
        user=user, role=role, organisation=organisation, district=district, is_unit_lead=is_unit_lead
    )
    try:
        membership.full_clean()
    except Exception as exc:  # ValidationError → domain error with the field messages
        raise Invalid(
            _("角色分配不合法。"), errors=getattr(exc, "message_dict", {"__all__": [str(exc)]})
        ) from exc
    membership.save()
    if role in STAFF_ROLES and not user.is_staff:
        user.is_staff = True  # the Django admin is their working tool
        user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get_or_create(name=group_name(role))[0])
    audit_record(
        actor=actor,
        action="membership.grant",
        obj=membership,
        payload={
            "user": user.get_username(),
            "role": role,
            "organisation": organisation and organisation.pk,
            "district": district and district.code,
        },
    )
    membership_changed.send(sender=Membership, membership=membership, actor=actor)
    return membership
