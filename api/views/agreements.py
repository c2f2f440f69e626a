"""Partner agreements (合作评价协议) and coverage of majors (专业全覆盖) over the API: the same services and
selectors as the agreement and coverage pages (``filing.services.agreements``, ``filing.coverage``). A
school sees the agreements it proposed, a partner body those proposed to it, the city every one; anything
else is a 404."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.idempotency import idempotent
from api.views.common import ERRORS, IDEMPOTENCY_KEY, valid
from filing import access, coverage, selectors
from filing.errors import Invalid
from filing.models import EvaluationBody, OccupationLevel, Organisation, PartnerAgreement
from filing.services import agreements as svc


def _agreement(request, pk) -> PartnerAgreement:
    return selectors.one_visible(selectors.agreements_visible_to(request.user), request.user, pk)


class AgreementList(generics.ListAPIView):
    """The agreements of the caller's school, those proposed to the caller's body, or every one for the city:
    ``?status=&school=&partner=&ordering=``."""

    serializer_class = s.AgreementSerializer
    filterset_fields = ["status", "school", "partner"]
    ordering_fields = ["id", "created_at", "valid_until", "status"]

    def get_queryset(self):
        return (
            selectors.agreements_visible_to(self.request.user)
            .prefetch_related("offerings")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.AgreementCreateSerializer,
        responses={201: s.AgreementSerializer, **ERRORS},
        description="The school proposes an agreement; it covers nothing until the partner accepts it. 400: "
        "the partner is the school itself, not active, or has not filed an offering; dates out of order; a "
        "number used before; 404: a school you do not act for.",
        examples=[
            OpenApiExample(
                "a partner evaluates 车工 四级",
                value={
                    "partner": 9,
                    "agreement_no": "XY-2026-01",
                    "offerings": [41],
                    "valid_from": "2026-01-01",
                    "valid_until": "2027-12-31",
                },
                request_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request):
        data = valid(s.AgreementCreateSerializer, request)
        own = access.organisation_ids(request.user, *svc.SCHOOL_ROLES)
        school = Organisation.objects.filter(pk__in=own).order_by("pk")
        school = school.filter(pk=data["school"]).first() if "school" in data else school.first()
        if school is None:
            raise Http404
        partner = EvaluationBody.objects.filter(pk=data["partner"]).first()
        if partner is None:
            message = _("该合作评价机构不存在。")
            raise Invalid(message, errors={"partner": [message]})
        offerings = list(OccupationLevel.objects.filter(pk__in=data["offerings"]))
        unknown = set(data["offerings"]) - {o.pk for o in offerings}
        if unknown:
            message = _("所选职业（工种）等级不存在。")
            raise Invalid(message, errors={"offerings": [message]})
        agreement = svc.agreement_create(
            actor=request.user,
            school=school,
            partner=partner,
            agreement_no=data["agreement_no"].strip(),
            offerings=offerings,
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )
        return Response(s.AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)


class AgreementDetail(APIView):
    @extend_schema(responses={200: s.AgreementSerializer, **ERRORS})
    def get(self, request, pk):
        return Response(s.AgreementSerializer(_agreement(request, pk)).data)


INPUTS = {"note": s.AgreementNoteSerializer, "reason": s.AgreementReasonSerializer}


class AgreementAction(APIView):
    @extend_schema(
        operation_id="v1_agreements_action",
        request=s.AgreementReasonSerializer,
        responses={200: s.AgreementSerializer, **ERRORS},
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(svc.ACTIONS))],
        description="`accept` (`{note}`, optional) or `decline` (`{reason}`) by the partner body's operator "
        "or legal representative; `withdraw` (`{reason}`) a proposal by the school; `terminate` "
        "(`{reason}`) an accepted agreement by either side. 400: no reason; 403: not that side; 409: the "
        "agreement is not in a state for the action (or the partner no longer files an offering).",
    )
    def post(self, request, pk, action):
        if action not in svc.ACTIONS:
            raise exceptions.NotFound()
        agreement = _agreement(request, pk)
        service, field = svc.ACTIONS[action]
        data = valid(INPUTS[field], request)
        agreement = service(actor=request.user, agreement=agreement, **{field: data.get(field, "")})
        return Response(s.AgreementSerializer(agreement).data)


# --- coverage -------------------------------------------------------------------------------------------


class OrganisationCoverage(APIView):
    @extend_schema(
        responses={200: s.CoverageSerializer, **ERRORS},
        description="One college's majors, each covered by its own filed line, by a partner agreement in "
        "force, or uncovered (with the reason), with the graduating students: the coverage page's "
        "figures. Your own organisation, or any for the city's reviewers and auditors (404 otherwise).",
    )
    def get(self, request, pk):
        organisation = selectors.coverage_organisation(request.user, pk)
        if organisation is None:
            raise Http404
        on = timezone.localdate()
        rows = coverage.coverage_for(organisation, on)
        summary = coverage.summarise(organisation, rows)
        return Response(s.CoverageSerializer({**_summary(summary), "on": on, "rows": rows}).data)


def _summary(summary: coverage.CollegeSummary) -> dict:
    return {
        "organisation": summary.organisation,
        "majors": summary.majors,
        "covered_majors": summary.covered_majors,
        "students": summary.students,
        "covered_students": summary.covered_students,
        "share": summary.share,
    }


class CityCoverage(APIView):
    @extend_schema(
        responses={200: s.CityCoverageSerializer, **ERRORS},
        description="Every new-type college's coverage (the city overview page); the city's reviewers and "
        "auditors only (404 otherwise).",
    )
    def get(self, request):
        if not access.oversees_city(request.user):
            raise Http404
        on = timezone.localdate()
        summaries = coverage.city_coverage(on)
        students = sum(x.students for x in summaries)
        covered = sum(x.covered_students for x in summaries)
        return Response(
            s.CityCoverageSerializer(
                {
                    "on": on,
                    "students": students,
                    "covered_students": covered,
                    "share": round(100 * covered / students, 1) if students else 0.0,
                    "colleges": [_summary(x) for x in summaries],
                }
            ).data
        )
