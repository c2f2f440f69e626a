"""The staff register (职工名册) and 人人持证 over the API: the same services and scope as the pages
(``filing.services.staff``, ``selectors.staff_visible_to``, ``filing.holding``)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.views.common import ERRORS, valid
from filing import holding, selectors
from filing.services import staff as svc


class StaffList(generics.ListAPIView):
    """The staff register entries you see: your enterprise's, or every enterprise's for the city."""

    serializer_class = s.StaffMemberSerializer
    filterset_fields = ["organisation", "skilled_post", "department", "employee_number"]
    ordering_fields = ["id", "employee_number", "hired_on"]

    def get_queryset(self):
        return selectors.staff_visible_to(self.request.user).order_by("pk")


class StaffDetail(APIView):
    @extend_schema(responses={200: s.StaffMemberSerializer, **ERRORS})
    def get(self, request, pk):
        member = selectors.one_visible(selectors.staff_visible_to(request.user), request.user, pk)
        return Response(s.StaffMemberSerializer(member).data)

    @extend_schema(
        request=s.StaffUpdateSerializer,
        responses={200: s.StaffMemberSerializer, **ERRORS},
        description="Correct one entry (the enterprise's operator or legal representative). 400 with the "
        "field: the same checks as a file row (a skilled post needs its occupation, 入职日期 not after "
        "today, 离职日期 after it); 403: the city reads only; 409: `version` is stale.",
    )
    def patch(self, request, pk):
        member = selectors.one_visible(selectors.staff_visible_to(request.user), request.user, pk)
        data = dict(valid(s.StaffUpdateSerializer, request))
        version = data.pop("version", None)
        member = svc.staff_update(actor=request.user, member=member, version=version, **data)
        return Response(s.StaffMemberSerializer(member).data)


class StaffUpload(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.StaffUploadSerializer},
        responses={201: s.StaffImportSerializer, 422: s.StaffImportSerializer, **ERRORS},
        description="A staff file (the template or the enterprise's own list, .xlsx or .csv ≤ 10 MB). 201: "
        "every row added (new 工号) or updated (known 工号). 422: rejected whole, nothing changed, with the "
        "per-row `report`. 404: not one of your enterprises; 403: not its operator or legal representative.",
    )
    def post(self, request):
        data = valid(s.StaffUploadSerializer, request)
        organisation = selectors.staff_enterprises_of(request.user).filter(pk=data["organisation"]).first()
        if organisation is None:
            raise exceptions.NotFound()
        upload = data["file"]
        record = svc.staff_import(
            actor=request.user, organisation=organisation, file_name=upload.name, data=upload.read()
        )
        code = (
            status.HTTP_201_CREATED if record.outcome == "accepted" else status.HTTP_422_UNPROCESSABLE_ENTITY
        )
        return Response(s.StaffImportSerializer(record).data, status=code)


class Holding(APIView):
    @extend_schema(
        parameters=[s.HoldingQuerySerializer],
        responses={200: s.HoldingSerializer, **ERRORS},
        description="人人持证 of one enterprise (`organisation`, default your first) on a day (`on`, default "
        "today, not after today): skilled-post staff employed then holding a valid certificate of their "
        "post's occupation; by department, by highest level, the last 12 month ends, and who holds none.",
    )
    def get(self, request):
        serializer = s.HoldingQuerySerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        query = serializer.validated_data
        enterprises = selectors.staff_enterprises_of(request.user).order_by("name")
        if "organisation" in query:
            enterprise = selectors.one_visible(enterprises, request.user, query["organisation"])
        else:
            enterprise = enterprises.first()
        if enterprise is None:
            raise exceptions.NotFound()
        on = min(query.get("on") or timezone.localdate(), timezone.localdate())
        figures = holding.holding(enterprise, on)

        def share(x):
            return {"staff": x.staff, "certified": x.certified, "percent": x.percent}

        data = {
            "organisation": enterprise.pk,
            "on": on,
            "total": share(figures.total),
            "departments": [{"department": name, **share(x)} for name, x in figures.departments],
            "levels": [
                {"level": lv, "label": label, "holders": n, "percent": p}
                for lv, label, n, p in figures.levels
            ],
            "trend": [{"on": day, **share(x)} for day, x in holding.trend(enterprise, on)],
            "without": figures.without,
        }
        return Response(s.HoldingSerializer(data).data)
