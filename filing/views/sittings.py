"""Sittings of a plan (考核场次) and their staff: add, edit and remove sittings, assign and remove staff."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView

from filing import forms, selectors
from filing.errors import DomainError, WrongState
from filing.models import SittingStaff
from filing.services import plans as svc
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
