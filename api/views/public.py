"""The public API (no login): applications under publicity, written objections, verification."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.views.common import ERRORS, valid
from filing import ratelimit, selectors, verification
from filing.errors import Invalid
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


def _publicised(pk) -> FilingApplication:
    return get_object_or_404(FilingApplication, pk=pk, status="publicity")


class ObjectionCreate(APIView):
    """An identified objection, step 1: the objector's name, contact (e-mail or mobile) and text; a code is
    sent to the contact. Step 2 is ``…/objections/confirm/`` with the code."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=s.ObjectionInputSerializer,
        responses={202: s.ChallengeSerializer, **ERRORS, 429: s.ErrorSerializer},
    )
    def post(self, request, pk):
        if not ratelimit.hit(request, "objection", 5, 3600):
            raise exceptions.Throttled(wait=3600)
        data = valid(s.ObjectionInputSerializer, request)
        challenge = publicity.objection_start(application=_publicised(pk), **data)
        return Response(s.ChallengeSerializer(challenge).data, status=status.HTTP_202_ACCEPTED)


class ObjectionConfirm(APIView):
    """An identified objection, step 2: the code sent to the contact files the objection."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=s.ObjectionConfirmSerializer,
        responses={201: s.ObjectionSerializer, **ERRORS, 429: s.ErrorSerializer},
    )
    def post(self, request, pk):
        if not ratelimit.hit(request, "objection-confirm", 20, 3600):
            raise exceptions.Throttled(wait=3600)
        data = valid(s.ObjectionConfirmSerializer, request)
        objection = publicity.objection_confirm(
            application=_publicised(pk), challenge_id=data["challenge"], code=data["code"]
        )
        return Response(s.ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


class Verify(APIView):
    """Public, one-to-one. POST {number, name}: the name travels in the body, never in an address that
    access logs keep. GET ?token= for the QR code (the token names nobody). The same answer for unknown and
    mismatched."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @staticmethod
    def _answer(result):
        response = Response({"found": True, **result.__dict__} if result else {"found": False})
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True)],
        responses={200: s.VerificationSerializer, 400: s.ErrorSerializer, 429: s.ErrorSerializer},
    )
    def get(self, request):
        params = request.query_params
        if "name" in params or "number" in params:
            raise Invalid(_("证书编号和姓名请以POST提交，不要放在网址中。"))
        token = params.get("token", "")
        if not token:
            raise Invalid(_("请提供二维码中的查验码。"), errors={"token": [_("请提供二维码中的查验码。")]})
        _public_throttle(request)
        return self._answer(verification.verify_by_token(token[:200]))

    @extend_schema(
        request=s.VerifyInput,
        responses={200: s.VerificationSerializer, 400: s.ErrorSerializer, 429: s.ErrorSerializer},
    )
    def post(self, request):
        data = valid(s.VerifyInput, request)
        _public_throttle(request)
        return self._answer(verification.verify_by_number(data["number"], data["name"]))


class VerifyBulk(APIView):
    """An employer checks up to 20 (number, name) pairs in one request, each counted against the same
    per-client limit as single checks (the page's list check, over the API). Each answer is the one-to-one
    answer for its pair, in order; nothing is ever listed."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=s.VerifyBulkInput,
        responses={200: s.VerificationSerializer(many=True), 400: s.ErrorSerializer, 429: s.ErrorSerializer},
    )
    def post(self, request):
        items = valid(s.VerifyBulkInput, request)["items"]
        answers = []
        for item in items:
            _public_throttle(request)
            result = verification.verify_by_number(item["number"], item["name"])
            answers.append({"found": True, **result.__dict__} if result else {"found": False})
        response = Response(answers)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "no-store"
        return response


class VerifyPerson(APIView):
    """An employer checks one person by name + ID document (the national lookup's mode): which valid
    certificates they hold, or nothing. Posted, never in the address; counted against the verification
    limit; unknown person, wrong name and no valid certificate give the same answer."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=s.PersonCheckInput,
        responses={200: s.PersonCheckSerializer, 400: s.ErrorSerializer, 429: s.ErrorSerializer},
    )
    def post(self, request):
        data = valid(s.PersonCheckInput, request)
        _public_throttle(request)
        matches = verification.verify_person(data["name"], data["document_type"], data["number"])
        response = Response({"found": bool(matches), "certificates": [m.__dict__ for m in matches]})
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "no-store"
        return response
