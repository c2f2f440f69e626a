"""The in-app inbox (mark read, follow the link) and notification preferences."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, ListView

from . import inbox
from .catalogue import OPTIONAL_KINDS, setting_label
from .models import InboxMessage, Preference


class InboxView(ListView):
    template_name = "notifications/inbox.html"
    context_object_name = "messages_list"
    paginate_by = 50

    def get_queryset(self):
        return InboxMessage.objects.filter(recipient=self.request.user)


class OpenMessageView(View):
    """Opening a message (a POST from the inbox) marks it read, then follows its link. A GET writes nothing,
    so this URL answers only POST."""

    def post(self, request, pk):
        message = get_object_or_404(InboxMessage, pk=pk, recipient=request.user)
        inbox.message_mark_read(recipient=request.user, message=message)
        link = message.link if url_has_allowed_host_and_scheme(message.link, allowed_hosts=None) else ""
        return redirect(link or "notifications:index")


class MarkAllReadView(View):
    def post(self, request):
        inbox.messages_mark_all_read(recipient=request.user)
        return redirect("notifications:index")


class PreferenceForm(forms.Form):
    language = forms.ChoiceField(label=_("通知语言"), choices=[("zh-hans", "简体中文"), ("en", "English")])
    muted_kinds = forms.MultipleChoiceField(
        label=_("不接收以下可选通知（法定告知类通知不能屏蔽）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(k, lazy(setting_label, str)(k)) for k in OPTIONAL_KINDS],
    )


class PreferenceView(FormView):
    template_name = "filing/form.html"
    form_class = PreferenceForm
    extra_context = {"title": _("通知设置")}

    def get_initial(self):
        pref = Preference.objects.filter(user=self.request.user).first()
        return {
            "language": pref.language if pref else "zh-hans",
            "muted_kinds": pref.muted_kinds if pref else [],
        }

    def form_valid(self, form):
        inbox.preference_set(
            user=self.request.user,
            language=form.cleaned_data["language"],
            muted_kinds=form.cleaned_data["muted_kinds"],
        )
        return redirect("notifications:index")
