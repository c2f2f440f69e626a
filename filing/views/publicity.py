"""Objections to an application under publicity, for the authority that decides them: one by one, or
duplicates dismissed together."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import View

from filing import forms
from filing.errors import DomainError, Invalid
from filing.models import Objection
from filing.services import publicity
from filing.views.applications import ApplicationMixin
from filing.views.base import apply_errors, error_response


class ObjectionsDismissView(ApplicationMixin, View):
    """Triage: several pending objections dismissed with one reason."""

    def post(self, request, *args, **kwargs):
        try:
            publicity.require_objection_authority(request.user, self.application, "objection.dismiss")
        except DomainError as exc:
            return error_response(request, exc)
        form = forms.ObjectionTriageForm(request.POST, application=self.application)
        if not form.is_valid():
            messages.error(request, _("请勾选要处理的异议并填写处理意见。"))
            return redirect(self.detail_url())
        try:
            done = publicity.objections_dismiss(
                actor=request.user,
                application=self.application,
                objections=form.cleaned_data["objections"],
                reason=form.cleaned_data["reason"],
            )
        except Invalid as exc:
            messages.error(request, exc.message)
            return redirect(self.detail_url())
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(request, _("已处理%(n)d条异议（异议不成立）。") % {"n": len(done)})
        return redirect(self.detail_url())


class ObjectionDecideView(ApplicationMixin, View):
    def post(self, request, *args, **kwargs):
        try:
            publicity.require_objection_authority(request.user, self.application, "objection.decide")
        except DomainError as exc:
            return error_response(request, exc)
        objection = get_object_or_404(Objection, pk=kwargs["objection_pk"], application=self.application)
        form = forms.ObjectionDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择处理结论并填写处理意见。"))
            return redirect(self.detail_url())
        try:
            publicity.objection_decide(actor=request.user, objection=objection, **form.cleaned_data)
        except Invalid as exc:
            apply_errors(form, exc)
            messages.error(request, exc.message)
        except DomainError as exc:
            return error_response(request, exc)
        return redirect(self.detail_url())
