"""Certificate pages: issue a plan's certificates (idempotent), watch the batch, download PDFs, revoke,
reissue, correct; the national report; statistics."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from filing import access, pdf, selectors, statistics
from filing.errors import DomainError, Invalid
from filing.exports import safe_cell
from filing.models import Certificate, CertificateStatus, IssuanceBatch, NationalReport, RevocationStatus
from filing.selectors import certificates_visible_to
from filing.services import certificates as svc
from filing.services import issuance, national
from filing.views.base import error_response, messages_from, posted_pk, visible_or_404


class CertificateListView(ListView):
    template_name = "filing/certificate_list.html"
    context_object_name = "certificates"
    paginate_by = 50

    def get_queryset(self):
        qs = certificates_visible_to(self.request.user)
        number = self.request.GET.get("number", "").strip()
        if number:
            qs = qs.filter(number=number)
        return qs.order_by("-issue_date", "number", "-version")


class IssueView(View):
    """POST from the plan page: ask for the plan's certificates with the page's idempotency key."""

    def post(self, request, plan_pk):
        plan = visible_or_404(selectors.plans_visible_to(request.user), request, plan_pk)
        try:
            batch = issuance.issuance_request(
                actor=request.user,
                plan=plan,
                idempotency_key=request.POST.get("idempotency_key") or str(uuid.uuid4()),
            )
        except Invalid as exc:
            messages.error(request, exc.message)
            return redirect("plans:detail", pk=plan.pk)
        except DomainError as exc:
            return error_response(request, exc)
        return redirect("certificates:batch", pk=batch.pk)


class BatchView(TemplateView):
    template_name = "filing/batch.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = visible_or_404(
            IssuanceBatch.objects.select_related("plan__body").filter(
                plan__in=selectors.plans_visible_to(self.request.user)
            ),
            self.request,
            self.kwargs["pk"],
        )
        done = issuance.progress(batch)
        context.update(
            batch=batch,
            done=done,
            percent=int(100 * done / batch.total) if batch.total else 100,
            rendered=batch.certificates.filter(pdf_version__isnull=False).count(),
        )
        return context


class BatchZipView(View):
    """The batch's PDFs, scoped like the certificates themselves (a role that may see plans but not
    certificates — a supervisor — gets nothing)."""

    def get(self, request, pk):
        batch = visible_or_404(
            IssuanceBatch.objects.filter(certificates__in=certificates_visible_to(request.user)).distinct(),
            request,
            pk,
        )
        certificates = certificates_visible_to(request.user).filter(batch=batch).exclude(pdf="")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for certificate in certificates:
                with certificate.pdf.open("rb") as handle:
                    archive.writestr(f"{certificate.number}-v{certificate.version}.pdf", handle.read())
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="certificates-batch-{batch.pk}.zip"'
        return response


class CertificateDetailView(View):
    template_name = "filing/certificate_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.certificate = visible_or_404(certificates_visible_to(request.user), request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        revocations = list(self.certificate.revocation_requests.order_by("-requested_at", "-pk"))
        return render(
            request,
            self.template_name,
            {
                "certificate": self.certificate,
                "history": Certificate.objects.filter(number=self.certificate.number).order_by("version"),
                "revocations": revocations,
                "pending": any(r.status == RevocationStatus.REQUESTED for r in revocations),
                "can_request_revocation": self.certificate.status == CertificateStatus.VALID
                and access.operates_body(request.user, self.certificate.body)
                and not any(r.status == RevocationStatus.REQUESTED for r in revocations),
            },
        )

    def post(self, request, pk):
        action, reason = request.POST.get("action"), request.POST.get("reason", "")
        try:
            if action == "request_revocation":
                svc.revocation_request(
                    actor=request.user,
                    certificate=self.certificate,
                    reason=reason,
                    authority=request.POST.get("authority", ""),
                )
            elif action == "reissue":
                svc.certificate_reissue(actor=request.user, certificate=self.certificate, reason=reason)
            elif action == "correct":
                changes = {
                    k: request.POST[k].strip()
                    for k in ("holder_name", "work_type")
                    if request.POST.get(k, "").strip()
                }
                new = svc.certificate_correct(
                    actor=request.user, certificate=self.certificate, reason=reason, **changes
                )
                return redirect("certificates:detail", pk=new.pk)
            else:
                raise Http404
        except Invalid as exc:
            for message in messages_from(exc):
                messages.error(request, message)
        except DomainError as exc:
            return error_response(request, exc)
        return redirect("certificates:detail", pk=self.certificate.pk)


class CertificatePdfView(View):
    """The stored PDF of the current version; one not rendered yet (the worker is behind) is rendered in
    memory for this download only — a GET writes nothing."""

    def get(self, request, pk):
        certificate = visible_or_404(certificates_visible_to(request.user), request, pk)
        filename = f"{certificate.number}-v{certificate.version}.pdf"
        if certificate.pdf and certificate.pdf_version == certificate.version:
            return FileResponse(certificate.pdf.open("rb"), content_type="application/pdf", filename=filename)
        response = HttpResponse(pdf.render(certificate), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response


class NationalReportView(View):
    template_name = "filing/national.html"

    def dispatch(self, request, *args, **kwargs):
        if not access.is_municipal_reviewer(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(
            request,
            self.template_name,
            {
                "reports": NationalReport.objects.all()[:50],
                "pending": Certificate.objects.filter(report__isnull=True).count(),
            },
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


class NationalReportDownloadView(View):
    def get(self, request, pk):
        if not access.is_municipal_reviewer(request.user):
            raise Http404
        report = get_object_or_404(NationalReport, pk=pk)
        response = HttpResponse("\ufeff" + report.content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="national-report-{report.pk}.csv"'
        return response


class StatisticsView(TemplateView):
    template_name = "filing/statistics.html"

    def dispatch(self, request, *args, **kwargs):
        if not access.oversees_city(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        stats = statistics.certificate_statistics()
        if request.GET.get("format") == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow([_("维度"), _("项目"), _("证书数")])
            for row in stats["by_body"]:
                writer.writerow([_("评价机构"), safe_cell(row["body_name"]), row["n"]])
            for row in stats["by_occupation"]:
                writer.writerow(
                    [_("职业"), f"{row['occupation_name']}（{row['occupation_code']}）", row["n"]]
                )
            for row in stats["by_level"]:
                writer.writerow([_("等级"), row["level_label"], row["n"]])
            for row in stats["by_month"]:
                writer.writerow([_("月份"), row["month"].strftime("%Y-%m") if row["month"] else "", row["n"]])
            response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="certificate-statistics.csv"'
            return response
        peak = max([r["n"] for r in stats["by_month"]] or [1])
        return render(request, self.template_name, {"stats": stats, "peak": peak})
