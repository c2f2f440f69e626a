"""What an integrating system needs to fill in the other requests: the occupation levels a line can be
(with their assessment parts), the bodies it may plan for with their filed lines, and the experts a
municipal reviewer may seat on a panel."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.filters import StrictFilterSet
from api.views.common import ERRORS
from filing import access, selectors
from filing.models import FiledLine, OccupationLevel


class OfferingFilter(StrictFilterSet):
    occupation = django_filters.CharFilter(field_name="occupation__code")
    q = django_filters.CharFilter(method="search", label="occupation or work type name contains")

    class Meta:
        model = OccupationLevel
        fields = ["occupation", "level"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(occupation__name__icontains=value) | Q(work_type__name__icontains=value))


class OfferingList(generics.ListAPIView):
    """``GET /offerings/?occupation=6-18-01-01&level=4&q=车工``"""

    serializer_class = s.OfferingSerializer
    filterset_class = OfferingFilter
    ordering_fields = ["level", "occupation__code"]

    def get_queryset(self):
        return OccupationLevel.objects.select_related("occupation", "work_type").order_by(
            "occupation__code", "work_type__name", "-level", "pk"
        )


class BodyList(generics.ListAPIView):
    """The evaluation bodies the caller may see (its own for an operator, all for the city), each with its
    filed lines."""

    serializer_class = s.BodySerializer
    filterset_fields = ["status", "category"]
    ordering_fields = ["id", "filed_on", "name"]

    def get_queryset(self):
        return (
            selectors.bodies_visible_to(self.request.user)
            .select_related("organisation")
            .prefetch_related(
                Prefetch(
                    "lines",
                    queryset=FiledLine.objects.select_related(
                        "offering__occupation", "offering__work_type"
                    ).order_by("pk"),
                )
            )
            .order_by("pk")
        )


class ExpertList(APIView):
    """Experts a municipal reviewer may seat on a panel (active, in the expert role). Empty for others."""

    @extend_schema(responses={200: s.ExpertSerializer(many=True), **ERRORS})
    def get(self, request):
        if not access.is_municipal_reviewer(request.user):
            return Response([])
        rows = [
            {"id": u.pk, "name": u.get_full_name() or u.get_username(), "username": u.get_username()}
            for u in selectors.experts_available()
        ]
        return Response(s.ExpertSerializer(rows, many=True).data)
