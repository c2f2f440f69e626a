"""Certificates over the API: issuance batches, the certificate list, revoke and reissue, the national
report."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.views.common import ERRORS, valid
from api.views.plans import _plan
from filing import access, selectors
from filing.models import Certificate, IssuanceBatch, NationalReport, ReportState
from filing.selectors import certificates_visible_to
from filing.services import certificates as cert_svc
from filing.services import issuance, national


class BatchCreate(APIView):
    @extend_schema(request=s.BatchRequestSerializer, responses={202: s.BatchSerializer, **ERRORS})
    def post(self, request, pk):
        data = valid(s.BatchRequestSerializer, request)
        batch = issuance.issuance_request(
            actor=request.user,
            plan=_plan(request, pk),
            idempotency_key=data["idempotency_key"],
            issue_date=data.get("issue_date"),
        )
        return Response(s.BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class BatchDetail(APIView):
    @extend_schema(responses={200: s.BatchSerializer, **ERRORS})
    def get(self, request, pk):
        batch = selectors.one_visible(
            IssuanceBatch.objects.filter(plan__in=selectors.plans_visible_to(request.user)), request.user, pk
        )
        return Response(s.BatchSerializer(batch).data)


class CertificateFilter(django_filters.FilterSet):
    report_state = django_filters.ChoiceFilter(choices=ReportState.choices, method="filter_report_state")

    class Meta:
        model = Certificate
        fields = ["status", "number", "level"]

    def filter_report_state(self, queryset, name, value):
        if value == ReportState.PENDING:
            return queryset.filter(report__isnull=True)
        return queryset.filter(report__state=value)


class CertificateList(generics.ListAPIView):
    serializer_class = s.CertificateSerializer
    filterset_class = CertificateFilter

    def get_queryset(self):
        return (
            certificates_visible_to(self.request.user)
            .select_related("report")
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


class NationalReportList(generics.ListAPIView):
    serializer_class = s.NationalReportSerializer

    def get_queryset(self):
        if not access.is_municipal_reviewer(self.request.user):
            return NationalReport.objects.none()
        return NationalReport.objects.order_by("-created_at")

    @extend_schema(request=None, responses={201: s.NationalReportSerializer, **ERRORS})
    def post(self, request):
        return Response(
            s.NationalReportSerializer(national.report_export(actor=request.user)).data,
            status=status.HTTP_201_CREATED,
        )
