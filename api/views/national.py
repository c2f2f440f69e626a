"""The national report over the API, for the city's assessment centre only: list and export, the sealed
file (age ciphertext), whole-report acknowledgement and the national system's answer file."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.views.common import ERRORS, valid
from filing import access, selectors
from filing.errors import Invalid
from filing.models import NationalReport
from filing.services import national


def _visible(user):
    return (
        NationalReport.objects.all() if access.is_municipal_reviewer(user) else NationalReport.objects.none()
    )


def _report(request, pk) -> NationalReport:
    return selectors.one_visible(_visible(request.user), request.user, pk)


class NationalReportList(generics.ListAPIView):
    serializer_class = s.NationalReportSerializer
    filterset_fields = ["state"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return _visible(self.request.user).order_by("-created_at")

    @extend_schema(request=None, responses={201: s.NationalReportSerializer, **ERRORS})
    def post(self, request):
        return Response(
            s.NationalReportSerializer(national.report_export(actor=request.user)).data,
            status=status.HTTP_201_CREATED,
        )


class NationalReportFile(APIView):
    """The sealed report (age, X25519): decrypt with the recipient's identity."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request, pk):
        report = _report(request, pk)
        response = HttpResponse(national.report_file(report), content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{report.file_name}"'
        return response


class NationalReportAcknowledge(APIView):
    """The national system confirmed receipt of the whole report: every unanswered record is acknowledged."""

    @extend_schema(request=s.EmptyInput, responses={200: s.NationalReportSerializer, **ERRORS})
    def post(self, request, pk):
        valid(s.EmptyInput, request)
        report = national.report_acknowledge(actor=request.user, report=_report(request, pk))
        return Response(s.NationalReportSerializer(report).data)


class NationalAnswers(APIView):
    """The national system's answer file (CSV 证书编号, 版本, 结果, 原因; docs/national-report.md): every row
    is applied or none; row errors come back as 400 with ``errors.file``."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.NationalAnswersUploadSerializer},
        responses={200: s.NationalAnswersResultSerializer, **ERRORS},
    )
    def post(self, request):
        if not access.is_municipal_reviewer(request.user):
            # Same answer as the file and acknowledge endpoints for a role that may not see reports.
            return Response(
                {"error": "not_found", "message": _("不存在。"), "errors": {}},
                status=status.HTTP_404_NOT_FOUND,
            )
        upload = valid(s.NationalAnswersUploadSerializer, request)["file"]
        limit = settings.NATIONAL_ANSWER_MAX_BYTES
        if upload.size > limit:
            message = _("文件超过 %(n)d 字节的上限。") % {"n": limit}
            raise Invalid(message, errors={"file": [message]})
        result = national.answers_import(
            actor=request.user, data=upload.read(limit + 1), file_name=upload.name
        )
        return Response(s.NationalAnswersResultSerializer(result).data)
