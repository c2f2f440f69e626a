"""直接认定 and 以赛促评 over the API: the same services and scope as the pages
(``filing.services.recognition``, ``filing.services.competitions``, ``selectors.competitions_visible_to``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.idempotency import idempotent
from api.views.common import ERRORS, IDEMPOTENCY_KEY, valid
from filing import selectors
from filing.models import Occupation, PromotionRule, RecognitionEvidence
from filing.services import competitions as svc
from filing.services import recognition


def _plan(request, pk):
    return selectors.one_visible(selectors.plans_visible_to(request.user), request.user, pk)


def _competition(request, pk):
    return selectors.one_visible(selectors.competitions_visible_to(request.user), request.user, pk)


class Evidence(generics.ListAPIView):
    """A 直接认定 plan's workers with their evidence."""

    serializer_class = s.EvidenceSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RecognitionEvidence.objects.none()
        plan = _plan(self.request, self.kwargs["pk"])
        return (
            RecognitionEvidence.objects.filter(registration__plan=plan)
            .select_related("registration__candidate")
            .order_by("registration__row_number")
        )

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.RecognitionInputSerializer,
        responses={201: s.EvidenceSerializer, **ERRORS},
        description="Add one worker with their evidence to an open 直接认定 plan (no education, seniority, "
        "age or quota is asked: the notice removes them). 400 with the field: a bad ID number, a name that "
        "does not match the number, no 主要业绩, the person already registered for this occupation and "
        "level; "
        "403: not the body's operator; 409: not a 直接认定 plan, or not open.",
    )
    @idempotent
    def post(self, request, pk):
        data = dict(valid(s.RecognitionInputSerializer, request))
        registration = recognition.recognition_add(actor=request.user, plan=_plan(request, pk), values=data)
        return Response(s.EvidenceSerializer(registration.evidence).data, status=status.HTTP_201_CREATED)


class EvidenceDetail(APIView):
    def _evidence(self, request, pk, registration_pk):
        plan = _plan(request, pk)
        evidence = (
            RecognitionEvidence.objects.filter(registration__plan=plan, registration_id=registration_pk)
            .select_related("registration__candidate")
            .first()
        )
        if evidence is None:
            raise exceptions.NotFound()
        return evidence

    @extend_schema(responses={200: s.EvidenceSerializer, **ERRORS})
    def get(self, request, pk, registration_pk):
        return Response(s.EvidenceSerializer(self._evidence(request, pk, registration_pk)).data)

    @extend_schema(
        request=s.EvidenceInputSerializer,
        responses={200: s.EvidenceSerializer, **ERRORS},
        description="Correct the evidence until the review starts (409 afterwards).",
    )
    def put(self, request, pk, registration_pk):
        evidence = self._evidence(request, pk, registration_pk)
        data = dict(valid(s.EvidenceInputSerializer, request))
        evidence = recognition.evidence_update(
            actor=request.user, registration=evidence.registration, values=data
        )
        return Response(s.EvidenceSerializer(evidence).data)


class CompetitionList(generics.ListAPIView):
    """The competitions you see: your body's, or every one for the city."""

    serializer_class = s.CompetitionSerializer
    filterset_fields = ["status", "level", "body"]
    ordering_fields = ["id", "held_on"]

    def get_queryset(self):
        return selectors.competitions_visible_to(self.request.user).order_by("-pk")

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.CompetitionCreateSerializer,
        responses={201: s.CompetitionSerializer, **ERRORS},
        description="Record a competition that was held, in an occupation of the body's filed lines. 400 "
        "with the field: a date after today, an occupation outside the filed scope; 404: a body you do not "
        "operate or an unknown occupation code.",
    )
    @idempotent
    def post(self, request):
        data = dict(valid(s.CompetitionCreateSerializer, request))
        body = selectors.bodies_operated_by(request.user).filter(pk=data.pop("body")).first()
        occupation = Occupation.objects.filter(code=data.pop("occupation")).first()
        if body is None or occupation is None:
            raise exceptions.NotFound()
        competition = svc.competition_create(actor=request.user, body=body, occupation=occupation, **data)
        return Response(s.CompetitionSerializer(competition).data, status=status.HTTP_201_CREATED)


class CompetitionDetail(APIView):
    @extend_schema(responses={200: s.CompetitionSerializer, **ERRORS})
    def get(self, request, pk):
        return Response(s.CompetitionSerializer(_competition(request, pk)).data)


class CompetitionResults(generics.ListAPIView):
    """The results with each one's promotion decision (rule checks and reason) once decided."""

    serializer_class = s.CompetitionResultSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PromotionRule.objects.none()
        competition = _competition(self.request, self.kwargs["pk"])
        return competition.results.select_related("candidate", "decision").order_by("rank", "row_number")


class CompetitionResultsUpload(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.ResultsUploadSerializer},
        responses={201: s.CompetitionSerializer, 422: s.CompetitionSerializer, **ERRORS},
        description="Import (before the decision: replace) the results: columns 姓名, 证件类型, "
        "证件号码, 名次, 奖项. 201: accepted; 422: rejected whole, nothing imported, with the per-row "
        "`results_report`. "
        "403: not the body's operator; 409: already decided.",
    )
    def post(self, request, pk):
        upload = valid(s.ResultsUploadSerializer, request)["file"]
        report = svc.results_import(
            actor=request.user,
            competition=_competition(request, pk),
            file_name=upload.name,
            data=upload.read(),
        )
        competition = _competition(request, pk)
        code = status.HTTP_422_UNPROCESSABLE_ENTITY if report else status.HTTP_201_CREATED
        return Response(s.CompetitionSerializer(competition).data, status=code)


class CompetitionDecide(APIView):
    @extend_schema(
        request=s.EmptyInput,
        responses={200: s.CompetitionResultSerializer(many=True), **ERRORS},
        description="Apply the promotion rules to every result, once: each decision with its checks and "
        "reason (a refusal names the rule). 409: no results yet, or already decided.",
    )
    def post(self, request, pk):
        valid(s.EmptyInput, request)
        competition = _competition(request, pk)
        svc.competition_decide(actor=request.user, competition=competition)
        results = competition.results.select_related("candidate", "decision").order_by("rank", "row_number")
        return Response(s.CompetitionResultSerializer(results, many=True).data)


class PromotionRules(generics.ListAPIView):
    """The published promotion rules (public)."""

    serializer_class = s.PromotionRuleSerializer
    pagination_class = None
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_queryset(self):
        return PromotionRule.objects.filter(active=True).order_by("pk")
