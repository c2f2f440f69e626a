"""Evaluation bodies over the API: the public catalogue (no login; the page's filters) and, for the city and
the body's own people, the supervision record and every supervision action the record page offers (the same
table, ``filing.services.body_actions``, and the same services)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.filters import StrictPagination
from api.views.common import ERRORS, valid
from filing import selectors
from filing.models import FiledLine, RectificationOrder, SpotCheckDraw, SupervisionReport
from filing.services import body_actions, supervision_reports
from filing.services.photos import MAX_PHOTO_BYTES
from filing.views.catalogue import CatalogueFilter, body_by_code


class CatalogueList(generics.ListAPIView):
    """The public catalogue: ``?q=`` (name or code), ``?occupation=`` (code or name), ``?category=Y|S``,
    ``?status=``; a bad filter value is ignored."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = s.CatalogueBodySerializer
    filter_backends: list = []
    pagination_class = StrictPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("occupation", str),
            OpenApiParameter("category", str, enum=["Y", "S"]),
            OpenApiParameter("status", str),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        """A bad filter value is a 400 naming it (the page ignores it instead)."""
        params = {k: v for k, v in self.request.query_params.lists() if k != "page"}
        values = {}
        if params:
            repeated = {k: [_("每个参数只能出现一次。")] for k, v in params.items() if len(v) > 1}
            if repeated:
                raise exceptions.ValidationError(repeated)
            form = CatalogueFilter({k: v[0] for k, v in params.items()})
            if not form.is_valid():
                raise exceptions.ValidationError(form.errors)
            values = form.values()
        return selectors.catalogue(**values).prefetch_related(
            "lines__offering__occupation", "lines__offering__work_type"
        )


class PublishedSpotChecks(generics.ListAPIView):
    """双随机一公开: the published draws with their seeds, candidate lists and exclusions (enough to recompute
    each with ``filing.services.spot_checks.compute``) and each drawn body's result."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = s.PublishedDrawSerializer
    filter_backends: list = []
    pagination_class = StrictPagination

    def get_queryset(self):
        return SpotCheckDraw.objects.filter(published_at__isnull=False).prefetch_related(
            "checks__body", "checks__inspectors"
        )


class CatalogueDetail(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: s.CatalogueBodySerializer, 404: s.ErrorSerializer})
    def get(self, request, code):
        body = body_by_code(code)
        data = s.CatalogueBodySerializer(body).data
        data["decisions"] = s.BodyDecisionSerializer(body.decisions.all(), many=True).data
        return Response(data)


class BodyList(generics.ListAPIView):
    """The bodies on your record: every body for the city's reviewers, supervisors and auditors; your own
    for a body's operators and legal representative."""

    serializer_class = s.SupervisedBodySerializer
    filterset_fields = ["status", "category"]
    ordering_fields = ["serial", "filed_on"]

    def get_queryset(self):
        return (
            selectors.bodies_on_record_for(self.request.user)
            .prefetch_related(
                "lines__offering__occupation", "lines__offering__work_type", "rectifications", "decisions"
            )
            .order_by("serial")
        )


class BodyDetail(APIView):
    @extend_schema(responses={200: s.SupervisedBodySerializer, **ERRORS})
    def get(self, request, pk):
        body = selectors.one_visible(selectors.bodies_on_record_for(request.user), request.user, pk)
        return Response(s.SupervisedBodySerializer(body).data)


MODELS = {"order": RectificationOrder, "line": FiledLine}


def _target(request, table, pk):
    visible = selectors.bodies_on_record_for(request.user)
    if table == "body":
        return selectors.one_visible(visible, request.user, pk)
    return selectors.one_visible(MODELS[table].objects.filter(body__in=visible), request.user, pk)


def _described(table: str) -> str:
    return "; ".join(
        f"`{name}` ({action.side}: {', '.join(action.fields)})"
        for name, action in body_actions.TABLES[table].items()
    )


class SupervisionAction(APIView):
    table = "body"

    def post(self, request, pk, action):
        if action not in body_actions.TABLES[self.table]:
            raise exceptions.NotFound()
        obj = _target(request, self.table, pk)
        data = valid(s.SupervisionActionSerializer, request)
        body_actions.perform(request.user, self.table, action, obj, data)
        body = body_actions.body_of(obj)
        body.refresh_from_db()
        return Response(s.SupervisedBodySerializer(body).data)


def action_view(table: str):
    """One endpoint per object kind, its actions (and who takes them) in its schema description."""

    class View(SupervisionAction):
        pass

    def post(self, request, pk, action):
        return SupervisionAction.post(self, request, pk, action)

    View.table = table
    View.__name__ = f"{table.title()}SupervisionAction"
    View.post = extend_schema(
        operation_id=f"v1_supervision_{table}_action",
        request=s.SupervisionActionSerializer,
        responses={200: s.SupervisedBodySerializer, **ERRORS},
        parameters=[
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(body_actions.TABLES[table]))
        ],
        description=f"Actions: {_described(table)}. 400: a required field missing or a date not after "
        "today; 403: not your side (the city decides; the body answers and asks to exit); 404: outside your "
        "record; 409: the state does not allow it (e.g. open plans before an exit).",
    )(post)
    return View.as_view()


class SittingReport(APIView):
    """逢考必督: a sitting's supervision report — read by whoever sees the plan, filed once by a 督导员 after
    the sitting started (multipart, with an optional JPEG/PNG photo re-encoded without metadata)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def _sitting(self, request, pk, sitting_pk):
        plan = selectors.one_visible(selectors.plans_visible_to(request.user), request.user, pk)
        return selectors.one_visible(plan.sittings.all(), request.user, sitting_pk)

    @extend_schema(responses={200: s.SupervisionReportSerializer, **ERRORS})
    def get(self, request, pk, sitting_pk):
        sitting = self._sitting(request, pk, sitting_pk)
        report = SupervisionReport.objects.filter(sitting=sitting).first()
        if report is None:
            raise exceptions.NotFound()
        return Response(s.SupervisionReportSerializer(report).data)

    @extend_schema(
        request={"multipart/form-data": s.SupervisionReportInput},
        responses={201: s.SupervisionReportSerializer, **ERRORS},
        description="400: a count not a whole number, identity not checked without a reason, a serious "
        "problem without its description, a photo that is not a sound JPEG/PNG up to 2 MB; 403: not a "
        "督导员; 409: before the sitting started, after the results were confirmed, or filed already. A "
        "serious problem (`blocking`) opens a rectification order of the body; the plan's results cannot be "
        "confirmed until it is accepted.",
    )
    def post(self, request, pk, sitting_pk):
        sitting = self._sitting(request, pk, sitting_pk)
        data = dict(valid(s.SupervisionReportInput, request))
        upload = data.pop("photo", None)
        report = supervision_reports.report_file(
            actor=request.user,
            sitting=sitting,
            photo=upload.read(MAX_PHOTO_BYTES + 1) if upload else None,
            **data,
        )
        return Response(s.SupervisionReportSerializer(report).data, status=201)
