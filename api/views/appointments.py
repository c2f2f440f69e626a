"""特级技师 / 首席技师 评聘 over the API: the same services and scope as the pages
(``filing.services.appointments``, ``selectors.appointments_visible_to``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.views.common import ERRORS, valid
from filing import selectors
from filing.selectors import enterprise_bodies_of as enterprise_bodies
from filing.services import appointments as svc


class AppointmentList(generics.ListAPIView):
    """The appointments you see: your enterprise's, or every one for the city."""

    serializer_class = s.AppointmentSerializer
    filterset_fields = ["status", "grade", "body"]
    ordering_fields = ["id", "term_end"]

    def get_queryset(self):
        return selectors.appointments_visible_to(self.request.user).order_by("-pk")

    @extend_schema(
        request=s.AppointmentCreateSerializer,
        responses={201: s.AppointmentSerializer, **ERRORS},
        description="A draft proposal by the enterprise body's operator or legal representative. 400 "
        "with the field: not a valid 一级 certificate of that name in our register, an occupation without a "
        "一级 level, a live appointment of the grade already, a term not starting after today or longer "
        "than 5 years; 404: not one of your enterprise bodies.",
    )
    def post(self, request):
        data = dict(valid(s.AppointmentCreateSerializer, request))
        body = enterprise_bodies(request.user).filter(pk=data.pop("body")).first()
        if body is None:
            raise exceptions.NotFound()
        appointment = svc.appointment_create(actor=request.user, body=body, **data)
        return Response(s.AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


class AppointmentDetail(APIView):
    @extend_schema(responses={200: s.AppointmentSerializer, **ERRORS})
    def get(self, request, pk):
        appointment = selectors.one_visible(selectors.appointments_visible_to(request.user), request.user, pk)
        return Response(s.AppointmentSerializer(appointment).data)


class AppointmentAction(APIView):
    @extend_schema(
        operation_id="v1_appointments_action",
        request=s.AppointmentActionSerializer,
        responses={200: s.AppointmentSerializer, **ERRORS},
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(svc.ACTIONS))],
        description="`submit` / `withdraw` by the enterprise; `approve` (publicity starts) / `reject` with a "
        "`comment` by the city's reviewer. 403: not your side; 409: not in a state for it.",
    )
    def post(self, request, pk, action):
        if action not in svc.ACTIONS:
            raise exceptions.NotFound()
        appointment = selectors.one_visible(selectors.appointments_visible_to(request.user), request.user, pk)
        data = valid(s.AppointmentActionSerializer, request)
        appointment = svc.ACTIONS[action](request.user, appointment, data)
        appointment.refresh_from_db()
        return Response(s.AppointmentSerializer(appointment).data)
