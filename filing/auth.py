"""Scoped permissions derived from memberships.

Group permissions say *what* a role may do; this backend adds *where*: a district reviewer of 浦东新区 holds
``filing.review_district_310115``, an applicant of organisation 7 holds ``filing.act_for_org_7``, municipal
reviewers hold ``filing.review_city``. viewflow's queues filter tasks by these strings (a task's
``owner_permission``), so a reviewer never even sees another district's task.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from filing import access
from filing.roles import Role


def district_permission(district_code: str) -> str:
    return f"filing.review_district_{district_code}"


def organisation_permission(organisation_id: int) -> str:
    return f"filing.act_for_org_{organisation_id}"


CITY_REVIEW_PERMISSION = "filing.review_city"


def body_permission(organisation_id: int) -> str:
    """The queue of a filed body's operators (its organisation's id): holders' correction requests."""
    return f"filing.operate_org_{organisation_id}"


class MembershipBackend(BaseBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        cached = getattr(user_obj, "_membership_perm_cache", None)
        if cached is not None:
            return cached
        from filing.models import District

        perms: set[str] = set()
        held = access.memberships(user_obj)
        district_ids = {m.district_id for m in held if m.role == Role.DISTRICT_REVIEWER and m.district_id}
        codes = (
            dict(District.objects.filter(pk__in=district_ids).values_list("pk", "code"))
            if district_ids
            else {}
        )
        for m in held:
            if m.role == Role.DISTRICT_REVIEWER and m.district_id in codes:
                perms.add(district_permission(codes[m.district_id]))
            elif m.role == Role.MUNICIPAL_REVIEWER:
                perms.add(CITY_REVIEW_PERMISSION)
            elif m.role in (Role.APPLICANT, Role.LEGAL_REPRESENTATIVE) and m.organisation_id:
                perms.add(organisation_permission(m.organisation_id))
            elif m.role == Role.BODY_OPERATOR and m.organisation_id:
                perms.add(body_permission(m.organisation_id))
        user_obj._membership_perm_cache = perms
        return perms

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)
