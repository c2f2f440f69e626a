"""Annual task lists over the API: the same services and scope as the pages
(``filing.services.annual_tasks``, ``selectors.task_lists_visible_to``), and the indicator registry."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.views.common import ERRORS, valid
from filing import access, indicators, selectors
from filing.models import Organisation
from filing.services import annual_tasks as svc

ACTIONS = ("submit", "confirm", "return", "assess", "confirm_target")


class IndicatorList(APIView):
    """The indicator registry: each code, label, unit and whether it is computed or reported."""

    pagination_class = None

    @extend_schema(responses={200: s.IndicatorSerializer(many=True)})
    def get(self, request):
        if not svc.may_view_task_lists(request.user):
            raise exceptions.NotFound()
        rows = [
            {
                "code": i.code,
                "label": str(i.label),
                "unit": str(i.unit),
                "reported": i.reported,
                "applies_to": i.applies_to,
            }
            for i in indicators.REGISTRY.values()
        ]
        return Response(s.IndicatorSerializer(rows, many=True).data)


class TaskListList(generics.ListAPIView):
    """The task lists you see: your college's, your district's, the city's, or your oversight scope."""

    serializer_class = s.TaskListSerializer
    filterset_fields = ["status", "year", "organisation"]
    ordering_fields = ["id", "year"]

    def get_queryset(self):
        return (
            selectors.task_lists_visible_to(self.request.user)
            .prefetch_related("targets__evidence")
            .order_by("-pk")
        )

    @extend_schema(
        request=s.TaskListCreateSerializer,
        responses={201: s.TaskListSerializer, **ERRORS},
        description="A draft by the new-type college's 经办人 or 法定代表人. 400: an unknown or repeated "
        "indicator, a negative target, a year other than last, this or next year, a list for the year "
        "already; 404: not your college.",
    )
    def post(self, request):
        data = dict(valid(s.TaskListCreateSerializer, request))
        own = access.organisation_ids(request.user, *svc.COLLEGE_ROLES)
        organisation = Organisation.objects.filter(pk=data["organisation"], pk__in=own).first()
        if organisation is None:
            raise exceptions.NotFound()
        task_list = svc.task_list_create(
            actor=request.user,
            organisation=organisation,
            year=data["year"],
            targets=[dict(t) for t in data["targets"]],
        )
        return Response(s.TaskListSerializer(task_list).data, status=status.HTTP_201_CREATED)


class TaskListDetail(APIView):
    @extend_schema(responses={200: s.TaskListSerializer, **ERRORS})
    def get(self, request, pk):
        task_list = selectors.one_visible(selectors.task_lists_visible_to(request.user), request.user, pk)
        return Response(s.TaskListSerializer(task_list).data)

    @extend_schema(
        request=s.TaskListUpdateSerializer,
        responses={200: s.TaskListSerializer, **ERRORS},
        description="Replace the targets of a draft or returned list. 409: submitted already, or stale.",
    )
    def put(self, request, pk):
        task_list = selectors.one_visible(selectors.task_lists_visible_to(request.user), request.user, pk)
        data = valid(s.TaskListUpdateSerializer, request)
        task_list = svc.task_list_update(
            actor=request.user,
            task_list=task_list,
            targets=[dict(t) for t in data["targets"]],
            version=data.get("version"),
        )
        return Response(s.TaskListSerializer(task_list).data)


class TaskListAction(APIView):
    @extend_schema(
        operation_id="v1_task_lists_action",
        request=s.TaskListActionSerializer,
        responses={200: s.TaskListSerializer, **ERRORS},
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTIONS))],
        description="`submit` and `assess` (with `text`, from 1 December) by the college; `confirm` and "
        "`return` (with `reason`) by the district's reviewer, then the city's; `confirm_target` (with "
        "`target`) confirms a reported value. A value is reported with its evidence on the page (a file). "
        "403: not your step; 409: not in a state for it.",
    )
    def post(self, request, pk, action):
        if action not in ACTIONS:
            raise exceptions.NotFound()
        task_list = selectors.one_visible(selectors.task_lists_visible_to(request.user), request.user, pk)
        data = valid(s.TaskListActionSerializer, request)
        user, version = request.user, data.get("version")
        if action == "submit":
            svc.task_list_submit(actor=user, task_list=task_list, version=version)
        elif action == "confirm":
            svc.task_list_confirm(actor=user, task_list=task_list, version=version)
        elif action == "return":
            svc.task_list_return(actor=user, task_list=task_list, reason=data.get("reason"), version=version)
        elif action == "assess":
            svc.task_list_assess(actor=user, task_list=task_list, text=data.get("text"), version=version)
        else:
            svc.target_confirm(actor=user, task_list=task_list, target_pk=data.get("target"))
        task_list.refresh_from_db()
        return Response(s.TaskListSerializer(task_list).data)
