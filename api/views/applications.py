"""Organisations, majors and filing applications (the applicant's side) over the API."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.filters import StrictFilterSet
from api.idempotency import idempotent
from api.views.common import APPLICATION_EXAMPLE, ERRORS, IDEMPOTENCY_KEY, LINE_EXAMPLE, valid
from filing import access, selectors
from filing.models import (
    Attachment,
    Correction,
    FilingApplication,
    FilingLine,
    Major,
    Objection,
    OccupationLevel,
)
from filing.services import applications as app_svc
from filing.services import attachments, corrections, publicity, review


class OrganisationList(generics.ListAPIView):
    serializer_class = s.OrganisationSerializer
    filterset_fields = ["kind", "district"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        return selectors.organisations_visible_to(self.request.user)


class MajorList(generics.ListAPIView):
    serializer_class = s.MajorSerializer
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Major.objects.none()
        org = get_object_or_404(OrganisationList(request=self.request).get_queryset(), pk=self.kwargs["pk"])
        return (
            Major.objects.filter(organisation=org)
            .prefetch_related("occupation_links__occupation")
            .order_by("code")
        )


def _application(request, pk) -> FilingApplication:
    return app_svc.get_application_for(request.user, pk)


class ApplicationFilter(StrictFilterSet):
    submitted_after = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")
    q = django_filters.CharFilter(method="search", label="number or organisation name contains")

    class Meta:
        model = FilingApplication
        fields = ["status", "kind", "organisation"]

    def search(self, queryset, name, value):
        return selectors.search_applications(queryset, value)


class ApplicationList(generics.ListAPIView):
    """``?status=&kind=&organisation=&submitted_after=&submitted_before=&q=&ordering=-submitted_at``"""

    serializer_class = s.ApplicationSerializer
    filterset_class = ApplicationFilter
    ordering_fields = ["id", "created_at", "submitted_at", "status"]

    def get_queryset(self):
        return (
            selectors.applications_visible_to(self.request.user)
            .prefetch_related(
                "lines__offering__occupation",
                "lines__offering__work_type",
                "lines__majors",
                Prefetch(
                    "attachments",
                    queryset=Attachment.objects.filter(superseded_at__isnull=True),
                    to_attr="current_attachments",
                ),
                Prefetch(
                    "corrections",
                    queryset=Correction.objects.filter(state=Correction.State.OPEN).order_by("-round"),
                    to_attr="open_corrections",
                ),
            )
            .order_by("-created_at")
        )

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.ApplicationCreateSerializer,
        responses={201: s.ApplicationSerializer, **ERRORS},
        examples=[APPLICATION_EXAMPLE],
        description="A new draft of the organisation's clerk. 400: invalid input; 403: not a clerk of that "
        "organisation, or an extension or change without a filed body of the category.",
    )
    @idempotent
    def post(self, request):
        data = valid(s.ApplicationCreateSerializer, request)
        application = app_svc.application_create(actor=request.user, **data)
        return Response(s.ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class ApplicationDetail(APIView):
    @extend_schema(responses={200: s.ApplicationSerializer, **ERRORS})
    def get(self, request, pk):
        return Response(s.ApplicationSerializer(_application(request, pk)).data)

    @extend_schema(request=s.ApplicationUpdateSerializer, responses={200: s.ApplicationSerializer, **ERRORS})
    def patch(self, request, pk):
        data = dict(valid(s.ApplicationUpdateSerializer, request))
        version = data.pop("version")
        application = app_svc.application_update(
            actor=request.user, application=_application(request, pk), version=version, **data
        )
        return Response(s.ApplicationSerializer(application).data)


class LineCreate(APIView):
    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=s.LineInputSerializer,
        responses={201: s.LineSerializer, **ERRORS},
        examples=[LINE_EXAMPLE],
        description="Add a line to a draft (or to an application returned with a new line ticked). 400: "
        "an offering not allowed or withdrawn, a major of another organisation, a college line without a "
        "major; 403: not the clerk; 404: an unknown offering; 409: not editable now, or a stale `version`.",
    )
    @idempotent
    def post(self, request, pk):
        application = _application(request, pk)
        data = valid(s.LineInputSerializer, request)
        offering = get_object_or_404(OccupationLevel, pk=data.get("offering") or 0)
        line = app_svc.line_add(
            actor=request.user,
            application=application,
            offering=offering,
            majors=list(Major.objects.filter(pk__in=data.get("majors", []))),
            venue=data.get("venue", ""),
            equipment=data.get("equipment", ""),
            evaluator_pool=data.get("evaluator_pool", ""),
            version=data.get("version"),
        )
        return Response(s.LineSerializer(line).data, status=status.HTTP_201_CREATED)


class LineDetail(APIView):
    def _line(self, request, pk, line_pk) -> FilingLine:
        return get_object_or_404(FilingLine, pk=line_pk, application=_application(request, pk))

    @extend_schema(request=s.LineInputSerializer, responses={200: s.LineSerializer, **ERRORS})
    def patch(self, request, pk, line_pk):
        data = valid(s.LineInputSerializer, request)
        majors = list(Major.objects.filter(pk__in=data["majors"])) if "majors" in request.data else None
        line = app_svc.line_update(
            actor=request.user,
            line=self._line(request, pk, line_pk),
            majors=majors,
            venue=data.get("venue"),
            equipment=data.get("equipment"),
            evaluator_pool=data.get("evaluator_pool"),
            version=data.get("version"),
        )
        return Response(s.LineSerializer(line).data)

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, pk, line_pk):
        app_svc.line_remove(
            actor=request.user,
            line=self._line(request, pk, line_pk),
            version=request.query_params.get("version"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentUpload(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: s.AttachmentVersionSerializer(many=True), **ERRORS})
    def get(self, request, pk):
        """Every file of the application, current and earlier versions (replaced or removed)."""
        application = _application(request, pk)
        files = application.attachments.order_by("kind", "-uploaded_at", "-pk")
        return Response(s.AttachmentVersionSerializer(files, many=True).data)

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request, pk):
        data = valid(s.AttachmentUploadSerializer, request)
        attachment = attachments.attachment_upload(
            actor=request.user,
            application=_application(request, pk),
            kind=data["kind"],
            uploaded_file=data["file"],
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDetail(APIView):
    """Remove (DELETE) a current file; the file is kept in the version history."""

    @extend_schema(request=None, responses={200: s.AttachmentVersionSerializer, **ERRORS})
    def delete(self, request, pk, attachment_pk):
        attachment = attachments.attachment_remove(
            actor=request.user, application=_application(request, pk), pk=attachment_pk
        )
        return Response(s.AttachmentVersionSerializer(attachment).data)


class AttachmentReplace(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.AttachmentReplaceSerializer},
        responses={201: s.AttachmentSerializer, **ERRORS},
    )
    def post(self, request, pk, attachment_pk):
        data = valid(s.AttachmentReplaceSerializer, request)
        attachment = attachments.attachment_replace(
            actor=request.user,
            application=_application(request, pk),
            pk=attachment_pk,
            uploaded_file=data["file"],
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


#: action -> (input, service call)
APPLICATION_ACTIONS = {
    "sign": (
        s.VersionInput,
        lambda user, app, d: app_svc.application_sign_commitment(
            actor=user, application=app, version=d.get("version")
        ),
    ),
    "submit": (
        s.VersionInput,
        lambda user, app, d: app_svc.application_submit(
            actor=user, application=app, version=d.get("version")
        ),
    ),
    "withdraw": (
        s.WithdrawInput,
        lambda user, app, d: app_svc.application_withdraw(actor=user, application=app, reason=d["reason"]),
    ),
    "extend": (
        s.ReasonSerializer,
        lambda user, app, d: review.clock_extend(actor=user, application=app, reason=d["reason"]),
    ),
    "respond": (
        s.CommentSerializer,
        lambda user, app, d: app_svc.application_respond(
            actor=user, application=app, comment=d["comment"], version=d.get("version")
        ),
    ),
}


class ApplicationAction(APIView):
    """POST /applications/{id}/{sign|submit|withdraw|respond|extend}/ (extend: the municipal unit lead's one
    extension of the statutory clock, with a reason)"""

    action = ""

    def get_serializer_class(self):  # for the schema
        return APPLICATION_ACTIONS[self.action][0]

    @extend_schema(responses={200: s.ApplicationSerializer, **ERRORS})
    def post(self, request, pk):
        application = _application(request, pk)
        input_class, call = APPLICATION_ACTIONS[self.action]
        result = call(request.user, application, valid(input_class, request))
        return Response(s.ApplicationSerializer(result).data)


class ObjectionList(APIView):
    """The objections to an application: all fields for the authority; for the applicant, no objector."""

    @extend_schema(responses={200: s.ObjectionReviewSerializer(many=True)})
    def get(self, request, pk):
        application = _application(request, pk)
        objections = application.objections.order_by("pk")
        if access.acts_as_authority(request.user, application.organisation_id):
            return Response(s.ObjectionReviewSerializer(objections, many=True).data)
        return Response(s.ObjectionSerializer(objections, many=True).data)


class ObjectionDecide(APIView):
    @extend_schema(request=s.ObjectionDecisionInput, responses={200: s.ObjectionReviewSerializer, **ERRORS})
    def post(self, request, pk, objection_pk):
        application = _application(request, pk)
        publicity.require_objection_authority(request.user, application, "objection.decide")
        objection = get_object_or_404(Objection, pk=objection_pk, application=application)
        data = valid(s.ObjectionDecisionInput, request)
        decided = publicity.objection_decide(
            actor=request.user, objection=objection, upheld=data["upheld"], reason=data["reason"]
        )
        return Response(s.ObjectionReviewSerializer(decided).data)


class ObjectionsDismiss(APIView):
    @extend_schema(
        request=s.ObjectionTriageInput, responses={200: s.ObjectionReviewSerializer(many=True), **ERRORS}
    )
    def post(self, request, pk):
        application = _application(request, pk)
        publicity.require_objection_authority(request.user, application, "objection.dismiss")
        data = valid(s.ObjectionTriageInput, request)
        done = publicity.objections_dismiss(
            actor=request.user, application=application, objections=data["objections"], reason=data["reason"]
        )
        return Response(s.ObjectionReviewSerializer(done, many=True).data)


class CorrectionList(APIView):
    """Every return for correction of an application, newest first; for its reviewers, the last answered
    round carries what the applicant changed (the same comparison the review page shows)."""

    @extend_schema(responses={200: s.CorrectionRoundSerializer(many=True), **ERRORS})
    def get(self, request, pk):
        application = _application(request, pk)
        rounds = list(application.corrections.order_by("-round"))
        changes = {}
        answered = corrections.last_answered(application)
        if answered is not None and access.reviews_application(request.user, application):
            changes[answered.pk] = corrections.changes_since(answered)
        return Response(s.CorrectionRoundSerializer(rounds, many=True, context={"changes": changes}).data)
