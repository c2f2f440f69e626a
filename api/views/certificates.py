"""Certificates over the API: issuance batches, the certificate list, revoke and reissue, statistics (the
national report: ``api.views.national``)."""

from __future__ import annotations

import django_filters
from django.db.models import F
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.filters import StrictFilterSet
from api.idempotency import key as idempotency_key
from api.views.common import BATCH_EXAMPLE, ERRORS, IDEMPOTENCY_KEY, valid
from api.views.plans import _plan
from filing import access, pdf, selectors, statistics
from filing.errors import Denied, Invalid
from filing.models import Certificate, IssuanceBatch, ReportState
from filing.selectors import certificates_visible_to
from filing.services import certificates as cert_svc
from filing.services import issuance
from filing.views.credentials import credential_response


class BatchCreate(APIView):
    """The batch's own key (``idempotency_key`` in the body, or the ``Idempotency-Key`` header) makes a
    repeated request return the same batch (the issuance service keeps it). The answer is the batch as it
    is once the request has committed: with tasks run in-process, already issued."""

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.BatchRequestSerializer,
        responses={202: s.BatchSerializer, **ERRORS},
        examples=[BATCH_EXAMPLE],
        description="202: the batch as it is after the request (a repeated key answers the same batch). "
        "400: no key; 403: not the body's operator; 409: the plan's results are not confirmed, the plan "
        "already has a batch, or an issue date before the confirmation (the date it waits for is given).",
    )
    def post(self, request, pk):
        data = valid(s.BatchRequestSerializer, request)
        key = data.get("idempotency_key") or idempotency_key(request)
        if not key:
            message = _("请提供幂等键（请求体 idempotency_key 或请求头 Idempotency-Key）。")
            raise Invalid(message, errors={"idempotency_key": [message]})
        batch = issuance.issuance_request(
            actor=request.user,
            plan=_plan(request, pk),
            idempotency_key=key[:80],
            issue_date=data.get("issue_date"),
        )
        batch.refresh_from_db()
        return Response(s.BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class BatchDetail(APIView):
    @extend_schema(responses={200: s.BatchSerializer, **ERRORS})
    def get(self, request, pk):
        batch = selectors.one_visible(
            IssuanceBatch.objects.filter(plan__in=selectors.plans_visible_to(request.user)), request.user, pk
        )
        return Response(s.BatchSerializer(batch).data)


class CertificateFilter(StrictFilterSet):
    report_state = django_filters.ChoiceFilter(choices=ReportState.choices, method="filter_report_state")
    issued_after = django_filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    issued_before = django_filters.DateFilter(field_name="issue_date", lookup_expr="lte")
    occupation = django_filters.CharFilter(field_name="occupation_code")

    class Meta:
        model = Certificate
        fields = ["status", "number", "level", "batch"]

    def filter_report_state(self, queryset, name, value):
        if value == ReportState.PENDING:
            return queryset.filter(report__isnull=True)
        # The answer to the record that carries the certificate's latest change (filing.NationalRecord).
        return queryset.filter(national_records__report=F("report"), national_records__result=value)


class CertificateList(generics.ListAPIView):
    """``?status=&number=&level=&occupation=&batch=&report_state=&issued_after=&issued_before=&ordering=``"""

    serializer_class = s.CertificateSerializer
    filterset_class = CertificateFilter
    ordering_fields = ["issue_date", "number", "version", "status"]

    def get_queryset(self):
        return (
            certificates_visible_to(self.request.user)
            .prefetch_related("national_records")
            .order_by("-issue_date", "number", "-version")
        )


class CertificateAction(APIView):
    action = ""

    @extend_schema(request=s.CertificateActionSerializer, responses={200: s.CertificateSerializer, **ERRORS})
    def post(self, request, pk):
        certificate = selectors.one_visible(certificates_visible_to(request.user), request.user, pk)
        data = valid(s.CertificateActionSerializer, request)
        reason = data["reason"]
        if self.action == "revoke":
            # A request for the authority's decision (the revocation task), not a revocation.
            revocation = cert_svc.revocation_request(
                actor=request.user,
                certificate=certificate,
                reason=reason,
                authority=data.get("authority", ""),
            )
            return Response(s.RevocationRequestSerializer(revocation).data, status=status.HTTP_202_ACCEPTED)
        else:
            result = cert_svc.certificate_reissue(actor=request.user, certificate=certificate, reason=reason)
        return Response(s.CertificateSerializer(result).data)


class CertificateDetail(APIView):
    """One certificate with every version of its number and the verification address its QR code carries."""

    @extend_schema(responses={200: s.CertificateDetailSerializer, **ERRORS})
    def get(self, request, pk):
        certificate = selectors.one_visible(certificates_visible_to(request.user), request.user, pk)
        return Response(s.CertificateDetailSerializer(certificate).data)


class CertificatePdf(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request, pk):
        certificate = selectors.one_visible(certificates_visible_to(request.user), request.user, pk)
        response = HttpResponse(pdf.current_pdf(certificate), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf.file_name(certificate)}"'
        return response


class CertificateCredential(APIView):
    """The version's W3C Verifiable Credential as a compact JWS (``docs/verification.md``)."""

    @extend_schema(responses={(200, "application/vc+jwt"): OpenApiTypes.STR, **ERRORS})
    def get(self, request, pk):
        certificate = selectors.one_visible(
            certificates_visible_to(request.user).select_related("registration__candidate", "body"),
            request.user,
            pk,
        )
        return credential_response(certificate)


class BatchZip(APIView):
    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request, pk):
        batch = selectors.one_visible(selectors.batches_visible_to(request.user), request.user, pk)
        content = pdf.archive(certificates_visible_to(request.user).filter(batch=batch))
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="certificates-batch-{batch.pk}.zip"'
        return response


class Statistics(APIView):
    """The figures of the statistics page (``filing.statistics``), for the city's reviewers and auditors."""

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="issue year (all years without it)")],
        responses={200: s.StatisticsSerializer, **ERRORS},
    )
    def get(self, request):
        if not access.oversees_city(request.user):
            raise Denied(
                _("只有市级审核人员和审计人员可以查看统计。"), actor=request.user, action="statistics.view"
            )
        raw = request.query_params.get("year", "")
        year = None
        if raw:
            if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
                message = _("年份须为2000至2100之间的整数。")
                raise Invalid(message, errors={"year": [message]})
            year = int(raw)
        stats = statistics.certificate_statistics(year)
        body = {
            "year": year,
            "total": stats["total"],
            "revoked": stats["revoked"],
            "by_body": [
                {"key": r["body_name"], "name": r["body_name"], "n": r["n"]} for r in stats["by_body"]
            ],
            "by_occupation": [
                {"key": r["occupation_code"], "name": r["occupation_name"], "n": r["n"]}
                for r in stats["by_occupation"]
            ],
            "by_level": [
                {"key": r["level_label"], "name": r["level_label"], "n": r["n"]} for r in stats["by_level"]
            ],
            "by_month": [
                {"key": r["month"].strftime("%Y-%m") if r["month"] else "", "name": "", "n": r["n"]}
                for r in stats["by_month"]
            ],
        }
        return Response(s.StatisticsSerializer(body).data)
