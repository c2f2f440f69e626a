"""Who may act on what: role-and-scope predicates used by services and selectors (never only by templates)."""

from __future__ import annotations

from filing.models import FilingApplication, Membership, Organisation
from filing.roles import Role


def _memberships(user):
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=user, is_active=True)


def has_role(user, role: str) -> bool:
    return _memberships(user).filter(role=role).exists()


def acts_for(user, organisation: Organisation | int, *roles: str) -> bool:
    """The user holds one of ``roles`` (any organisation-scoped role if none given) for the organisation."""
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    qs = _memberships(user).filter(organisation_id=org_id)
    if roles:
        qs = qs.filter(role__in=roles)
    return qs.exists()


def organisation_ids(user, *roles: str) -> list[int]:
    qs = _memberships(user).filter(organisation__isnull=False)
    if roles:
        qs = qs.filter(role__in=roles)
    return list(qs.values_list("organisation_id", flat=True))


def reviewer_district_ids(user) -> list[int]:
    return list(_memberships(user).filter(role=Role.DISTRICT_REVIEWER).values_list("district_id", flat=True))


def reviews_district_of(user, application: FilingApplication) -> bool:
    district_id = application.district_id or application.organisation.district_id
    return district_id in reviewer_district_ids(user)


def is_municipal_reviewer(user) -> bool:
    return has_role(user, Role.MUNICIPAL_REVIEWER)


def is_unit_lead(user, role: str) -> bool:
    return _memberships(user).filter(role=role, is_unit_lead=True).exists()


def belongs_to(user, organisation_id: int) -> bool:
    """Any membership in the organisation: such a user never reviews its applications."""
    return _memberships(user).filter(organisation_id=organisation_id).exists()
