"""The roster (考生名册): upload with its all-or-nothing report, the template, the report download, the
audited reveal of one full ID number, and the candidates' certificate photos."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView

from filing import forms
from filing.errors import DomainError, Invalid
from filing.exports import safe_cell
from filing.models import Registration, RosterImport
from filing.roster import MAX_UPLOAD_BYTES, template_xlsx
from filing.services import photos as photo_svc
from filing.services import roster as roster_svc
from filing.views.base import error_response, posted_pk
from filing.views.plans import PlanMixin


class RosterUploadView(PlanMixin, FormView):
    template_name = "filing/form.html"
    form_class = forms.RosterUploadForm
    extra_context = {"title": _("导入考生名册"), "multipart": True}

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", _("文件超过10MB。"))
            return self.form_invalid(form)
        try:
            record = roster_svc.roster_import(
                actor=self.request.user, plan=self.plan, file_name=upload.name, data=upload.read()
            )
        except DomainError as exc:
            return error_response(self.request, exc)
        if record.outcome == RosterImport.Outcome.REJECTED:
            messages.error(
                self.request,
                _("名册有误，整份文件未导入，共%(n)d处错误，请下载错误报告。") % {"n": len(record.report)},
            )
        else:
            messages.success(self.request, _("已导入%(n)d名考生。") % {"n": record.rows})
        return redirect("plans:detail", pk=self.plan.pk)


class RosterTemplateView(View):
    def get(self, request):
        response = HttpResponse(
            template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = (
            "attachment; filename*=UTF-8''%E8%80%83%E7%94%9F%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx"
        )
        return response


class RosterReportView(PlanMixin, View):
    def get(self, request, pk, import_pk):
        record = get_object_or_404(RosterImport, pk=import_pk, plan=self.plan)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in roster_svc.report_rows(record):
            writer.writerow([safe_cell(c) for c in row])
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="roster-report-{record.pk}.csv"'
        return response


class RevealView(PlanMixin, View):
    """Shows one full ID number to a permitted user, once, with an audit entry; never in a URL."""

    def post(self, request, pk):
        try:
            registration = get_object_or_404(
                Registration, pk=posted_pk(request.POST.get("registration")), plan=self.plan
            )
            number = roster_svc.reveal_document_number(actor=request.user, registration=registration)
        except DomainError as exc:
            return error_response(request, exc)
        response = render(
            request, "filing/reveal.html", {"plan": self.plan, "registration": registration, "number": number}
        )
        response["Cache-Control"] = "no-store"
        return response


class PhotoUploadView(PlanMixin, View):
    """The operator uploads one candidate's certificate photo from the plan's candidate list (POST only)."""

    def post(self, request, pk):
        try:
            registration = get_object_or_404(
                Registration.objects.select_related("candidate"),
                pk=posted_pk(request.POST.get("registration")),
                plan=self.plan,
            )
        except DomainError as exc:
            return error_response(request, exc)
        upload = request.FILES.get("photo")
        try:
            if upload is None:
                raise Invalid(_("请选择照片文件。"))
            data = upload.read(photo_svc.MAX_PHOTO_BYTES + 1)
            photo_svc.registration_photo_upload(actor=request.user, registration=registration, data=data)
        except Invalid as exc:
            messages.error(request, f"{registration.candidate.name}：{exc.message}")
        except DomainError as exc:
            return error_response(request, exc)
        else:
            messages.success(request, _("已保存%(name)s的证书照片。") % {"name": registration.candidate.name})
        return redirect("plans:detail", pk=self.plan.pk)
