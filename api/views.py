"""API endpoints. Each one scopes through the same selectors as the pages and calls one service; errors
come back in one format (api.errors)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from filing import access, ratelimit, selectors, verification
from filing.models import (
    FilingApplication,
    FilingLine,
    IssuanceBatch,
    Major,
    NationalReport,
    OccupationLevel,
    Organisation,
    Registration,
)
from filing.roles import Role
from filing.services import applications as app_svc
from filing.services import certificates as cert_svc
from filing.services import national, plans, review, roster
from filing.views.certificates import certificates_visible_to
from workflows import services as wf

ERRORS = {400: s.ErrorSerializer, 403: s.ErrorSerializer, 404: s.ErrorSerializer, 409: s.ErrorSerializer}


def _public_throttle(request) -> None:
    if not ratelimit.hit(request, "verify", getattr(settings, "VERIFY_RATE_PER_MINUTE", 30), 60):
        raise exceptions.Throttled(wait=60)


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- organisations --------------------------------------------------------------------------------------


class OrganisationList(generics.ListAPIView):
    serializer_class = s.OrganisationSerializer

    def get_queryset(self):
        user = self.request.user
        qs = Organisation.objects.select_related("district").order_by("pk")
        if access.is_municipal_reviewer(user) or access.has_role(user, Role.AUDITOR):
            return qs
        districts = access.reviewer_district_ids(user)
        return qs.filter(pk__in=access.organisation_ids(user)) | qs.filter(district_id__in=districts)


class MajorList(generics.ListAPIView):
    serializer_class = s.MajorSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Major.objects.none()
        org = get_object_or_404(OrganisationList(request=self.request).get_queryset(), pk=self.kwargs["pk"])
        return (
            Major.objects.filter(organisation=org)
            .prefetch_related("occupation_links__occupation")
            .order_by("code")
        )


# --- applications ---------------------------------------------------------------------------------------


def _application(request, pk) -> FilingApplication:
    return app_svc.get_application_for(request.user, pk)


class ApplicationList(generics.ListAPIView):
    serializer_class = s.ApplicationSerializer
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        return (
            selectors.applications_visible_to(self.request.user)
            .prefetch_related("lines__offering__occupation", "lines__offering__work_type", "lines__majors")
            .order_by("-created_at")
        )

    @extend_schema(request=s.ApplicationCreateSerializer, responses={201: s.ApplicationSerializer, **ERRORS})
    def post(self, request):
        data = _valid(s.ApplicationCreateSerializer, request)
        application = app_svc.application_create(actor=request.user, **data)
        return Response(s.ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class ApplicationDetail(APIView):
    @extend_schema(responses={200: s.ApplicationSerializer, **ERRORS})
    def get(self, request, pk):
        return Response(s.ApplicationSerializer(_application(request, pk)).data)

    @extend_schema(request=s.ApplicationUpdateSerializer, responses={200: s.ApplicationSerializer, **ERRORS})
    def patch(self, request, pk):
        data = dict(_valid(s.ApplicationUpdateSerializer, request))
        version = data.pop("version")
        application = app_svc.application_update(
            actor=request.user, application=_application(request, pk), version=version, **data
        )
        return Response(s.ApplicationSerializer(application).data)


class LineCreate(APIView):
    @extend_schema(request=s.LineInputSerializer, responses={201: s.LineSerializer, **ERRORS})
    def post(self, request, pk):
        application = _application(request, pk)
        data = _valid(s.LineInputSerializer, request)
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
        data = _valid(s.LineInputSerializer, request)
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

    @extend_schema(
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer, **ERRORS},
    )
    def post(self, request, pk):
        data = _valid(s.AttachmentUploadSerializer, request)
        attachment = app_svc.attachment_upload(
            actor=request.user,
            application=_application(request, pk),
            kind=data["kind"],
            uploaded_file=data["file"],
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class ApplicationAction(APIView):
    """POST /applications/{id}/{sign|submit|withdraw|respond}/"""

    action = ""

    @extend_schema(request=s.CommentSerializer, responses={200: s.ApplicationSerializer, **ERRORS})
    def post(self, request, pk):
        application = _application(request, pk)
        version = request.data.get("version")
        if self.action == "sign":
            result = app_svc.application_sign_commitment(
                actor=request.user, application=application, version=version
            )
        elif self.action == "submit":
            result = app_svc.application_submit(actor=request.user, application=application, version=version)
        elif self.action == "withdraw":
            result = app_svc.application_withdraw(
                actor=request.user, application=application, reason=str(request.data.get("reason", ""))
            )
        else:
            result = app_svc.application_respond(
                actor=request.user,
                application=application,
                comment=str(request.data.get("comment", "")),
                version=version,
            )
        return Response(s.ApplicationSerializer(result).data)


# --- tasks ----------------------------------------------------------------------------------------------


def _task_row(task) -> dict:
    process = task.process
    application = getattr(getattr(process, "filingreviewprocess", None), "application_id", None)
    plan = getattr(getattr(process, "planprocess", None), "plan_id", None)
    return {
        "id": task.pk,
        "node": task.flow_task.name,
        "title": str(task.flow_task.task_title),
        "status": task.status,
        "owner": task.owner.get_username() if task.owner_id else None,
        "application": application,
        "plan": plan,
    }


class TaskList(APIView):
    @extend_schema(responses={200: s.TaskSerializer(many=True)})
    def get(self, request):
        lists = wf.tasks_visible_to(request.user)
        tasks = list(lists["inbox"]) + list(lists["queue"])
        return Response([_task_row(t) for t in tasks])


class TaskAction(APIView):
    action = ""

    @extend_schema(request=s.TransferSerializer, responses={200: s.TaskSerializer, **ERRORS})
    def post(self, request, pk):
        task = wf.get_task_for(request.user, pk)
        if self.action == "claim":
            wf.task_claim(actor=request.user, task_pk=task.pk)
        elif self.action == "release":
            wf.task_release(actor=request.user, task_pk=task.pk)
        else:
            data = _valid(s.TransferSerializer, request)
            wf.task_transfer(
                actor=request.user, task_pk=task.pk, to_user_pk=data["to_user"], reason=data["reason"]
            )
        task.refresh_from_db()
        return Response(_task_row(task))


class TaskDecide(APIView):
    @extend_schema(request=s.TaskDecisionSerializer, responses={200: s.TaskSerializer, **ERRORS})
    def post(self, request, pk):
        task = wf.get_task_for(request.user, pk)
        data = _valid(s.TaskDecisionSerializer, request)
        node, user = wf.node_name(task), request.user
        if node in wf.REVIEW_NODES:
            wf.task_review(
                actor=user,
                task_pk=pk,
                outcome=data.get("outcome", ""),
                comment=data.get("comment", ""),
                correction_items=[dict(i) for i in data.get("items", [])],
                correction_deadline=data.get("deadline"),
            )
        elif node == "expert_panel":
            wf.task_assign_panel(actor=user, task_pk=pk, experts=data.get("experts", []))
        elif node == "expert_score" and data.get("conflict_reason"):
            wf.task_expert_conflict(actor=user, task_pk=pk, reason=data["conflict_reason"])
        elif node == "expert_score":
            wf.task_expert_score(
                actor=user, task_pk=pk, scores={r["line"]: dict(r) for r in data.get("scores", [])}
            )
        elif node == "decision":
            wf.task_decide(
                actor=user,
                task_pk=pk,
                comment=data.get("comment", ""),
                line_decisions={r["line"]: dict(r) for r in data.get("line_decisions", [])},
            )
        elif node in ("confirm_plan", "audit_results"):
            call = wf.task_plan_review if node == "confirm_plan" else wf.task_results_audit
            call(actor=user, task_pk=pk, approve=bool(data.get("approve")), comment=data.get("comment", ""))
        else:
            raise exceptions.NotFound()
        task.refresh_from_db()
        return Response(_task_row(task))


# --- publicity (public) ---------------------------------------------------------------------------------


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
        data = _valid(s.ObjectionInputSerializer, request)
        application = get_object_or_404(FilingApplication, pk=pk, status="publicity")
        objection = review.objection_file(application=application, **data)
        return Response(s.ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


# --- plans ----------------------------------------------------------------------------------------------


def _plan(request, pk):
    return get_object_or_404(selectors.plans_visible_to(request.user), pk=pk)


class PlanList(generics.ListAPIView):
    serializer_class = s.PlanSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.plans_visible_to(self.request.user).prefetch_related("sittings").order_by("-pk")

    @extend_schema(request=s.PlanCreateSerializer, responses={201: s.PlanSerializer, **ERRORS})
    def post(self, request):
        from filing.models import FiledLine

        data = _valid(s.PlanCreateSerializer, request)
        line = get_object_or_404(
            FiledLine.objects.filter(body__in=selectors.bodies_operated_by(request.user)), pk=data["line"]
        )
        plan = plans.plan_create(
            actor=request.user,
            body=line.body,
            line=line,
            title=data["title"],
            expected_headcount=data["expected_headcount"],
            first_sitting_on=data["first_sitting_on"],
        )
        return Response(s.PlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetail(APIView):
    @extend_schema(responses={200: s.PlanSerializer, **ERRORS})
    def get(self, request, pk):
        return Response(s.PlanSerializer(_plan(request, pk)).data)


class SittingCreate(APIView):
    @extend_schema(request=s.SittingInputSerializer, responses={201: s.SittingSerializer, **ERRORS})
    def post(self, request, pk):
        sitting = plans.sitting_add(
            actor=request.user, plan=_plan(request, pk), **_valid(s.SittingInputSerializer, request)
        )
        return Response(s.SittingSerializer(sitting).data, status=status.HTTP_201_CREATED)


PLAN_ACTIONS = {
    "file": plans.plan_file,
    "open_registration": plans.plan_open_registration,
    "close_registration": plans.plan_close_registration,
    "start": plans.plan_start,
    "finish_sittings": plans.plan_finish_sittings,
    "publish_results": plans.plan_publish_results,
    "submit_results": plans.plan_submit_results,
}


class PlanAction(APIView):
    @extend_schema(
        request=s.ReasonSerializer,
        responses={200: s.PlanSerializer, **ERRORS},
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=[*PLAN_ACTIONS, "cancel"])],
    )
    def post(self, request, pk, action):
        plan = _plan(request, pk)
        if action == "cancel":
            plan = plans.plan_cancel(
                actor=request.user, plan=plan, reason=str(request.data.get("reason", ""))
            )
        elif action in PLAN_ACTIONS:
            plan = PLAN_ACTIONS[action](actor=request.user, plan=plan)
        else:
            raise exceptions.NotFound()
        return Response(s.PlanSerializer(plan).data)


class RosterUpload(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.RosterUploadSerializer},
        responses={201: s.RosterImportSerializer, 422: s.RosterImportSerializer, **ERRORS},
    )
    def post(self, request, pk):
        upload = _valid(s.RosterUploadSerializer, request)["file"]
        record = roster.roster_import(
            actor=request.user, plan=_plan(request, pk), file_name=upload.name, data=upload.read()
        )
        code = (
            status.HTTP_201_CREATED if record.outcome == "accepted" else status.HTTP_422_UNPROCESSABLE_ENTITY
        )
        return Response(s.RosterImportSerializer(record).data, status=code)


class RegistrationList(generics.ListAPIView):
    serializer_class = s.RegistrationSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        plan = _plan(self.request, self.kwargs["pk"])
        return (
            plan.registrations.select_related("candidate", "major")
            .prefetch_related("scores")
            .order_by("row_number", "pk")
        )


class ScoreEntry(APIView):
    @extend_schema(request=s.ScoreInputSerializer, responses={200: s.RegistrationSerializer, **ERRORS})
    def post(self, request, pk):
        plan = _plan(request, pk)
        data = _valid(s.ScoreInputSerializer, request)
        registration = get_object_or_404(Registration, pk=data["registration"], plan=plan)
        plans.score_enter(
            actor=request.user,
            registration=registration,
            part=data["part"],
            score=data.get("score"),
            absent=data["absent"],
            disqualified=data["disqualified"],
        )
        return Response(s.RegistrationSerializer(registration).data)


# --- certificates ---------------------------------------------------------------------------------------


class BatchCreate(APIView):
    @extend_schema(request=s.BatchRequestSerializer, responses={202: s.BatchSerializer, **ERRORS})
    def post(self, request, pk):
        data = _valid(s.BatchRequestSerializer, request)
        batch = cert_svc.issuance_request(
            actor=request.user,
            plan=_plan(request, pk),
            idempotency_key=data["idempotency_key"],
            issue_date=data.get("issue_date"),
        )
        return Response(s.BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class BatchDetail(APIView):
    @extend_schema(responses={200: s.BatchSerializer, **ERRORS})
    def get(self, request, pk):
        batch = get_object_or_404(IssuanceBatch, pk=pk, plan__in=selectors.plans_visible_to(request.user))
        return Response(s.BatchSerializer(batch).data)


class CertificateList(generics.ListAPIView):
    serializer_class = s.CertificateSerializer
    filterset_fields = ["status", "number", "level", "report_state"]

    def get_queryset(self):
        return certificates_visible_to(self.request.user).order_by("-issue_date", "number", "-version")


class CertificateAction(APIView):
    action = ""

    @extend_schema(request=s.CertificateActionSerializer, responses={200: s.CertificateSerializer, **ERRORS})
    def post(self, request, pk):
        certificate = get_object_or_404(certificates_visible_to(request.user), pk=pk)
        reason = str(request.data.get("reason", ""))
        if self.action == "revoke":
            result = cert_svc.certificate_revoke(
                actor=request.user,
                certificate=certificate,
                reason=reason,
                authority=str(request.data.get("authority", "")),
            )
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
