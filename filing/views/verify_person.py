"""The employer's check by name + ID document (the national lookup's mode, #15 item 8): public, one person
per request, posted (never in the address), rate-limited per client with the verification pages' limit,
answering only which valid certificates that person holds — or nothing."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View

from filing import ratelimit, verification
from filing.validators import DocumentType
from filing.views.verify import limit, public


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=60)
    document_type = forms.ChoiceField(
        label=_("证件类型"), choices=DocumentType.choices, initial=DocumentType.choices[0][0]
    )
    number = forms.CharField(
        label=_("证件号码"),
        max_length=40,
        help_text=_("请在持证人同意并出示证件后查询；本页不保存所填信息。"),
    )


@method_decorator(login_not_required, name="dispatch")
class VerifyPersonView(View):
    template_name = "filing/verify_person.html"

    def get(self, request):
        return public(render(request, self.template_name, {"form": PersonForm()}))

    def post(self, request):
        form = PersonForm(request.POST)
        context = {"form": form}
        if not form.is_valid():
            return public(render(request, self.template_name, context, status=422))
        if not ratelimit.hit(request, "verify", limit(), 60):
            context["limited"] = _("查询过于频繁，请稍后再试（每分钟最多%(n)d次）。") % {"n": limit()}
            return public(render(request, self.template_name, context, status=429))
        data = form.cleaned_data
        context["checked"] = True
        context["matches"] = verification.verify_person(data["name"], data["document_type"], data["number"])
        # The typed number is not shown back: the page may stay open on a shared screen.
        context["form"] = PersonForm(initial={"name": data["name"], "document_type": data["document_type"]})
        return public(render(request, self.template_name, context))
