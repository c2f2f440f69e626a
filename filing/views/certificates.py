"""Certificate pages: issue a plan's certificates (idempotent), watch the batch, download PDFs, revoke,
reissue, correct; statistics (the national report: ``filing.views.national``)."""

from __future__ import annotations

import csv
import io
import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from filing import access, pdf, selectors, statistics
from filing.errors import DomainError, Invalid
from filing.exports import safe_cell
from filing.listing import Column, FilteredListMixin, ListSpec
from filing.models import Certificate, CertificateStatus, IssuanceBatch, RevocationStatus
from filing.selectors import certificates_visible_to
from filing.services import certificates as svc
from filing.services import issuance, photos
from filing.views.base import error_response, messages_from, visible_or_404

CERTIFICATE_LIST = ListSpec(
    # The holder's name and the certificate number; never the ID number (only its masked form is stored).
    search=("number", "holder_name", "occupation_name", "body_name"),
    search_label=gettext_lazy("证书编号、姓名或职业"),
    status_choices=CertificateStatus.choices,
    date_field="issue_date",
    date_label=gettext_lazy("发证日期"),
    sorts={
        "newest": (gettext_lazy("发证日期（新的在前）"), ("-issue_date", "number", "-version")),
        "oldest": (gettext_lazy("发证日期（早的在前）"), ("issue_date", "number", "-version")),
        "number": (gettext_lazy("按证书编号"), ("number", "-version")),
        "name": (gettext_lazy("按姓名"), ("holder_name", "number")),
    },
    default_sort="newest",
    columns=[
        Column(gettext_lazy("证书编号"), lambda c: c.number),
        Column(gettext_lazy("版本"), lambda c: c.version),
        Column(gettext_lazy("姓名"), lambda c: c.holder_name),
        Column(gettext_lazy("证件号码"), lambda c: c.document_masked),
        Column(gettext_lazy("职业"), lambda c: c.occupation_name),
        Column(gettext_lazy("工种"), lambda c: c.work_type),
        Column(gettext_lazy("等级"), lambda c: c.level_label),
        Column(gettext_lazy("评价机构"), lambda c: c.body_name),
        Column(gettext_lazy("发证日期"), lambda c: c.issue_date),
        Column(gettext_lazy("状态"), lambda c: c.get_status_display()),
    ],
    filename="certificates",
)


class CertificateListView(FilteredListMixin, ListView):
    template_name = "filing/certificate_list.html"
    context_object_name = "certificates"
    spec = CERTIFICATE_LIST

    def scoped_queryset(self):
        qs = certificates_visible_to(self.request.user)
        # The old ?number= link (an exact certificate number) keeps working.
        number = self.request.GET.get("number", "").strip()[:40]
        return qs.filter(number=number) if number else qs


class IssueView(View):
    """GET: the confirmation (how many certificates, for which plan, what cannot be undone), carrying a fresh
    idempotency key; POST: ask for the plan's certificates with that key."""

    def get(self, request, plan_pk):
        plan = visible_or_404(selectors.plans_visible_to(request.user), request, plan_pk)
        if not access.operates_body(request.user, plan.body):
            raise Http404
        passed = plan.registrations.filter(status="passed").count()
        missing = list(photos.missing_photos(plan)[:200])
        return render(
            request,
            "filing/confirm.html",
            {
                "title": _("发放证书"),
                "object_label": plan.title,
                "object_detail": f"{plan.body.name} · {plan.line.offering} · "
                + _("合格 %(n)d 人") % {"n": passed},
                "consequence": _(
                    "将为 %(n)d 名合格考生各发放一本职业技能等级证书并编号。证书编号一经发放不再收回，"
                    "发放后只能补发、更正或撤销，且将报送全国联网查询。"
                )
                % {"n": passed},
                "button": _("确认发放 %(n)d 本证书") % {"n": passed},
                "danger": False,
                "action_url": request.path,
                "back_url": reverse("plans:detail", args=[plan.pk]),
                # A fresh key per confirmation: a double click or a resubmitted form creates no second batch.
                "hidden": {"idempotency_key": f"plan-{plan.pk}-{uuid.uuid4().hex}"},
                "blockers": [
                    _("第%(row)s行 %(name)s") % {"row": r.row_number or "—", "name": r.candidate.name}
                    for r in missing
                ],
                "blockers_title": _(
                    "以下合格考生尚未上传证书照片，上传后才能发证（或在计划中设为免交照片）："
                ),
            },
        )

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
        batch = visible_or_404(selectors.batches_visible_to(request.user), request, pk)
        try:
            content = pdf.archive(certificates_visible_to(request.user).filter(batch=batch))
        except DomainError as exc:  # no signing key configured
            return error_response(request, exc)
        response = HttpResponse(content, content_type="application/zip")
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
                new = svc.certificate_reissue(actor=request.user, certificate=self.certificate, reason=reason)
                return redirect("certificates:detail", pk=new.pk)
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
    """The stored, signed PDF of the current version; a revoked or superseded one is a signed copy stamped
    so; one not rendered yet (the worker is behind) is rendered in memory for this download only — a GET
    writes nothing."""

    def get(self, request, pk):
        certificate = visible_or_404(certificates_visible_to(request.user), request, pk)
        try:
            content = pdf.current_pdf(certificate)
        except DomainError as exc:  # no signing key configured
            return error_response(request, exc)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{pdf.file_name(certificate)}"'
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
