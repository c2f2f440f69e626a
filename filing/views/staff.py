"""The enterprise's staff register (职工名册) pages — list, filter and export, correct one person, import a
file with its per-row report, the template — and the 人人持证 page (chart, departments, levels, the monthly
trend, the staff without a certificate, an Excel export). Scope: ``selectors.staff_visible_to``."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, ListView

from filing import holding, selectors
from filing.errors import DomainError
from filing.exports import safe_cell
from filing.listing import ChoiceFilter, Column, FilteredListMixin, ListSpec
from filing.models import Organisation, StaffImport
from filing.roster import MAX_UPLOAD_BYTES, staff_template_xlsx
from filing.services import staff as svc
from filing.views.base import DomainFormMixin, error_response, visible_or_404

STAFF_LIST = ListSpec(
    search=("name", "employee_number", "department", "post"),
    search_label=_("姓名、工号、部门或岗位"),
    status_field="skilled_post",
    status_label=_("岗位类别"),
    status_empty_label=_("全部岗位"),
    status_choices=[("True", _("技能岗位")), ("False", _("非技能岗位"))],
    date_field="hired_on",
    date_label=_("入职日期"),
    sorts={
        "department": (_("按部门、工号"), ("organisation__name", "department", "employee_number")),
        "hired": (_("入职日期（新→旧）"), ("-hired_on",)),
        "name": (_("姓名"), ("name",)),
    },
    default_sort="department",
    filters=(
        ChoiceFilter("department", _("部门"), "department", None),
        ChoiceFilter("occupation", _("职业编码"), "occupation__code", None),
    ),
    columns=[
        Column(_("企业"), lambda m: m.organisation.name),
        Column(_("工号"), lambda m: m.employee_number),
        Column(_("姓名"), lambda m: m.name),
        Column(_("证件号码"), lambda m: m.document_masked),
        Column(_("部门"), lambda m: m.department),
        Column(_("岗位"), lambda m: m.post),
        Column(_("技能岗位"), lambda m: _("是") if m.skilled_post else _("否")),
        Column(_("岗位对应职业"), lambda m: str(m.occupation or "")),
        Column(_("入职日期"), lambda m: m.hired_on),
        Column(_("离职日期"), lambda m: m.left_on),
        Column(_("从事本职业年限"), lambda m: str(m.years_in_occupation or "")),
    ],
    filename="staff",
)


def _require_register(user) -> None:
    if not selectors.staff_enterprises_of(user).exists():
        raise Http404


class StaffListView(FilteredListMixin, ListView):
    template_name = "filing/staff_list.html"
    context_object_name = "staff"

    spec = STAFF_LIST

    def dispatch(self, request, *args, **kwargs):
        _require_register(request.user)
        return super().dispatch(request, *args, **kwargs)

    def scoped_queryset(self):
        return selectors.staff_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_import"] = any(
            svc.manages_staff(self.request.user, org)
            for org in selectors.staff_enterprises_of(self.request.user)
        )
        return context


class StaffForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("姓名"), max_length=60)
    department = forms.CharField(label=_("部门"), max_length=60, required=False)
    post = forms.CharField(label=_("岗位"), max_length=60)
    skilled_post = forms.ChoiceField(label=_("技能岗位"), choices=[("是", _("是")), ("否", _("否"))])
    occupation = forms.CharField(
        label=_("岗位对应职业"),
        max_length=60,
        required=False,
        help_text=_("职业编码（如6-18-01-01）或职业目录中的名称；技能岗位必填。"),
    )
    hired_on = forms.CharField(label=_("入职日期"), help_text=_("YYYY-MM-DD，不晚于今天。"))
    left_on = forms.CharField(
        label=_("离职日期"),
        required=False,
        help_text=_("在职请留空；离职后填写，应晚于入职日期、不晚于今天。"),
    )
    years_in_occupation = forms.CharField(
        label=_("从事本职业年限"), required=False, max_length=10, help_text=_("0至60之间，如3或3.5。")
    )


class StaffDetailView(DomainFormMixin, FormView):
    """One person's entry; the enterprise's own people correct it here (the city reads it)."""

    template_name = "filing/staff_detail.html"
    form_class = StaffForm

    def dispatch(self, request, *args, **kwargs):
        self.member = visible_or_404(selectors.staff_visible_to(request.user), request, kwargs["pk"])
        self.may_edit = svc.manages_staff(request.user, self.member.organisation)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        m = self.member
        return {
            "version": m.version,
            "name": m.name,
            "department": m.department,
            "post": m.post,
            "skilled_post": "是" if m.skilled_post else "否",
            "occupation": m.occupation.code if m.occupation else "",
            "hired_on": m.hired_on.isoformat(),
            "left_on": m.left_on.isoformat() if m.left_on else "",
            "years_in_occupation": "" if m.years_in_occupation is None else str(m.years_in_occupation),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(member=self.member, may_edit=self.may_edit)
        return context

    def perform(self, form):
        data = dict(form.cleaned_data)
        version = data.pop("version")
        return svc.staff_update(actor=self.request.user, member=self.member, version=version, **data)

    def get_success_url(self):
        messages.success(self.request, _("已保存职工信息。"))
        return self.request.path


class StaffImportForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("企业"), queryset=Organisation.objects.none())
    file = forms.FileField(
        label=_("职工名册文件"), help_text=_("模板或企业自己的名单（.xlsx或.csv，不超过10MB）。")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        own = [o.pk for o in selectors.staff_enterprises_of(user) if svc.manages_staff(user, o)]
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=own)


class StaffImportView(FormView):
    template_name = "filing/staff_import.html"

    def dispatch(self, request, *args, **kwargs):
        _require_register(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return StaffImportForm(**self.get_form_kwargs(), user=self.request.user)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", _("文件超过10MB。"))
            return self.form_invalid(form)
        try:
            record = svc.staff_import(
                actor=self.request.user,
                organisation=form.cleaned_data["organisation"],
                file_name=upload.name,
                data=upload.read(),
            )
        except DomainError as exc:
            return error_response(self.request, exc)
        if record.outcome == StaffImport.Outcome.ACCEPTED:
            messages.success(
                self.request,
                _("已导入%(n)d名职工（新增%(c)d，更新%(u)d）。")
                % {"n": record.rows, "c": record.created, "u": record.updated},
            )
            return redirect("staff:index")
        response = self.render_to_response(self.get_context_data(form=form, record=record))
        response.status_code = 422
        return response


class StaffTemplateView(View):
    def get(self, request):
        response = HttpResponse(
            staff_template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            "attachment; filename*=UTF-8''%E8%81%8C%E5%B7%A5%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx"
        )
        return response


class OnForm(forms.Form):
    organisation = forms.IntegerField(required=False, min_value=1)
    on = forms.DateField(label=_("统计日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


def chosen_enterprise(request) -> tuple[Organisation, object]:
    """The enterprise (``?organisation=``, else the user's first) and the day (``?on=``, else today; not
    after today) of the 人人持证 page and export; an enterprise out of scope is a 404."""
    form = OnForm(request.GET)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    enterprises = selectors.staff_enterprises_of(request.user).order_by("name")
    enterprise = (
        visible_or_404(enterprises, request, data["organisation"])
        if data.get("organisation")
        else enterprises.first()
    )
    if enterprise is None:
        raise Http404
    today = timezone.localdate()
    return enterprise, min(data.get("on") or today, today), form


class HoldingView(View):
    def get(self, request):
        enterprise, on, form = chosen_enterprise(request)
        figures = holding.holding(enterprise, on)
        if request.GET.get("export") == "xlsx":
            return holding_xlsx(enterprise, figures)
        months = holding.trend(enterprise, on)
        return render(
            request,
            "filing/holding.html",
            {
                "enterprise": enterprise,
                "enterprises": selectors.staff_enterprises_of(request.user).order_by("name")[:200],
                "figures": figures,
                "trend": months,
                "form": form,
                "without": figures.without,
            },
        )


def holding_xlsx(enterprise: Organisation, figures: holding.Holding) -> HttpResponse:
    """The figure, by department, by level, and each counted person (ID numbers masked, cells escaped)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(title=str(_("人人持证")))
    summary.append([safe_cell(enterprise.name), str(_("统计日")), figures.on.isoformat()])
    summary.append([str(_("技能岗位职工")), str(_("持本职业有效证书")), str(_("持证率（%）"))])
    summary.append([figures.total.staff, figures.total.certified, figures.total.percent])
    summary.append([])
    summary.append([str(_("部门")), str(_("技能岗位职工")), str(_("持证")), str(_("持证率（%）"))])
    for name, share in figures.departments:
        summary.append([safe_cell(name), share.staff, share.certified, share.percent])
    summary.append([])
    summary.append([str(_("最高持证等级")), str(_("人数")), str(_("占技能岗位职工（%）"))])
    for _level, label, count, percent in figures.levels:
        summary.append([label, count, percent])
    people = workbook.create_sheet(title=str(_("职工明细")))
    people.append(
        [
            str(h)
            for h in (
                _("工号"),
                _("姓名"),
                _("证件号码"),
                _("部门"),
                _("岗位"),
                _("岗位对应职业"),
                _("持证等级"),
            )
        ]
    )
    labels = {lv: label for lv, label, _n, _p in figures.levels}
    for member, level in figures.rows:
        people.append(
            [
                safe_cell(member.employee_number),
                safe_cell(member.name),
                member.document_masked,
                safe_cell(member.department),
                safe_cell(member.post),
                safe_cell(str(member.occupation or "")),
                labels.get(level, str(_("未持证"))),
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="holding-{enterprise.pk}-{figures.on}.xlsx"'
    return response
