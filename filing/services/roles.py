"""Roles: one Group per role, carrying exactly the role's permissions (``manage.py setup_roles``)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from filing.roles import ROLES, group_name, permissions_of


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def setup_roles() -> list[tuple[Group, int]]:
    """Make one Group per role carry exactly the role's permissions. Safe to run again at any time."""
    result = []
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=group_name(role))
        permissions = [_permission(p) for p in permissions_of(role)]
        group.permissions.set(permissions)
        result.append((group, len(permissions)))
    return result
