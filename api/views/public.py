"""The public API (no login): applications under publicity, written objections, verification."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.views.common import ERRORS, valid
from filing import ratelimit, selectors, verification
from filing.models import FilingApplication
from filing.services import publicity


def _public_throttle(request) -> None:
    if not ratelimit.hit(request, "verify", getattr(settings, "VERIFY_RATE_PER_MINUTE", 30), 60):
        raise exceptions.Throttled(wait=60)


class PublicityList(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: s.PublicitySerializer(many=True)})
    def get(self, request):
        rows = []
        for a in selectors.publicity_list():
            rows.append(
                {
                    "id": a.pk,
                    "organisation": a.organisation.name,
                    "district": a.organisation.district.name,
                    "kind": str(a.get_kind_display()),
                    "publicity_starts_on": a.publicity_starts_on,
                    "publicity_ends_on": a.publicity_ends_on,
                    "lines": [
                        {
                            "occupation_code": line.offering.occupation.code,
                            "occupation_name": line.offering.occupation.name,
                            "work_type": line.offering.work_type.name if line.offering.work_type_id else "--",
                            "level": line.offering.level,
                        }
                        for line in a.lines.all()
                        if line.decision == "approved"
                    ],
                }
            )
        return Response(rows)


class ObjectionCreate(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=s.ObjectionInputSerializer,
        responses={201: s.ObjectionSerializer, **ERRORS, 429: s.ErrorSerializer},
    )
    def post(self, request, pk):
        if not ratelimit.hit(request, "objection", 5, 3600):
            raise exceptions.Throttled(wait=3600)
        data = valid(s.ObjectionInputSerializer, request)
        application = get_object_or_404(FilingApplication, pk=pk, status="publicity")
        objection = publicity.objection_file(application=application, **data)
        return Response(s.ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


class Verify(APIView):
    """Public, one-to-one: ?number=&name= or ?token=. The same answer for unknown and mismatched."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("number", str),
            OpenApiParameter("name", str),
            OpenApiParameter("token", str),
        ],
        responses={200: s.VerificationSerializer, 429: s.ErrorSerializer},
    )
    def get(self, request):
        _public_throttle(request)
        params = request.query_params
        if params.get("token"):
            result = verification.verify_by_token(params["token"])
        else:
            result = verification.verify_by_number(params.get("number", ""), params.get("name", ""))
        response = Response({"found": True, **result.__dict__} if result else {"found": False})
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "no-store"
        return response
