"""The city's dashboard (全市看板): every college side by side for the year, filings in review with their
clocks, plans and pass rates, certificates by month, district and level, coverage. Read-only; filtered by
year, district, kind and occupation; each table exportable to Excel; limited to the reader's scope
(``access.dashboard_organisations``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from filing import access, reports, statistics
from filing.errors import DomainError, Invalid
from filing.models import District, Occupation, OrganisationKind
from filing.services import yearly_reports
from filing.views.base import error_response, messages_from

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DashboardFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    district = forms.ModelChoiceField(
        label=_("区"), queryset=District.objects.order_by("code"), to_field_name="code", required=False
    )
    kind = forms.ChoiceField(
        label=_("单位类型"), choices=[("", _("全部"))] + list(OrganisationKind.choices), required=False
    )
    occupation = forms.ModelChoiceField(
        label=_("职业"),
        queryset=Occupation.objects.order_by("code"),
        to_field_name="code",
        required=False,
        help_text=_("职业筛选作用于备案申请、认定计划与证书；专业覆盖按院校计算，不按职业筛选。"),
    )

    def filters(self, today) -> statistics.Filters:
        data = self.cleaned_data if self.is_valid() else {}
        district, occupation = data.get("district"), data.get("occupation")
        return statistics.Filters(
            year=data.get("year") or today.year,
            district_id=district.pk if district else None,
            kind=data.get("kind") or "",
            occupation_id=occupation.pk if occupation else None,
        )


def scope_or_404(user):
    scope = access.dashboard_organisations(user)
    if scope is None:
        raise Http404
    return scope


class DashboardView(TemplateView):
    template_name = "filing/dashboard.html"

    def get(self, request, *args, **kwargs):
        scope = scope_or_404(request.user)
        today = timezone.localdate()
        form = DashboardFilterForm(request.GET or None)
        filters = form.filters(today)
        data = statistics.dashboard(scope, filters, today)
        tables = reports.tables(data)
        if request.GET.get("export") == "xlsx":
            wanted = request.GET.get("table", "")
            chosen = [t for t in tables if not wanted or t.key == wanted]
            if not chosen:
                raise Http404
            response = HttpResponse(reports.workbook(chosen), content_type=XLSX)
            name = f"dashboard-{filters.year}-{wanted or 'all'}-{reports.file_stamp()}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        query = request.GET.copy()
        query.pop("export", None)
        query.pop("table", None)
        context = self.get_context_data(
            form=form,
            filters=filters,
            data=data,
            tables=tables,
            charts=reports.chart_set(data),
            query=query.urlencode(),
            scope_label=scope_label(request.user),
            may_report=access.oversees_city(request.user),
        )
        return self.render_to_response(context)


def scope_label(user) -> str:
    from filing.roles import Role

    if access.oversees_city(user):
        return str(_("全市"))
    labels = []
    for m in access.memberships(user):
        if m.role in (Role.DISTRICT_LEADER, Role.EDUCATION_BUREAU):
            labels.append(str(Role(m.role).label))
        elif m.role == Role.STATE_ASSETS:
            labels.append(str(_("市国资委监管的国有企业")))
    return "、".join(labels)


class YearlyReportListView(TemplateView):
    """The yearly reports requested, their progress, and the form to request one (the city only)."""

    template_name = "filing/yearly_reports.html"

    def dispatch(self, request, *args, **kwargs):
        if not yearly_reports.may_request(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from filing.models import YearlyReport

        reports_ = YearlyReport.objects.defer("pdf", "xlsx").select_related("requested_by")[:20]
        return super().get_context_data(
            **kwargs,
            reports=reports_,
            year=timezone.localdate().year,
            pending=any(r.state == "pending" for r in reports_),
        )

    def post(self, request, *args, **kwargs):
        try:
            yearly_reports.yearly_report_request(actor=request.user, year=request.POST.get("year"))
        except Invalid as exc:
            for message in messages_from(exc):
                messages.error(request, message)
        except DomainError as exc:
            return error_response(request, exc)
        else:
            messages.success(request, _("年度报告正在后台生成，完成后可在下方下载。"))
        return redirect("dashboard:reports")


class YearlyReportFileView(View):
    def get(self, request, pk, fmt):
        from filing.models import YearlyReport

        if not yearly_reports.may_request(request.user) or fmt not in ("pdf", "xlsx"):
            raise Http404
        report = YearlyReport.objects.filter(pk=pk, state=YearlyReport.State.DONE).first()
        if report is None:
            raise Http404
        content = bytes(report.pdf if fmt == "pdf" else report.xlsx)
        response = HttpResponse(content, content_type="application/pdf" if fmt == "pdf" else XLSX)
        response["Content-Disposition"] = f'attachment; filename="yearly-report-{report.year}.{fmt}"'
        return response
