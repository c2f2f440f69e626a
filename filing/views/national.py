"""The national report pages (技能人才评价证书全国联网查询): the municipal reviewers export the sealed report,
download its .age file, confirm a whole report or import the national system's answer file; the issuing
body's operators see the records sent back and queue them again."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from filing import access
from filing.errors import DomainError, Invalid
from filing.models import Certificate, EvaluationBody, NationalReport
from filing.roles import Role
from filing.services import national
from filing.views.base import error_response, posted_pk


class CityOnlyMixin:
    """Only the city's assessment centre sees national reports (the file holds full ID numbers)."""

    def dispatch(self, request, *args, **kwargs):
        if not access.is_municipal_reviewer(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class NationalReportView(CityOnlyMixin, View):
    template_name = "filing/national.html"

    def get(self, request):
        return self.page(request)

    def page(self, request, *, answer_errors=None, status=200):
        return render(
            request,
            self.template_name,
            {
                "reports": NationalReport.objects.all()[:50],
                "pending": Certificate.objects.filter(report__isnull=True).count(),
                "rejections": national.open_rejections().count(),
                "answer_errors": answer_errors,
                "max_bytes": settings.NATIONAL_ANSWER_MAX_BYTES,
            },
            status=status,
        )

    def post(self, request):
        try:
            if request.POST.get("acknowledge"):
                national.report_acknowledge(
                    actor=request.user,
                    report=get_object_or_404(NationalReport, pk=posted_pk(request.POST["acknowledge"])),
                )
            else:
                national.report_export(actor=request.user)
        except DomainError as exc:
            return error_response(request, exc)
        return redirect("certificates:national")


class NationalAnswersView(NationalReportView):
    """The national system's answer file (CSV 证书编号, 版本, 结果, 原因): all rows or none."""

    def post(self, request):
        upload = request.FILES.get("file")
        limit = settings.NATIONAL_ANSWER_MAX_BYTES
        if upload is None:
            return self.page(request, answer_errors=[_("请选择反馈文件。")], status=400)
        if upload.size > limit:
            message = _("文件超过 %(n)d 字节的上限。") % {"n": limit}
            return self.page(request, answer_errors=[message], status=400)
        try:
            result = national.answers_import(
                actor=request.user, data=upload.read(limit + 1), file_name=upload.name or ""
            )
        except Invalid as exc:
            return self.page(request, answer_errors=[exc.message, *exc.errors.get("file", [])], status=400)
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(
            request,
            _("已导入反馈：接收 %(a)d 条，退回 %(r)d 条（退回的记录已交发证机构处理）。")
            % {"a": result["accepted"], "r": result["rejected"]},
        )
        return redirect("certificates:national")


class NationalReportDownloadView(CityOnlyMixin, View):
    """The sealed file exactly as stored: decrypt it with the recipient's identity
    (``manage.py decrypt_national_report``)."""

    def get(self, request, pk):
        report = get_object_or_404(NationalReport, pk=pk)
        response = HttpResponse(national.report_file(report), content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{report.file_name}"'
        return response


def _rejection_bodies(user):
    """Municipal reviewers see every body's rejected records; a body's operators their own bodies'."""
    if access.is_municipal_reviewer(user):
        return None
    orgs = access.organisation_ids(user, Role.BODY_OPERATOR)
    if not orgs:
        raise Http404
    return EvaluationBody.objects.filter(organisation_id__in=orgs)


class RejectionListView(View):
    """全国联网退回: records the national system sent back, waiting for the body to correct (the
    certificate's correction) or to queue again as they are."""

    def get(self, request):
        return render(
            request,
            "filing/national_rejections.html",
            {
                "records": national.open_rejections(_rejection_bodies(request.user))[:200],
                "may_resubmit": not access.is_municipal_reviewer(request.user),
            },
        )


class RejectionResubmitView(View):
    def post(self, request, pk):
        bodies = _rejection_bodies(request.user)
        record = get_object_or_404(national.open_rejections(bodies), pk=pk)
        try:
            national.record_resubmit(actor=request.user, record=record)
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(request, _("证书%(n)s将随下一批全国联网数据重新上报。") % {"n": record.number})
        return redirect("certificates:national_rejections")
