"""Forms for the review tasks; each maps onto one task service call."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filing.models import AttachmentKind, ExpertScore, FilingLine, Membership, ReviewOutcome
from filing.roles import Role
from filing.workdays import UnknownCalendarYear, add_working_days

FIELD_ITEMS = [
    ("field:summary", _("申请说明")),
    ("field:contact_name", _("联系人")),
    ("field:contact_phone", _("联系电话")),
]
DEFAULT_CORRECTION_WORKING_DAYS = 15


def default_deadline() -> datetime.date:
    today = timezone.localdate()
    try:
        return add_working_days(today, DEFAULT_CORRECTION_WORKING_DAYS)
    except UnknownCalendarYear:
        return today + datetime.timedelta(days=21)


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(choices=ReviewOutcome.choices, widget=forms.RadioSelect, label=_("审批结论"))
    comment = forms.CharField(widget=forms.Textarea, label=_("审批意见"), max_length=5000)
    items = forms.MultipleChoiceField(
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("需补正事项（退回补正时勾选）"),
    )
    deadline = forms.DateField(
        required=False, label=_("补正期限"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(FIELD_ITEMS)
        if application is not None:
            for line in application.lines.select_related("offering__occupation", "offering__work_type"):
                choices.append((f"line:{line.pk}", _("备案项目：%(line)s") % {"line": line.offering}))
        choices.append(("line:new", _("新增备案项目")))
        choices += [
            (f"attachment:{value}", _("材料：%(label)s") % {"label": label})
            for value, label in AttachmentKind.choices
        ]
        self.fields["items"].choices = choices
        self.fields["deadline"].initial = default_deadline()

    def correction_items(self) -> list[dict]:
        labels = dict(self.fields["items"].choices)
        return [
            {"kind": value.split(":", 1)[0], "key": value.split(":", 1)[1], "label": str(labels[value])}
            for value in self.cleaned_data.get("items", [])
        ]

    def clean(self):
        data = super().clean()
        if data.get("outcome") == ReviewOutcome.RETURN:
            if not data.get("items"):
                self.add_error("items", _("退回补正须勾选需补正的事项。"))
            if not data.get("deadline"):
                self.add_error("deadline", _("请设定补正期限。"))
        return data


class ExpertChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class PanelForm(forms.Form):
    experts = ExpertChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label=_("评审专家（不少于3人的单数）")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        ids = Membership.objects.filter(role=Role.EXPERT, is_active=True).values_list("user_id", flat=True)
        self.fields["experts"].queryset = (
            get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")
        )


class ScoreForm(forms.Form):
    """One score, recommendation and comment per line."""

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"score_{line.pk}"] = forms.IntegerField(
                min_value=0, max_value=100, label=_("%(line)s：评分") % {"line": line.offering}
            )
            self.fields[f"rec_{line.pk}"] = forms.ChoiceField(
                choices=ExpertScore.Recommendation.choices, label=_("意见"), widget=forms.RadioSelect
            )
            self.fields[f"comment_{line.pk}"] = forms.CharField(
                required=False, label=_("评审意见"), widget=forms.Textarea(attrs={"rows": 2})
            )

    def scores(self) -> dict:
        d = self.cleaned_data
        return {
            line.pk: {
                "score": d[f"score_{line.pk}"],
                "recommendation": d[f"rec_{line.pk}"],
                "comment": d[f"comment_{line.pk}"],
            }
            for line in self.lines
        }


class ConflictForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea, label=_("回避理由（如亲属、师生、同事关系）"), max_length=2000
    )


class DecisionForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea, label=_("审批意见"), max_length=5000)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"decision_{line.pk}"] = forms.ChoiceField(
                choices=[
                    (FilingLine.Decision.APPROVED, _("同意备案")),
                    (FilingLine.Decision.REJECTED, _("不予备案")),
                ],
                widget=forms.RadioSelect,
                label=str(line.offering),
            )
            self.fields[f"reason_{line.pk}"] = forms.CharField(
                required=False, label=_("不予备案理由"), max_length=2000
            )

    def line_decisions(self) -> dict:
        d = self.cleaned_data
        return {
            line.pk: {"decision": d[f"decision_{line.pk}"], "reason": d[f"reason_{line.pk}"]}
            for line in self.lines
        }


class TransferForm(forms.Form):
    to_user = forms.ModelChoiceField(queryset=None, label=_("转办给"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("转办说明"), max_length=2000)

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.filter(is_active=True).order_by("username")
        if task is not None and task.owner_permission:
            users = [
                u
                for u in users.filter(memberships__is_active=True).distinct()
                if u.has_perm(task.owner_permission)
            ]
            self.fields["to_user"].queryset = get_user_model().objects.filter(pk__in=[u.pk for u in users])
        else:
            self.fields["to_user"].queryset = users.none()


class PlanDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("yes", _("同意")), ("no", _("退回"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label=_("审核结论"),
    )
    comment = forms.CharField(widget=forms.Textarea, label=_("审核意见"), max_length=5000)
