"""Who may act on what: role-and-scope predicates used by services and selectors (never only by templates).

A user's active memberships are read once per user object (one query per request) and kept on it; the
membership services forget them when they change a user's roles.
"""

from __future__ import annotations

from typing import NamedTuple

from filing.models import FilingApplication, Membership, Organisation
from filing.roles import OVERSIGHT_ROLES, Role

CACHE_ATTRIBUTE = "_access_memberships"


class Held(NamedTuple):
    role: str
    organisation_id: int | None
    district_id: int | None
    district_code: str | None
    is_unit_lead: bool


def memberships(user) -> list[Held]:
    """The user's active memberships (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = user.__dict__.get(CACHE_ATTRIBUTE)
    if cached is None:
        rows = Membership.objects.filter(user=user, is_active=True).values_list(
            "role", "organisation_id", "district_id", "district__code", "is_unit_lead"
        )
        cached = user.__dict__[CACHE_ATTRIBUTE] = [Held(*row) for row in rows]
    return cached


def forget(user) -> None:
    user.__dict__.pop(CACHE_ATTRIBUTE, None)


def has_role(user, role: str) -> bool:
    return any(m.role == role for m in memberships(user))


def acts_for(user, organisation: Organisation | int, *roles: str) -> bool:
    """The user holds one of ``roles`` (any organisation-scoped role if none given) for the organisation."""
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    return any(m.organisation_id == org_id and (not roles or m.role in roles) for m in memberships(user))


def operates_body(user, body) -> bool:
    """The user is a body operator (考务人员) of the body's organisation."""
    return acts_for(user, body.organisation_id, Role.BODY_OPERATOR)


def organisation_ids(user, *roles: str) -> list[int]:
    return [
        m.organisation_id
        for m in memberships(user)
        if m.organisation_id is not None and (not roles or m.role in roles)
    ]


def reviewer_district_ids(user) -> list[int]:
    return [m.district_id for m in memberships(user) if m.role == Role.DISTRICT_REVIEWER]


def reviews_district_of(user, application: FilingApplication) -> bool:
    district_id = application.district_id or application.organisation.district_id
    return district_id in reviewer_district_ids(user)


def is_municipal_reviewer(user) -> bool:
    return has_role(user, Role.MUNICIPAL_REVIEWER)


def oversees_city(user) -> bool:
    """City-wide read access: municipal reviewers and auditors."""
    return is_municipal_reviewer(user) or has_role(user, Role.AUDITOR)


def dashboard_organisations(user):
    """The organisations whose figures the user reads on the dashboard (a queryset), or None: the whole
    city for municipal reviewers and auditors; a 区人社局 leader's district; a 区教育局's schools in its
    district; the state-owned enterprises for the 国资委. The union when a user holds several roles."""
    from django.db.models import Q

    from filing.models import OrganisationKind

    if oversees_city(user):
        return Organisation.objects.all()
    parts = []
    for m in memberships(user):
        if m.role == Role.DISTRICT_LEADER and m.district_id:
            parts.append(Q(district_id=m.district_id))
        elif m.role == Role.EDUCATION_BUREAU and m.district_id:
            parts.append(Q(district_id=m.district_id, kind__in=OrganisationKind.schools()))
        elif m.role == Role.STATE_ASSETS:
            parts.append(Q(is_state_owned=True))
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return Organisation.objects.filter(condition)


def reads_dashboard(user) -> bool:
    """May open the dashboard (without a query)."""
    return oversees_city(user) or any(m.role in OVERSIGHT_ROLES for m in memberships(user))


def acts_as_authority(user, organisation_id: int) -> bool:
    """A municipal reviewer who does not belong to the organisation concerned (recusal)."""
    return is_municipal_reviewer(user) and not belongs_to(user, organisation_id)


def reviews_application(user, application: FilingApplication) -> bool:
    """A reviewer of this application (its district's or the city's) who does not belong to the applicant:
    sees what reviewers see of it (scores, the changes made in a correction)."""
    return not belongs_to(user, application.organisation_id) and (
        is_municipal_reviewer(user) or reviews_district_of(user, application)
    )


def is_unit_lead(user, role: str) -> bool:
    return any(m.role == role and m.is_unit_lead for m in memberships(user))


def belongs_to(user, organisation_id: int) -> bool:
    """Any membership in the organisation: such a user never reviews its applications."""
    return any(m.organisation_id == organisation_id for m in memberships(user))


def audit_scope(user) -> str | None:
    """Who reads the audit log: "city" (administrators, auditors, municipal reviewers), "district" (a
    district reviewer: the events on its district's filing applications) or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser or (user.is_staff and user.has_perm("filing.view_auditevent")):
        return "city"
    roles = {m.role for m in memberships(user)}
    if roles & {Role.ADMINISTRATOR, Role.AUDITOR, Role.MUNICIPAL_REVIEWER}:
        return "city"
    if Role.DISTRICT_REVIEWER in roles:
        return "district"
    return None


def may_verify_audit_chain(user) -> bool:
    return audit_scope(user) == "city" and (user.is_superuser or user.has_perm("filing.verify_audit_chain"))
