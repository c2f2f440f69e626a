"""Sittings of a plan (考核场次) and their staff: add, edit and remove sittings, assign and remove staff;
the supervisor's report on a sitting (督导报告)."""

from __future__ import annotations

from django import forms as forms_module
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView

from filing import access, forms, selectors
from filing.errors import Denied, DomainError, WrongState
from filing.models import Evaluator, Sitting, SittingStaff, StaffRole, SupervisionReport
from filing.services import plans as svc
from filing.services import supervision_reports as reports
from filing.services.photos import MAX_PHOTO_BYTES
from filing.services.staffing import staff_assign, staff_remove
from filing.views.base import DomainFormMixin, error_response, visible_or_404
from filing.views.plans import OperatorOnlyMixin, PlanMixin


class SittingMixin(PlanMixin):
    def dispatch(self, request, *args, **kwargs):
        self.plan = visible_or_404(selectors.plans_visible_to(request.user), request, kwargs["pk"])
        self.sitting = visible_or_404(self.plan.sittings.all(), request, kwargs["sitting_pk"])
        return super(PlanMixin, self).dispatch(request, *args, **kwargs)


class SittingEditView(OperatorOnlyMixin, SittingMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("修改考核场次")}

    def get_initial(self):
        s = self.sitting
        return {
            "part": s.part,
            "starts_at": timezone.localtime(s.starts_at),
            "ends_at": timezone.localtime(s.ends_at),
            "room": s.room,
            "candidates_expected": s.candidates_expected,
        }

    def get_form(self, form_class=None):
        return forms.SittingForm(**self.get_form_kwargs(), plan=self.plan)

    def get(self, request, *args, **kwargs):
        if self.plan.status not in svc.SITTINGS_EDITABLE:
            return error_response(request, WrongState(str(svc.NOT_EDITABLE_MESSAGE)))
        return super().get(request, *args, **kwargs)

    def perform(self, form):
        return svc.sitting_update(actor=self.request.user, sitting=self.sitting, **form.cleaned_data)


class SittingRemoveView(SittingMixin, View):
    def post(self, request, pk, sitting_pk):
        try:
            svc.sitting_remove(actor=request.user, sitting=self.sitting)
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(request, _("场次已删除。"))
        return redirect("plans:detail", pk=self.plan.pk)


class StaffRemoveView(PlanMixin, View):
    def post(self, request, pk, staff_pk):
        staff = visible_or_404(SittingStaff.objects.filter(sitting__plan=self.plan), request, staff_pk)
        try:
            staff_remove(actor=request.user, staff=staff)
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(request, _("已撤下该考务人员。"))
        return redirect("plans:detail", pk=self.plan.pk)


class SittingAddView(OperatorOnlyMixin, PlanMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("增加考核场次")}

    def get_form(self, form_class=None):
        return forms.SittingForm(**self.get_form_kwargs(), plan=self.plan)

    def perform(self, form):
        return svc.sitting_add(actor=self.request.user, plan=self.plan, **form.cleaned_data)


class StaffAssignView(OperatorOnlyMixin, PlanMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("安排考务人员")}

    def get_form(self, form_class=None):
        return forms.StaffForm(**self.get_form_kwargs(), plan=self.plan)

    def perform(self, form):
        return staff_assign(actor=self.request.user, **form.cleaned_data)


class SupervisionReportForm(forms_module.Form):
    present = forms_module.IntegerField(label=_("实到人数"), min_value=0, max_value=999999)
    absent = forms_module.IntegerField(label=_("缺考人数"), min_value=0, max_value=999999)
    identity_checked = forms_module.BooleanField(label=_("已逐一核验考生身份"), required=False, initial=True)
    identity_issues = forms_module.CharField(
        label=_("身份核验问题"),
        required=False,
        max_length=5000,
        widget=forms_module.Textarea(attrs={"rows": 2}),
        help_text=_("未逐一核验的，须说明原因。"),
    )
    irregularities = forms_module.CharField(
        label=_("违规违纪及其他问题"),
        required=False,
        max_length=5000,
        widget=forms_module.Textarea(attrs={"rows": 3}),
    )
    blocking = forms_module.BooleanField(
        label=_("存在影响考核结果的严重问题"),
        required=False,
        help_text=_("勾选后将对评价机构下达整改通知，整改验收通过前不能确认本计划的认定结果。"),
    )
    photo = forms_module.FileField(
        label=_("现场照片（可选）"),
        required=False,
        help_text=_("JPEG或PNG，不超过2MB；保存时去除位置等元数据。"),
    )


class SupervisionReportView(SittingMixin, DomainFormMixin, FormView):
    """The supervisor files the sitting's report on a phone-sized form; whoever sees the plan reads it."""

    template_name = "filing/supervision_report.html"

    def get_form(self, form_class=None):
        return SupervisionReportForm(**self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = SupervisionReport.objects.filter(sitting=self.sitting).select_related(
            "supervisor", "finding"
        )
        context.update(
            plan=self.plan,
            sitting=self.sitting,
            report=report.first(),
            may_file=reports.may_file(self.request.user),
            multipart=True,
        )
        return context

    def perform(self, form):
        upload = form.cleaned_data.pop("photo", None)
        data = upload.read(MAX_PHOTO_BYTES + 1) if upload else None
        return reports.report_file(
            actor=self.request.user, sitting=self.sitting, photo=data, **form.cleaned_data
        )

    def get_success_url(self):
        messages.success(self.request, _("督导报告已提交。"))
        return self.request.path


class SupervisionPhotoView(SittingMixin, View):
    def get(self, request, pk, sitting_pk):
        report = SupervisionReport.objects.filter(sitting=self.sitting).first()
        photo = reports.report_photo(report) if report else None
        if photo is None:
            raise Http404
        response = HttpResponse(photo, content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response


class SupervisorChoiceForm(forms_module.Form):
    sitting = forms_module.ModelChoiceField(Sitting.objects.none(), label=_("场次"))
    evaluator = forms_module.ModelChoiceField(
        Evaluator.objects.none(),
        label=_("督导员"),
        help_text=_("从市级督导员库中选派；须证书在考核日有效、无回避关系、同一时段未安排在其他场次。"),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sitting"].queryset = plan.sittings.all()
        self.fields["evaluator"].queryset = Evaluator.objects.filter(
            active=True, is_supervisor=True, body__isnull=True
        ).order_by("name")


class SupervisorChoiceView(PlanMixin, DomainFormMixin, FormView):
    """逢考必督: the city chooses a sitting's supervisor from its register (the body may too)."""

    template_name = "filing/form.html"
    extra_context = {"title": _("选派督导员")}

    def dispatch(self, request, *args, **kwargs):
        plan = visible_or_404(selectors.plans_visible_to(request.user), request, kwargs["pk"])
        if not (
            access.acts_as_authority(request.user, plan.body.organisation_id)
            or access.operates_body(request.user, plan.body)
        ):
            return error_response(
                request,
                Denied(
                    _("只有市职业技能鉴定中心或本机构考务人员可以选派督导员。"),
                    actor=request.user,
                    action="staff.assign",
                    obj=plan,
                ),
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return SupervisorChoiceForm(**self.get_form_kwargs(), plan=self.plan)

    def perform(self, form):
        return staff_assign(actor=self.request.user, role=StaffRole.SUPERVISOR, **form.cleaned_data)
