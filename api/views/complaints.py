"""Complaints (投诉) over the API: the public files one in two steps like an objection (details → a code to
the contact → the code files it and gives its number); the city lists and reads them. Handling is a task
(``handle_complaint``) decided through ``POST /api/v1/tasks/<pk>/decide/``."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.filters import StrictFilterSet
from api.views.common import ERRORS, example, valid
from filing import ratelimit, selectors
from filing.errors import Invalid
from filing.models import Complaint, ComplaintStatus
from filing.services import complaints as svc
from workflows.serializers import StrictInput, id_field


class ComplaintInput(StrictInput):
    body = serializers.CharField(max_length=20, help_text="The body's code (机构代码), see `GET /bodies/`.")
    sitting_date = serializers.DateField(required=False, allow_null=True, default=None)
    sitting_room = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=60)
    contact = serializers.CharField(max_length=80)
    text = serializers.CharField(max_length=svc.MAX_TEXT)
    anonymous = serializers.BooleanField(required=False, default=False)


class ComplaintConfirmInput(StrictInput):
    challenge = id_field()
    code = serializers.CharField(max_length=12)


class ComplaintReceipt(serializers.ModelSerializer):
    """What the complainant is told: the number, nothing about anyone."""

    class Meta:
        model = Complaint
        fields = ["number", "status", "received_at"]


class ComplaintSerializer(serializers.ModelSerializer):
    body_code = serializers.CharField(source="body.code", read_only=True)
    body_name = serializers.CharField(source="body.name", read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "body",
            "body_code",
            "body_name",
            "sitting",
            "sitting_date",
            "sitting_room",
            "name",
            "contact_masked",
            "anonymous",
            "text",
            "status",
            "received_at",
            "findings",
            "answer",
            "dismiss_reason",
            "rectification",
            "closed_at",
        ]
        read_only_fields = fields


class ComplaintFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=ComplaintStatus.choices)

    class Meta:
        model = Complaint
        fields = ["status", "body"]


class ComplaintList(generics.ListAPIView):
    """The complaints the caller may handle (the city's reviewers; empty for anyone else):
    ``?status=&body=``. ``POST`` is public: step 1 of a complaint (a code is sent to the contact)."""

    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else super().get_permissions()

    def get_authenticators(self):
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_queryset(self):
        return svc.complaints_for_city(self.request.user).order_by("-received_at", "-pk")

    @extend_schema(
        request=ComplaintInput,
        responses={202: s.ChallengeSerializer, **ERRORS, 429: s.ErrorSerializer},
        description="Public, step 1: the complaint's details; a code is sent to the contact. Step 2 is "
        "`POST /complaints/confirm/`. 400: incomplete, unknown body code or contact; 409: too many codes "
        "for this contact or too many open complaints about this body.",
        examples=[
            example(
                "a complaint about a sitting",
                {
                    "body": "S000031000001",
                    "sitting_date": "2026-11-20",
                    "sitting_room": "A101",
                    "name": "王五",
                    "contact": "wang@example.cn",
                    "text": "考场未核验身份证件",
                    "anonymous": True,
                },
            )
        ],
    )
    def post(self, request):
        if not ratelimit.hit(request, "complaint", 5, 3600):
            raise exceptions.Throttled(wait=3600)
        data = dict(valid(ComplaintInput, request))
        body = svc.body_by_code(data.pop("body"))
        if body is None:
            message = _("请选择已备案的评价机构。")
            raise Invalid(message, errors={"body": [message]})
        challenge = svc.complaint_start(body=body, **data)
        return Response(s.ChallengeSerializer(challenge).data, status=status.HTTP_202_ACCEPTED)


class ComplaintConfirm(APIView):
    """Public, step 2: the code sent to the contact files the complaint; the answer is its number."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=ComplaintConfirmInput,
        responses={201: ComplaintReceipt, **ERRORS, 429: s.ErrorSerializer},
    )
    def post(self, request):
        if not ratelimit.hit(request, "complaint-confirm", 20, 3600):
            raise exceptions.Throttled(wait=3600)
        data = valid(ComplaintConfirmInput, request)
        complaint = svc.complaint_confirm(challenge_id=data["challenge"], code=data["code"])
        return Response(ComplaintReceipt(complaint).data, status=status.HTTP_201_CREATED)


class ComplaintDetail(APIView):
    """One complaint the caller may handle (404 otherwise)."""

    @extend_schema(responses={200: ComplaintSerializer, **ERRORS})
    def get(self, request, pk):
        complaint = selectors.one_visible(svc.complaints_for_city(request.user), request.user, pk)
        return Response(ComplaintSerializer(complaint).data)
