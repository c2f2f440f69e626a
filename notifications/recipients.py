"""Who hears about what: the people behind each role of an application or a plan, and the identifiers an
event carries (never personal data)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from filing.models import FilingApplication, Membership
from filing.roles import Role

#: The reviewers' task inbox (the page the task notifications link to).
INBOX_LINK = "/tasks/"


def users_with(**membership_filter):
    ids = Membership.objects.filter(is_active=True, **membership_filter).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True))


def applicants(application: FilingApplication):
    return users_with(
        organisation_id=application.organisation_id, role__in=[Role.APPLICANT, Role.LEGAL_REPRESENTATIVE]
    )


def district_reviewers(application: FilingApplication):
    return users_with(district_id=application.district_id, role=Role.DISTRICT_REVIEWER)


def municipal_reviewers():
    return users_with(role=Role.MUNICIPAL_REVIEWER)


def base(application: FilingApplication) -> dict:
    return {
        "number": application.number,
        "organisation": application.organisation.name,
        "kind": str(application.get_kind_display()),
        "district": application.district.name
        if application.district_id
        else application.organisation.district.name,
        "application": application.pk,
    }


def body_operators(plan):
    return operators_of_body(plan.body)


def plan_payload(plan) -> dict:
    return {
        "number": plan.title,
        "organisation": plan.body.name,
        "plan": plan.pk,
        "date": str(plan.first_sitting_on),
    }


def plan_link(plan) -> str:
    return reverse("plans:detail", args=[plan.pk])


def operators_of_body(body):
    return users_with(organisation_id=body.organisation_id, role=Role.BODY_OPERATOR)
