"""Read-side queries: scoped querysets with their joins. Object-level scoping lives here and in services,
never only in templates."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import CharField, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from filing import access
from filing.errors import NotFound
from filing.models import (
    PLAN_FINISHED,
    ApplicationStatus,
    Attachment,
    AuditEvent,
    Certificate,
    EvaluationBody,
    EvaluationPlan,
    FilingApplication,
    FilingLine,
    IssuanceBatch,
    Membership,
    Organisation,
    PartnerAgreement,
)
from filing.roles import Role


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
    return {m.role for m in access.memberships(user)}


def applications_visible_to(user) -> QuerySet:
    """Applications the user may see: its own organisation's (any state), its district's (once submitted),
    all submitted ones for municipal reviewers and auditors, and those on an expert's panel."""

    base = FilingApplication.objects.select_related("organisation", "organisation__district", "district")
    if not getattr(user, "is_authenticated", False):
        return base.none()
    roles = user_roles(user)
    condition = Q(pk__in=[])
    org_ids = access.organisation_ids(user, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE, Role.BODY_OPERATOR)
    if org_ids:
        condition |= Q(organisation_id__in=org_ids)
    submitted = ~Q(status=ApplicationStatus.DRAFT)
    if Role.DISTRICT_REVIEWER in roles:
        condition |= submitted & Q(district_id__in=access.reviewer_district_ids(user))
    if access.oversees_city(user):
        condition |= submitted
    if Role.EXPERT in roles:
        condition |= Q(experts__expert=user)
    return base.filter(condition).distinct()


APPLICATION_NUMBER = re.compile(r"^BA(\d{4})(\d{6,12})$")


def application_number_condition(text: str) -> Q | None:
    """An application number (BA + year + id) names one application: the exact match, or None."""
    match = APPLICATION_NUMBER.match(str(text or "").strip().upper())
    if not match:
        return None
    return Q(pk=int(match.group(2)), created_at__year=int(match.group(1)))


def search_applications(queryset: QuerySet, text: str) -> QuerySet:
    """Applications whose number is ``text``, or whose organisation's name contains it (the API's ``q``;
    the list page's search uses the same number condition)."""
    text = str(text or "").strip()[:100]
    if not text:
        return queryset
    condition = Q(organisation__name__icontains=text)
    if (exact := application_number_condition(text)) is not None:
        condition |= exact
    return queryset.filter(condition)


def application_detail(user, pk: int):
    """One application with everything its page shows, or raises FilingApplication.DoesNotExist."""

    return (
        applications_visible_to(user)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=FilingLine.objects.select_related(
                    "offering__occupation", "offering__work_type"
                ).prefetch_related("majors"),
            ),
            Prefetch("attachments", queryset=Attachment.objects.order_by("kind", "-uploaded_at")),
            "decisions__actor",
            "corrections",
            "objections",
            "experts__expert",
            "clock_periods",
        )
        .get(pk=pk)
    )


def publicity_list():
    """Applications under publicity, for the public page: only what publicity needs to show."""

    return (
        FilingApplication.objects.filter(status=ApplicationStatus.PUBLICITY)
        .select_related("organisation", "organisation__district")
        .prefetch_related("lines__offering__occupation", "lines__offering__work_type")
        .order_by("publicity_ends_on", "pk")
    )


def one_visible(visible: QuerySet, actor, pk, *, message: str = "", **lookup):
    """The object ``pk`` among ``visible`` (the actor's scope), or ``NotFound``: the same answer for "absent"
    and "not yours". When the object exists outside the scope, the error carries it as a probe
    (``scope.probe``) that the interfaces write to the audit log as a denial."""
    model = visible.model
    try:
        return visible.get(pk=pk, **lookup)
    except (model.DoesNotExist, ValueError, TypeError, ValidationError, OverflowError):
        pass
    outside = None
    if getattr(actor, "is_authenticated", False):
        try:
            outside = model._default_manager.filter(pk=pk, **lookup).first()
        except (ValueError, TypeError, ValidationError, OverflowError):
            outside = None
    raise NotFound(
        message or _("不存在。"), actor=actor, action="scope.probe" if outside else "", obj=outside
    )


def plans_visible_to(user) -> QuerySet:
    """Plans of the bodies the user operates; every plan for municipal reviewers, supervisors, auditors."""

    base = EvaluationPlan.objects.select_related(
        "body", "body__organisation", "line__offering__occupation", "line__offering__work_type"
    )
    roles = user_roles(user)
    if roles & {Role.MUNICIPAL_REVIEWER, Role.SUPERVISOR, Role.AUDITOR}:
        return base
    org_ids = access.organisation_ids(user, Role.BODY_OPERATOR)
    return base.filter(body__organisation_id__in=org_ids)


def evaluators_visible_to(user) -> QuerySet:
    """The evaluator register (考评员库): the pools of the bodies the user operates plus the city's pool
    (people serving no body, e.g. municipal supervisors); every person for the city's reviewers, supervisors
    and auditors."""
    from filing.models import Evaluator

    base = Evaluator.objects.select_related("body", "occupation")
    if user_roles(user) & {Role.MUNICIPAL_REVIEWER, Role.SUPERVISOR, Role.AUDITOR}:
        return base
    org_ids = access.organisation_ids(user, Role.BODY_OPERATOR)
    if not org_ids:
        return base.none()
    return base.filter(Q(body__organisation_id__in=org_ids) | Q(body__isnull=True))


def certificates_visible_to(user) -> QuerySet:
    """Every certificate for the city's reviewers and auditors; a body's own for its operators."""

    qs = Certificate.objects.select_related("body")
    if access.oversees_city(user):
        return qs
    return qs.filter(body__organisation_id__in=access.organisation_ids(user, Role.BODY_OPERATOR))


def batches_visible_to(user) -> QuerySet:
    """Issuance batches holding a certificate the user may see (a supervisor, who sees plans but not
    certificates, gets none)."""
    return IssuanceBatch.objects.filter(certificates__in=certificates_visible_to(user)).distinct()


def organisations_visible_to(user) -> QuerySet:
    """Every organisation for the city's reviewers and auditors; otherwise the user's own and those of the
    districts the user reviews."""

    qs = Organisation.objects.select_related("district").order_by("pk")
    if access.oversees_city(user):
        return qs
    return qs.filter(pk__in=access.organisation_ids(user)) | qs.filter(
        district_id__in=access.reviewer_district_ids(user)
    )


def coverage_organisation(user, org_pk=None):
    """The organisation whose coverage the user may see: one of the user's own (the first, when none is
    named), or any for the city's reviewers and auditors; None otherwise (the page answers 404)."""

    own = access.organisation_ids(user, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE, Role.BODY_OPERATOR)
    if org_pk is None:
        org_pk = own[0] if own else None
    if org_pk is None or (int(org_pk) not in own and not access.oversees_city(user)):
        return None
    return Organisation.objects.filter(pk=org_pk).first()


def bodies_visible_to(user) -> QuerySet:
    """Every body for the city's reviewers, supervisors and auditors; a body's own for its operators."""
    if user_roles(user) & {Role.MUNICIPAL_REVIEWER, Role.SUPERVISOR, Role.AUDITOR}:
        return EvaluationBody.objects.all()
    return bodies_operated_by(user)


def experts_available() -> QuerySet:
    """The experts who may be named to a panel (the service refuses those from the applicant)."""
    from django.contrib.auth import get_user_model

    ids = Membership.objects.filter(role=Role.EXPERT, is_active=True).values_list("user_id", flat=True)
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")


def bodies_operated_by(user) -> QuerySet:

    return EvaluationBody.objects.filter(
        organisation_id__in=access.organisation_ids(user, Role.BODY_OPERATOR)
    )


def waiting_counts(user) -> dict[str, int]:
    """What waits for the college's own people, by the roles the user holds there: applications returned
    for correction and drafts (clerk), drafts to sign (legal representative without the clerk role), plans
    still running (body operator). Keys appear only for the roles held."""

    counts: dict[str, int] = {}
    applicant_orgs = access.organisation_ids(user, Role.APPLICANT)
    if applicant_orgs:
        mine = FilingApplication.objects.filter(organisation_id__in=applicant_orgs)
        counts["returned"] = mine.filter(status=ApplicationStatus.RETURNED).count()
        counts["drafts"] = mine.filter(status=ApplicationStatus.DRAFT).count()
    signer_orgs = access.organisation_ids(user, Role.LEGAL_REPRESENTATIVE)
    if signer_orgs and not applicant_orgs:
        counts["drafts_to_sign"] = FilingApplication.objects.filter(
            organisation_id__in=signer_orgs, status=ApplicationStatus.DRAFT
        ).count()
    operator_orgs = access.organisation_ids(user, Role.BODY_OPERATOR)
    if operator_orgs:
        counts["plans_running"] = (
            EvaluationPlan.objects.filter(body__organisation_id__in=operator_orgs)
            .exclude(status__in=PLAN_FINISHED)
            .count()
        )
    return counts


def agreements_visible_to(user) -> QuerySet[PartnerAgreement]:
    """Partner agreements of the user's school (经办人, 法定代表人), those proposed to the body the user acts
    for (考务人员, 法定代表人), or every agreement for the city's reviewers and auditors."""
    base = PartnerAgreement.objects.select_related("school", "partner", "partner__organisation")
    if access.oversees_city(user):
        return base
    schools = access.organisation_ids(user, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE)
    partners = access.organisation_ids(user, Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)
    return base.filter(Q(school_id__in=schools) | Q(partner__organisation_id__in=partners))


def attachment_history(application: FilingApplication) -> list[Attachment]:
    """Replaced and removed files of an application, newest first: what was submitted stays readable."""
    return list(
        application.attachments.filter(superseded_at__isnull=False)
        .select_related("replaced_by")
        .order_by("-superseded_at", "-pk")
    )


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """The audit log as the user may read it: all of it for the city's readers; for a district reviewer the
    events on the filing applications it may see (the log names an object by type and id only, so other
    objects cannot be placed in a district); nothing for anyone else."""
    events = AuditEvent.objects.select_related("actor")
    scope = access.audit_scope(user)
    if scope == "city":
        return events
    if scope == "district":
        ids = applications_visible_to(user).annotate(key=Cast("pk", CharField())).values("key")
        return events.filter(object_type=FilingApplication._meta.label_lower, object_id__in=ids)
    return events.none()


def bodies_on_record_for(user) -> QuerySet:
    """The bodies whose supervision record the user sees: every body for the city's reviewers, supervisors
    and auditors; their own for a body's operators and its organisation's legal representative."""
    if user_roles(user) & {Role.MUNICIPAL_REVIEWER, Role.SUPERVISOR, Role.AUDITOR}:
        return EvaluationBody.objects.all()
    own = access.organisation_ids(user, Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)
    return EvaluationBody.objects.filter(organisation_id__in=own)


def body_code_q(code: str) -> Q | None:
    """A body's 13-character code (category + ministry code + province + serial) as a lookup, or None."""
    code = str(code or "").strip().upper()
    if len(code) != 13:
        return None
    return Q(category=code[:1], ministry_code=code[1:5], province_code=code[5:7], serial=code[7:])


def enterprise_bodies_of(user) -> QuerySet:
    """The enterprise bodies the user acts for (operator or legal representative): where 评聘 is proposed."""
    from filing.models import OrganisationKind

    own = access.organisation_ids(user, Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)
    return EvaluationBody.objects.filter(
        organisation_id__in=own, organisation__kind=OrganisationKind.ENTERPRISE
    )


def catalogue(*, query: str = "", status: str = "", category: str = "", occupation: str = "") -> QuerySet:
    """The public catalogue of evaluation bodies (public by nature): every filed body, filtered."""
    qs = EvaluationBody.objects.select_related("organisation__district")
    if query:
        q = Q(name__icontains=query) | Q(serial__icontains=query)
        by_code = body_code_q(query)
        qs = qs.filter(q | by_code if by_code is not None else q)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if occupation:
        qs = qs.filter(
            Q(lines__offering__occupation__code=occupation)
            | Q(lines__offering__occupation__name__icontains=occupation)
        ).distinct()
    return qs.order_by("serial")


def appointments_visible_to(user) -> QuerySet:
    """特级技师/首席技师 评聘: every one for the city's reviewers and auditors; an enterprise's own for its
    operators and legal representative."""
    from filing.models import TechnicianAppointment

    qs = TechnicianAppointment.objects.select_related("body", "certificate")
    if access.oversees_city(user):
        return qs
    own = access.organisation_ids(user, Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)
    return qs.filter(body__organisation_id__in=own)


def competitions_visible_to(user) -> QuerySet:
    """以赛促评 competitions: every one for the city's reviewers and auditors; a body's own for its
    operators and legal representative."""
    from filing.models import Competition

    qs = Competition.objects.select_related("body__organisation", "occupation")
    if access.oversees_city(user):
        return qs
    own = access.organisation_ids(user, Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)
    return qs.filter(body__organisation_id__in=own)


def staff_enterprises_of(user) -> QuerySet:
    """The enterprises whose staff register the user keeps (operator or legal representative), or, for
    the city's reviewers and auditors, reads (every enterprise)."""
    from filing.models import OrganisationKind

    enterprises = Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE)
    if access.oversees_city(user):
        return enterprises
    own = access.organisation_ids(user, Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)
    return enterprises.filter(pk__in=own)


def staff_visible_to(user) -> QuerySet:
    """Staff register entries: an enterprise's own for its operators and legal representative; every
    enterprise's for the city's reviewers and auditors (read only)."""
    from filing.models import StaffMember

    qs = StaffMember.objects.select_related("organisation", "occupation")
    if access.oversees_city(user):
        return qs
    own = access.organisation_ids(user, Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)
    return qs.filter(organisation_id__in=own, organisation__kind="enterprise")


def task_lists_visible_to(user) -> QuerySet:
    """Annual task lists: the college's own people; the reviewers of its district; the city; and the
    oversight roles within their scope (``access.dashboard_organisations``)."""
    from filing.models import AnnualTaskList

    qs = AnnualTaskList.objects.select_related("organisation__district")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    condition = Q(
        organisation_id__in=access.organisation_ids(user, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE)
    )
    condition |= Q(organisation__district_id__in=access.reviewer_district_ids(user))
    scope = access.dashboard_organisations(user)
    if scope is not None:
        condition |= Q(organisation__in=scope.values("pk"))
    return qs.filter(condition)
