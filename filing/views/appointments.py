"""特级技师 / 首席技师 评聘 pages: the enterprise proposes and submits (or withdraws), the city reviews; the
public sees appointments under publicity (name, enterprise, grade, occupation: nothing else)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView

from filing import access, selectors
from filing.errors import DomainError, Invalid
from filing.models import (
    AppointmentStatus,
    EnterpriseGrade,
    EvaluationBody,
    TechnicianAppointment,
)
from filing.services import appointments as svc
from filing.views.base import DomainFormMixin, error_response, messages_from, visible_or_404

enterprise_bodies = selectors.enterprise_bodies_of


class AppointmentForm(forms.Form):
    body = forms.ModelChoiceField(label=_("企业评价机构"), queryset=EvaluationBody.objects.none())
    grade = forms.ChoiceField(
        label=_("聘任等级"),
        choices=[
            (g.value, g.label)
            for g in (EnterpriseGrade.PRINCIPAL_TECHNICIAN, EnterpriseGrade.CHIEF_TECHNICIAN)
        ],
    )
    holder_name = forms.CharField(label=_("姓名"), max_length=60)
    certificate_number = forms.CharField(
        label=_("一级/高级技师证书编号"),
        max_length=40,
        help_text=_("须为本系统发放的有效一级/高级技师证书。"),
    )
    employee_number = forms.CharField(label=_("工号"), max_length=30)
    post = forms.CharField(label=_("岗位"), max_length=60)
    achievements = forms.CharField(
        label=_("主要业绩"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    term_start = forms.DateField(
        label=_("聘期起"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("应晚于今天（须先经审核和公示）。"),
    )
    term_end = forms.DateField(
        label=_("聘期止"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("聘期最长5年。")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = enterprise_bodies(user)


class AppointmentListView(View):
    def get(self, request):
        visible = selectors.appointments_visible_to(request.user)
        may_create = enterprise_bodies(request.user).exists()
        if not (may_create or access.oversees_city(request.user)):
            raise Http404
        return render(
            request,
            "filing/appointment_list.html",
            {"appointments": visible[:200], "may_create": may_create},
        )


class AppointmentCreateView(DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("申报特级技师/首席技师评聘")}

    def dispatch(self, request, *args, **kwargs):
        if not enterprise_bodies(request.user).exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return AppointmentForm(**self.get_form_kwargs(), user=self.request.user)

    def perform(self, form):
        return svc.appointment_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        messages.success(self.request, _("评聘申报已保存为草稿，核对后请提交审核。"))
        return reverse("appointments:detail", args=[self.result.pk])


class AppointmentDetailView(View):
    def get(self, request, pk):
        appointment = visible_or_404(selectors.appointments_visible_to(request.user), request, pk)
        enterprise = svc.acts_for_enterprise(request.user, appointment.body)
        city = access.acts_as_authority(request.user, appointment.body.organisation_id)
        status = appointment.status
        return render(
            request,
            "filing/appointment_detail.html",
            {
                "appointment": appointment,
                "can_submit": enterprise and status == AppointmentStatus.DRAFT,
                "can_withdraw": enterprise
                and status
                in (AppointmentStatus.DRAFT, AppointmentStatus.SUBMITTED, AppointmentStatus.PUBLICITY),
                "can_review": city and status == AppointmentStatus.SUBMITTED,
                "in_force": appointment.in_force(timezone.localdate()),
            },
        )


DONE = {
    "submit": _("已提交审核。"),
    "withdraw": _("已撤回。"),
    "approve": _("审核通过，已进入公示。"),
    "reject": _("已作出不予通过的决定。"),
}


class AppointmentActionView(View):
    def post(self, request, pk, action):
        if action not in svc.ACTIONS:
            raise Http404
        appointment = visible_or_404(selectors.appointments_visible_to(request.user), request, pk)
        try:
            svc.ACTIONS[action](request.user, appointment, request.POST)
        except Invalid as exc:
            for message in messages_from(exc):
                messages.error(request, message)
        except DomainError as exc:
            return error_response(request, exc)
        else:
            messages.success(request, DONE[action])
        return redirect("appointments:detail", pk=pk)


@method_decorator(login_not_required, name="dispatch")
class PublicAppointmentsView(View):
    def get(self, request):
        under = TechnicianAppointment.objects.filter(status=AppointmentStatus.PUBLICITY).select_related(
            "body"
        )
        response = render(request, "filing/public_appointments.html", {"appointments": under})
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
