"""The public complaint form (投诉, no login): the complainant's details, a code to their contact, then the
complaint's number. Rate-limited, not indexed, not cached; like the objection form
(:class:`filing.views.public.ObjectionView`)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from filing import ratelimit
from filing.errors import DomainError, Invalid
from filing.services import complaints
from filing.views.base import apply_errors
from filing.views.public import _public

COMPLAINTS_PER_HOUR = 5
CONFIRMATIONS_PER_HOUR = 20
MAX_ID = 2**63 - 1


class ComplaintForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("被投诉的评价机构（机构代码）"),
        max_length=20,
        widget=forms.TextInput(attrs={"list": "complaint-bodies", "autocomplete": "off"}),
        help_text=gettext_lazy("输入机构代码，或从列表中选择已备案的评价机构。"),
    )
    sitting_date = forms.DateField(
        label=gettext_lazy("考核日期（选填）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sitting_room = forms.CharField(label=gettext_lazy("考场（选填）"), max_length=60, required=False)
    name = forms.CharField(label=gettext_lazy("投诉人姓名"), max_length=60)
    contact = forms.CharField(
        label=gettext_lazy("联系方式（电子邮箱或手机号码）"),
        max_length=80,
        help_text=gettext_lazy("将向该邮箱或手机发送验证码核验，处理结果也将发送至此。"),
    )
    text = forms.CharField(
        widget=forms.Textarea, label=gettext_lazy("投诉内容及事实依据"), max_length=complaints.MAX_TEXT
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("不向被投诉机构透露我的姓名"),
        required=False,
        help_text=gettext_lazy("被投诉机构在任何情况下都看不到您的联系方式。"),
    )

    def clean_body(self):
        body = complaints.body_by_code(self.cleaned_data["body"])
        if body is None:
            raise forms.ValidationError(_("请选择已备案的评价机构。"))
        return body


class ComplaintCodeForm(forms.Form):
    challenge = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    code = forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=12,
        help_text=gettext_lazy("发送至您联系方式的6位数字，15分钟内有效。"),
    )


@method_decorator(login_not_required, name="dispatch")
class ComplaintView(View):
    template_name = "filing/complaint_form.html"

    def render(self, request, context, status=200):
        context.setdefault("bodies", complaints.complainable_bodies())
        return _public(render(request, self.template_name, context, status=status))

    def get(self, request):
        code = str(request.GET.get("body", ""))[:20]  # from the catalogue's 投诉该机构 link
        return self.render(request, {"form": ComplaintForm(initial={"body": code})})

    def post(self, request):
        if "code" in request.POST:
            return self._confirm(request)
        form = ComplaintForm(request.POST)
        context = {"form": form}
        if not ratelimit.hit(request, "complaint", COMPLAINTS_PER_HOUR, 3600):
            context["limited"] = _("提交过于频繁，请一小时后再试。")
            return self.render(request, context, 429)
        if not form.is_valid():
            return self.render(request, context, 422)
        try:
            challenge = complaints.complaint_start(**form.cleaned_data)
        except Invalid as exc:
            apply_errors(form, exc)
            return self.render(request, context, 422)
        except DomainError as exc:
            context["limited"] = exc.message
            return self.render(request, context, 409)
        context.update(
            code_form=ComplaintCodeForm(initial={"challenge": challenge.pk}), sent_to=challenge.contact_masked
        )
        return self.render(request, context)

    def _confirm(self, request):
        form = ComplaintCodeForm(request.POST)
        context = {"code_form": form}
        if not ratelimit.hit(request, "complaint-confirm", CONFIRMATIONS_PER_HOUR, 3600):
            context["limited"] = _("提交过于频繁，请一小时后再试。")
            return self.render(request, context, 429)
        if form.is_valid():
            try:
                complaint = complaints.complaint_confirm(
                    challenge_id=form.cleaned_data["challenge"], code=form.cleaned_data["code"]
                )
            except Invalid as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                context["limited"] = exc.message
                return self.render(request, context, 409)
            else:
                return self.render(request, {"complaint": complaint})
        return self.render(request, context, 422)
