"""The evaluator register (考评员库), sitting staffing and recusal declarations (回避声明) over the API: the
same services as the register and plan pages (``filing.services.staffing``). A body's operator sees its own
pool and the city's and maintains its own; the city's reviewers, supervisors and auditors see every pool;
what lies outside the caller's scope is a 404."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.filters import StrictFilterSet
from api.idempotency import idempotent
from api.views.common import ERRORS, IDEMPOTENCY_KEY, valid
from api.views.plans import _plan
from filing import selectors
from filing.errors import Invalid
from filing.models import Evaluator, Occupation, RecusalDeclaration, Registration, SittingStaff, StaffRole
from filing.services import staffing as svc


def _evaluator(request, pk) -> Evaluator:
    return selectors.one_visible(selectors.evaluators_visible_to(request.user), request.user, pk)


def _occupation(data: dict) -> dict:
    """The occupation id of an input as the object the service takes (a 400 naming it when unknown)."""
    if data.get("occupation") is not None:
        occupation = Occupation.objects.filter(pk=data["occupation"]).first()
        if occupation is None:
            raise Invalid(_("请选择考评职业。"), errors={"occupation": [_("请选择考评职业。")]})
        data["occupation"] = occupation
    return data


class EvaluatorFilter(StrictFilterSet):
    q = django_filters.CharFilter(method="search", label="name or certificate number contains")

    class Meta:
        model = Evaluator
        fields = ["active", "body", "can_evaluate", "can_invigilate", "is_supervisor", "occupation", "level"]

    def search(self, queryset, name, value):
        value = value.strip()[:40]
        return queryset.filter(Q(name__icontains=value) | Q(certificate_no__icontains=value))


class EvaluatorList(generics.ListAPIView):
    """The register the caller may see: ``?active=&body=&occupation=&level=&q=&ordering=``."""

    serializer_class = s.EvaluatorSerializer
    filterset_class = EvaluatorFilter
    ordering_fields = ["id", "name", "certificate_no", "valid_until"]

    def get_queryset(self):
        return selectors.evaluators_visible_to(self.request.user).order_by("-active", "name", "pk")

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.EvaluatorCreateSerializer,
        responses={201: s.EvaluatorSerializer, **ERRORS},
        description="Add a person to a body's pool (its operator) or to the city's pool (`body` null, a "
        "municipal reviewer). 400: incomplete or a certificate number already registered; 403: not the "
        "body's operator; 404: a body you do not operate.",
        examples=[
            OpenApiExample(
                "an evaluator of the body's pool",
                value={
                    "body": 7,
                    "name": "周建国",
                    "certificate_no": "KP310000123",
                    "occupation": 12,
                    "level": 3,
                    "valid_until": "2028-12-31",
                    "can_evaluate": True,
                    "can_invigilate": True,
                    "is_supervisor": False,
                },
                request_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request):
        data = _occupation(dict(valid(s.EvaluatorCreateSerializer, request)))
        body = None
        if data.get("body") is not None:
            body = get_object_or_404(selectors.bodies_operated_by(request.user), pk=data["body"])
        data.pop("body", None)
        evaluator = svc.evaluator_create(actor=request.user, body=body, **data)
        return Response(s.EvaluatorSerializer(evaluator).data, status=status.HTTP_201_CREATED)


class EvaluatorDetail(APIView):
    @extend_schema(responses={200: s.EvaluatorSerializer, **ERRORS})
    def get(self, request, pk):
        return Response(s.EvaluatorSerializer(_evaluator(request, pk)).data)

    @extend_schema(
        request=s.EvaluatorUpdateSerializer,
        responses={200: s.EvaluatorSerializer, **ERRORS},
        description="Change the fields sent (the others stay); a request that changes nothing changes no "
        "`version`. 400: invalid or incomplete; 403: not the pool's keeper; 409: stale `version`.",
    )
    def patch(self, request, pk):
        evaluator = _evaluator(request, pk)
        data = _occupation(dict(valid(s.EvaluatorUpdateSerializer, request)))
        version = data.pop("version")
        current = {name: getattr(evaluator, name) for name in svc.EDITABLE_FIELDS}
        evaluator = svc.evaluator_update(
            actor=request.user, evaluator=evaluator, version=version, **{**current, **data}
        )
        return Response(s.EvaluatorSerializer(evaluator).data)


def _set_active(request, pk, *, active: bool, serializer) -> Response:
    """Deactivate (停用, with a reason) or reactivate a person; past assignments stay on record."""
    evaluator = _evaluator(request, pk)
    data = valid(serializer, request)
    evaluator = svc.evaluator_set_active(
        actor=request.user, evaluator=evaluator, active=active, reason=data.get("reason", "")
    )
    return Response(s.EvaluatorSerializer(evaluator).data)


class EvaluatorDeactivate(APIView):
    @extend_schema(
        request=s.DeactivateSerializer,
        responses={200: s.EvaluatorSerializer, **ERRORS},
        description="400: no reason; 403: not the pool's keeper.",
    )
    def post(self, request, pk):
        return _set_active(request, pk, active=False, serializer=s.DeactivateSerializer)


class EvaluatorActivate(APIView):
    @extend_schema(
        request=None,
        responses={200: s.EvaluatorSerializer, **ERRORS},
        description="No input (an unknown field is a 400). 403: not the pool's keeper.",
    )
    def post(self, request, pk):
        return _set_active(request, pk, active=True, serializer=s.EmptyInput)


# --- staffing -------------------------------------------------------------------------------------------


def _staffing(plan) -> list[dict]:
    sittings = list(plan.sittings.order_by("starts_at", "pk").prefetch_related("staff__evaluator"))
    return [
        {
            "id": sitting.pk,
            "part": sitting.part,
            "starts_at": sitting.starts_at,
            "room": sitting.room,
            "candidates_expected": sitting.candidates_expected,
            "staff": list(sitting.staff.all()),
            "problems": [str(p) for p in svc.staffing_problems(sitting)],
        }
        for sitting in sittings
    ]


def _staff(request, pk, staff_pk) -> SittingStaff:
    plan = _plan(request, pk)
    return selectors.one_visible(
        SittingStaff.objects.filter(sitting__plan=plan).select_related("sitting", "evaluator"),
        request.user,
        staff_pk,
    )


def _pool_member(request, plan, pk) -> Evaluator:
    """A person of the plan's body's pool or the city's whom the caller may see (404 otherwise)."""
    pool = selectors.evaluators_visible_to(request.user).filter(Q(body=plan.body) | Q(body__isnull=True))
    return selectors.one_visible(pool, request.user, pk)


class PlanStaff(APIView):
    @extend_schema(
        responses={200: s.SittingStaffingSerializer(many=True), **ERRORS},
        description="Every sitting of the plan with its staff and what still stops it from starting.",
    )
    def get(self, request, pk):
        return Response(s.SittingStaffingSerializer(_staffing(_plan(request, pk)), many=True).data)

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.StaffAssignSerializer,
        responses={201: s.StaffSerializer, **ERRORS},
        description="Assign a person of the register to a sitting, until the plan starts. 400: not in the "
        "pool, inactive, certificate not valid on the sitting's date, role not held, occupation or level "
        "short, a declared recusal, already in the sitting (each named in `errors.evaluator`); 403: not the "
        "body's operator; 404: a sitting or person outside the plan's scope; 409: the plan has started.",
        examples=[
            OpenApiExample(
                "a skill evaluator",
                value={"sitting": 31, "evaluator": 118, "role": "skill_evaluator"},
                request_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request, pk):
        plan = _plan(request, pk)
        data = valid(s.StaffAssignSerializer, request)
        sitting = selectors.one_visible(plan.sittings.all(), request.user, data["sitting"])
        staff = svc.staff_assign(
            actor=request.user,
            sitting=sitting,
            evaluator=_pool_member(request, plan, data["evaluator"]),
            role=data["role"],
        )
        return Response(s.StaffSerializer(staff).data, status=status.HTTP_201_CREATED)


class StaffDetail(APIView):
    @extend_schema(
        responses={204: None, **ERRORS},
        description="Take the person off the sitting, until the plan starts. 403: not the body's operator; "
        "409: the plan has started or the person is no longer there.",
    )
    def delete(self, request, pk, staff_pk):
        svc.staff_remove(actor=request.user, staff=_staff(request, pk, staff_pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class StaffReplace(APIView):
    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.StaffReplaceSerializer,
        responses={201: s.StaffSerializer, **ERRORS},
        description="Another person in the same seat (sitting and role), in one transaction: a refused "
        "replacement (the same 400s as an assignment) leaves the seat as it was. 409: the plan has started.",
    )
    @idempotent
    def post(self, request, pk, staff_pk):
        staff = _staff(request, pk, staff_pk)
        data = valid(s.StaffReplaceSerializer, request)
        new = svc.staff_replace(
            actor=request.user,
            staff=staff,
            evaluator=_pool_member(request, staff.sitting.plan, data["evaluator"]),
        )
        return Response(s.StaffSerializer(new).data, status=status.HTTP_201_CREATED)


class StaffCandidates(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("sitting", int, required=True, description="a sitting of this plan"),
            OpenApiParameter("role", str, required=True, enum=StaffRole.values),
        ],
        responses={200: s.StaffCandidateSerializer(many=True), **ERRORS},
        description="Who may take the role in the sitting now (what the staffing page offers).",
    )
    def get(self, request, pk):
        plan = _plan(request, pk)
        role = request.query_params.get("role", "")
        if role not in StaffRole.values:
            raise Invalid(_("未知的人员类别。"), errors={"role": [_("未知的人员类别。")]})
        sitting_pk = request.query_params.get("sitting")
        sitting = selectors.one_visible(plan.sittings.all(), request.user, sitting_pk)
        people = svc.candidates_for(sitting, role)
        return Response(s.StaffCandidateSerializer(people, many=True).data)


class Recusals(APIView):
    @extend_schema(responses={200: s.RecusalSerializer(many=True), **ERRORS})
    def get(self, request, pk):
        plan = _plan(request, pk)
        rows = (
            RecusalDeclaration.objects.filter(candidate__registrations__plan=plan)
            .select_related("evaluator", "candidate")
            .distinct()
            .order_by("pk")
        )
        return Response(s.RecusalSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.RecusalInputSerializer,
        responses={201: s.RecusalSerializer, **ERRORS},
        description="Record an evaluator's declared relation to a candidate of the plan; staffing refuses "
        "the person for the plan's sittings from then on. 400: unknown relation, or already declared; "
        "403: not the body's operator; 404: a person or registration outside the plan's scope.",
        examples=[
            OpenApiExample(
                "a relative",
                value={"evaluator": 118, "registration": 5021, "relation": "relative", "note": "表兄弟"},
                request_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request, pk):
        plan = _plan(request, pk)
        data = valid(s.RecusalInputSerializer, request)
        registration = selectors.one_visible(
            Registration.objects.filter(plan=plan).select_related("candidate"),
            request.user,
            data["registration"],
        )
        evaluator = _pool_member(request, plan, data["evaluator"])
        declaration = svc.recusal_declare(
            actor=request.user,
            plan=plan,
            evaluator=evaluator,
            candidate=registration.candidate,
            relation=data["relation"],
            note=data["note"],
        )
        return Response(s.RecusalSerializer(declaration).data, status=status.HTTP_201_CREATED)
