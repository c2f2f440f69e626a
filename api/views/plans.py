"""Evaluation plans over the API: plans, sittings, roster, registrations, scores."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.filters import StrictFilterSet
from api.idempotency import idempotent
from api.views.common import ERRORS, IDEMPOTENCY_KEY, PLAN_EXAMPLE, ROSTER_EXAMPLE, valid
from filing import selectors
from filing.models import Competition, EvaluationPlan, FiledLine, Registration
from filing.services import competitions, photos, plans, results, roster


def _plan(request, pk):
    return selectors.one_visible(selectors.plans_visible_to(request.user), request.user, pk)


class PlanFilter(StrictFilterSet):
    first_sitting_after = django_filters.DateFilter(field_name="first_sitting_on", lookup_expr="gte")
    first_sitting_before = django_filters.DateFilter(field_name="first_sitting_on", lookup_expr="lte")
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains")

    class Meta:
        model = EvaluationPlan
        fields = ["status", "body"]


class PlanList(generics.ListAPIView):
    serializer_class = s.PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["id", "first_sitting_on", "title", "status"]

    def get_queryset(self):
        return selectors.plans_visible_to(self.request.user).prefetch_related("sittings").order_by("-pk")

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.PlanCreateSerializer,
        responses={201: s.PlanSerializer, **ERRORS},
        examples=[PLAN_EXAMPLE],
        description="A draft plan for a filed line of a body you operate, by `method` (exam, direct: "
        "直接认定 by an enterprise, 三级 and above; competition: 以赛促评 with the decided `competition`). "
        "400: "
        "invalid input, outside the body's filed scope (`errors.line`), or a method that does not apply "
        "(`errors.method`, `errors.competition`); 403: not the body's operator; 404: a line of a body you do "
        "not operate.",
    )
    @idempotent
    def post(self, request):
        data = valid(s.PlanCreateSerializer, request)
        line = get_object_or_404(
            FiledLine.objects.filter(body__in=selectors.bodies_operated_by(request.user)), pk=data["line"]
        )
        competition = None
        if data.get("competition"):
            competition = get_object_or_404(
                Competition.objects.filter(body=line.body), pk=data["competition"]
            )
        plan = plans.plan_create(
            actor=request.user,
            body=line.body,
            line=line,
            title=data["title"],
            expected_headcount=data["expected_headcount"],
            first_sitting_on=data["first_sitting_on"],
            photos_waived=data["photos_waived"],
            method=data["method"],
            competition=competition,
        )
        return Response(s.PlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetail(APIView):
    @extend_schema(responses={200: s.PlanSerializer, **ERRORS})
    def get(self, request, pk):
        return Response(s.PlanSerializer(_plan(request, pk)).data)


class SittingCreate(APIView):
    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.SittingInputSerializer,
        responses={201: s.SittingSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request, pk):
        sitting = plans.sitting_add(
            actor=request.user, plan=_plan(request, pk), **valid(s.SittingInputSerializer, request)
        )
        return Response(s.SittingSerializer(sitting).data, status=status.HTTP_201_CREATED)


def enrol_promotions(*, actor, plan):
    """以赛促评: the competition's promoted people of the plan's level join the plan."""
    competitions.promotion_enrol(actor=actor, plan=plan)
    plan.refresh_from_db()
    return plan


PLAN_ACTIONS = {
    "file": plans.plan_file,
    "open_registration": plans.plan_open_registration,
    "close_registration": plans.plan_close_registration,
    "start": plans.plan_start,
    "finish_sittings": plans.plan_finish_sittings,
    "publish_results": results.plan_publish_results,
    "submit_results": results.plan_submit_results,
    "enrol_promotions": enrol_promotions,
}


class PlanAction(APIView):
    @extend_schema(
        request=s.ReasonSerializer,
        responses={200: s.PlanSerializer, **ERRORS},
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=[*PLAN_ACTIONS, "cancel"])],
    )
    def post(self, request, pk, action):
        plan = _plan(request, pk)
        if action == "cancel":
            reason = valid(s.ReasonSerializer, request)["reason"]
            plan = plans.plan_cancel(actor=request.user, plan=plan, reason=reason)
        elif action in PLAN_ACTIONS:
            valid(s.EmptyInput, request)
            plan = PLAN_ACTIONS[action](actor=request.user, plan=plan)
        else:
            raise exceptions.NotFound()
        return Response(s.PlanSerializer(plan).data)


class RosterUpload(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request={"multipart/form-data": s.RosterUploadSerializer},
        responses={201: s.RosterImportSerializer, 422: s.RosterImportSerializer, **ERRORS},
        examples=[ROSTER_EXAMPLE],
        description="201: accepted, every row registered. 422: rejected whole, nothing registered, with the "
        "per-row `report` (row, column, reason). 400: no file, too large or not a spreadsheet; 403: not the "
        "body's operator; 409: the plan is not open for registration.",
    )
    @idempotent
    def post(self, request, pk):
        upload = valid(s.RosterUploadSerializer, request)["file"]
        record = roster.roster_import(
            actor=request.user, plan=_plan(request, pk), file_name=upload.name, data=upload.read()
        )
        code = (
            status.HTTP_201_CREATED if record.outcome == "accepted" else status.HTTP_422_UNPROCESSABLE_ENTITY
        )
        return Response(s.RosterImportSerializer(record).data, status=code)


class RegistrationList(generics.ListAPIView):
    serializer_class = s.RegistrationSerializer
    filterset_fields = ["status"]
    ordering_fields = ["row_number", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        plan = _plan(self.request, self.kwargs["pk"])
        return (
            plan.registrations.select_related("candidate", "major")
            .prefetch_related("scores")
            .order_by("row_number", "pk")
        )


class ScoreEntry(APIView):
    @extend_schema(request=s.ScoreInputSerializer, responses={200: s.RegistrationSerializer, **ERRORS})
    def post(self, request, pk):
        plan = _plan(request, pk)
        data = valid(s.ScoreInputSerializer, request)
        registration = get_object_or_404(Registration, pk=data["registration"], plan=plan)
        results.score_enter(
            actor=request.user,
            registration=registration,
            part=data["part"],
            score=data.get("score"),
            absent=data["absent"],
            disqualified=data["disqualified"],
        )
        return Response(s.RegistrationSerializer(registration).data)


class RegistrationPhoto(APIView):
    """PUT a candidate's certificate photo (the plan page's upload): content-checked, re-encoded by Pillow and
    stored encrypted; refused once the certificate is issued."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.PhotoUploadSerializer},
        responses={200: s.PhotoSerializer, **ERRORS},
        description="400: not a JPEG/PNG, too large or too small; 403: not the body's operator; 404: a plan "
        "or registration you cannot see; 409: the certificate is already issued.",
    )
    def put(self, request, pk, registration_pk):
        registration = get_object_or_404(
            Registration.objects.select_related("candidate"), pk=registration_pk, plan=_plan(request, pk)
        )
        upload = valid(s.PhotoUploadSerializer, request)["photo"]
        photos.registration_photo_upload(
            actor=request.user, registration=registration, data=upload.read(photos.MAX_PHOTO_BYTES + 1)
        )
        return Response({"registration": registration.pk, "photo_on_file": True})
