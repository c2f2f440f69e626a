"""Read-side queries: scoped querysets with their joins. Object-level scoping lives here and in services,
never only in templates."""

from __future__ import annotations

from django.db.models import QuerySet

from filing.models import Membership


def memberships_for(user) -> QuerySet[Membership]:
    """The user's active memberships with what the pages print about them."""
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation", "organisation__district", "district")
        .order_by("role", "id")
    )


def user_roles(user) -> set[str]:
    return set(memberships_for(user).values_list("role", flat=True))
