"""Forms for the review tasks. Every task form takes the task's subject (``subject=``: the application or
the plan) and gives the arguments of its node's service (``arguments()``); the node table
(:mod:`workflows.steps`) says which form a node shows."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filing import selectors
from filing.models import ExpertScore, FilingLine, ReviewOutcome
from filing.services.corrections import correction_items
from filing.workdays import UnknownCalendarYear, add_working_days

DEFAULT_CORRECTION_WORKING_DAYS = 15

#: What a review step decides (sending back and taking back are task operations, not a decision).
REVIEW_OUTCOMES = [
    choice
    for choice in ReviewOutcome.choices
    if choice[0] in (ReviewOutcome.APPROVE, ReviewOutcome.RETURN, ReviewOutcome.REJECT)
]


def default_deadline() -> datetime.date:
    today = timezone.localdate()
    try:
        return add_working_days(today, DEFAULT_CORRECTION_WORKING_DAYS)
    except UnknownCalendarYear:
        return today + datetime.timedelta(days=21)


def _lines(application) -> list[FilingLine]:
    return list(application.lines.select_related("offering__occupation", "offering__work_type"))


class TaskForm(forms.Form):
    """Base of every task form: built for one subject, gives its service's arguments."""

    def __init__(self, data=None, *, subject=None, **kwargs):
        super().__init__(data, **kwargs)
        self.subject = subject

    def arguments(self) -> dict:
        return dict(self.cleaned_data)

    def confirmation(self, node: str) -> dict | None:
        """What a valid answer would do that cannot be undone (title, consequence, button), to be confirmed
        on a page of its own before the service is called; None when nothing is final."""
        return None


#: What rejecting at each review step means for the applicant.
REJECTION_TITLES = {
    "district_accept": _("确认不予受理"),
    "district_review": _("确认区级审核不予通过"),
    "municipal_review": _("确认市级审核不予通过"),
}


class ReviewForm(TaskForm):
    outcome = forms.ChoiceField(choices=REVIEW_OUTCOMES, widget=forms.RadioSelect, label=_("审批结论"))
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

    def __init__(self, data=None, *, subject=None, **kwargs):
        super().__init__(data, subject=subject, **kwargs)
        self.fields["items"].choices = correction_items(subject) if subject is not None else []
        self.fields["deadline"].initial = default_deadline()

    def clean(self):
        data = super().clean()
        if data.get("outcome") == ReviewOutcome.RETURN:
            if not data.get("items"):
                self.add_error("items", _("退回补正须勾选需补正的事项。"))
            if not data.get("deadline"):
                self.add_error("deadline", _("请设定补正期限。"))
        return data

    def confirmation(self, node: str) -> dict | None:
        if self.cleaned_data.get("outcome") != ReviewOutcome.REJECT:
            return None
        return {
            "title": REJECTION_TITLES.get(node, _("确认驳回申请")),
            "consequence": _(
                "驳回后本申请即告终止，不再进入后续审核，申报单位会收到驳回通知和您的审批意见；"
                "此操作不能撤销，申报单位如需备案须重新提交申请。"
            ),
            "button": _("确认驳回"),
        }

    def arguments(self) -> dict:
        labels = dict(self.fields["items"].choices)
        items = [
            {"kind": value.split(":", 1)[0], "key": value.split(":", 1)[1], "label": str(labels[value])}
            for value in self.cleaned_data.get("items", [])
        ]
        return {
            "outcome": self.cleaned_data["outcome"],
            "comment": self.cleaned_data["comment"],
            "correction_items": items,
            "correction_deadline": self.cleaned_data.get("deadline"),
        }


class ExpertChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


def panel_candidates():
    """The experts who may be named to a panel (the service refuses those from the applicant)."""
    return selectors.experts_available()


class PanelForm(TaskForm):
    experts = ExpertChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label=_("评审专家（不少于3人的单数）")
    )

    def __init__(self, data=None, *, subject=None, **kwargs):
        super().__init__(data, subject=subject, **kwargs)
        self.fields["experts"].queryset = panel_candidates()

    def arguments(self) -> dict:
        return {"experts": list(self.cleaned_data["experts"])}


class ScoreForm(TaskForm):
    """One score, recommendation and comment per line."""

    def __init__(self, data=None, *, subject=None, **kwargs):
        super().__init__(data, subject=subject, **kwargs)
        self.lines = _lines(subject) if subject is not None else []
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

    def arguments(self) -> dict:
        d = self.cleaned_data
        return {
            "scores": {
                line.pk: {
                    "score": d[f"score_{line.pk}"],
                    "recommendation": d[f"rec_{line.pk}"],
                    "comment": d[f"comment_{line.pk}"],
                }
                for line in self.lines
            }
        }


class ConflictForm(TaskForm):
    reason = forms.CharField(
        widget=forms.Textarea, label=_("回避理由（如亲属、师生、同事关系）"), max_length=2000
    )

    def arguments(self) -> dict:
        return {"conflict_reason": self.cleaned_data["reason"]}


class DecisionForm(TaskForm):
    comment = forms.CharField(widget=forms.Textarea, label=_("审批意见"), max_length=5000)

    def __init__(self, data=None, *, subject=None, **kwargs):
        super().__init__(data, subject=subject, **kwargs)
        self.lines = _lines(subject) if subject is not None else []
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

    def confirmation(self, node: str) -> dict | None:
        rejected = [
            line
            for line in self.lines
            if self.cleaned_data.get(f"decision_{line.pk}") == FilingLine.Decision.REJECTED
        ]
        if not rejected:
            return None
        names = "、".join(str(line.offering) for line in rejected)
        if len(rejected) == len(self.lines):
            consequence = _(
                "全部项目不予备案：申请即告终止，不进行公示，申报单位会收到不予备案决定及理由；"
                "此操作不能撤销。不予备案的项目：%(lines)s。"
            ) % {"lines": names}
        else:
            consequence = _("以下项目不予备案，其余项目进入公示；不予备案的决定不能撤销：%(lines)s。") % {
                "lines": names
            }
        return {"title": _("确认不予备案"), "consequence": consequence, "button": _("确认作出决定")}

    def arguments(self) -> dict:
        d = self.cleaned_data
        return {
            "comment": d["comment"],
            "line_decisions": {
                line.pk: {"decision": d[f"decision_{line.pk}"], "reason": d[f"reason_{line.pk}"]}
                for line in self.lines
            },
        }


class PlanDecisionForm(TaskForm):
    approve = forms.TypedChoiceField(
        choices=[("yes", _("同意")), ("no", _("退回"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label=_("审核结论"),
    )
    comment = forms.CharField(widget=forms.Textarea, label=_("审核意见"), max_length=5000)


class RevocationDecisionForm(TaskForm):
    approve = forms.TypedChoiceField(
        choices=[("yes", _("批准撤销")), ("no", _("不予撤销"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label=_("审核结论"),
        help_text=_("批准后证书立即撤销，公众查询显示“已撤销”，不可恢复。"),
    )
    comment = forms.CharField(widget=forms.Textarea, label=_("审核意见"), max_length=5000)

    def confirmation(self, node: str) -> dict | None:
        if not self.cleaned_data.get("approve"):
            return None
        return {
            "title": _("确认批准撤销证书"),
            "consequence": _("批准后证书立即撤销，公众查验显示“已撤销”，证书编号不再使用；此操作不能撤销。"),
            "button": _("确认批准撤销"),
        }


class HolderCorrectionDecisionForm(TaskForm):
    approve = forms.TypedChoiceField(
        choices=[("yes", _("同意更正")), ("no", _("不予更正"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label=_("处理结论"),
        help_text=_("同意后出具更正后的新版证书（新编号版本与新查验码），旧版即显示“已被取代”。"),
    )
    comment = forms.CharField(
        widget=forms.Textarea,
        label=_("处理意见"),
        max_length=5000,
        required=False,
        help_text=_("不予更正时必须填写理由，持证人可在自助查询页看到。"),
    )


class NationalRejectionForm(TaskForm):
    """The one answer to records the national system sent back: corrected where needed, queued again."""

    decision = forms.ChoiceField(
        choices=[("resubmit", _("已更正，重新上报"))],
        initial="resubmit",
        widget=forms.RadioSelect,
        label=_("处理结论"),
        help_text=_(
            "需要更正的证书请先在证书页面更正（新版本自动进入下一批上报）；其余记录按现状随下一批重新上报。"
        ),
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("处理说明"),
        max_length=2000,
        help_text=_("写明核对或更正了什么。"),
    )


def transfer_candidates(task):
    """Colleagues who could claim the task themselves (its queue permission)."""
    User = get_user_model()
    if task is None or not task.owner_permission:
        return User.objects.none()
    users = User.objects.filter(is_active=True, memberships__is_active=True).distinct().order_by("username")
    return User.objects.filter(pk__in=[u.pk for u in users if u.has_perm(task.owner_permission)])


class TransferForm(forms.Form):
    to_user = forms.ModelChoiceField(queryset=None, label=_("转办给"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("转办说明"), max_length=2000)

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = transfer_candidates(task)


COMPLAINT_DECISIONS = [
    ("investigate", _("转入调查")),
    ("dismiss", _("不予受理")),
    ("answer", _("调查并答复")),
]


class ComplaintDecisionForm(TaskForm):
    """处理投诉: triage (不予受理 with a reason, or 转入调查), then the findings and the answer, optionally
    ordering the body to rectify by a deadline. The service refuses a decision the complaint's status does
    not allow (only a received complaint may be dismissed or taken up, only one under investigation
    answered)."""

    decision = forms.ChoiceField(choices=COMPLAINT_DECISIONS, widget=forms.RadioSelect, label=_("处理结论"))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("不予受理理由 / 分办说明"),
        max_length=5000,
        required=False,
    )
    findings = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("调查结果"), max_length=5000, required=False
    )
    answer = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("给投诉人的答复"),
        max_length=5000,
        required=False,
        help_text=_("答复将发送至投诉人的联系方式，并在机构监管档案中显示。"),
    )
    rectify = forms.BooleanField(label=_("责令整改"), required=False)
    deadline = forms.DateField(
        label=_("整改期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def arguments(self) -> dict:
        return complaint_arguments(self.cleaned_data)


def complaint_arguments(data: dict) -> dict:
    """The service arguments of a complaint decision (page form and API input alike)."""
    decision = data["decision"]
    if decision == "dismiss":
        return {"decision": decision, "reason": data.get("reason") or ""}
    if decision == "investigate":
        return {"decision": decision, "note": data.get("reason") or ""}
    return {
        "decision": decision,
        "findings": data.get("findings") or "",
        "answer": data.get("answer") or "",
        "rectify": bool(data.get("rectify")),
        "deadline": data.get("deadline"),
    }


class UrgeForm(forms.Form):
    """催办: an optional short note to whoever must act (the rule on the daily limit is stated)."""

    note = forms.CharField(required=False, max_length=200, label=_("催办说明"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].help_text = _("可选，200字以内。每人每天对同一任务最多催办%(n)d次。") % {
            "n": settings.WORKFLOW["URGE_DAILY_LIMIT"]
        }


class SendBackForm(forms.Form):
    """退回到已办环节: which earlier step, and why (the reopened step sees the reasons)."""

    to_node = forms.ChoiceField(label=_("退回到"))
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        label=_("退回理由"),
        help_text=_("退回后由原办理人重新办理，法定办理时限继续计算（审核时间均计入）。"),
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_node"].choices = list(choices)


class BatchForm(forms.Form):
    """批量审批: the tasks ticked on the list and one opinion."""

    tasks = forms.TypedMultipleChoiceField(
        coerce=int, label=_("选择任务"), widget=forms.CheckboxSelectMultiple
    )
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label=_("审批意见"))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"].choices = list(choices)


class DeputyForm(forms.Form):
    """委派/代理: who acts for me, from when to when, and why (the rules are stated on the form)."""

    deputy = forms.ModelChoiceField(queryset=None, label=_("代理人"))
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=200, label=_("事由"))

    def __init__(self, *args, user=None, **kwargs):
        from .deputies import MAX_DAYS, colleagues

        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = colleagues(user)
        self.fields["deputy"].help_text = _("同一单位、同一岗位的在岗同事。")
        self.fields["starts_on"].help_text = _("不早于今天。")
        self.fields["ends_on"].help_text = _("不早于开始日期，一次最长%(n)d天（含首尾两天）。") % {
            "n": MAX_DAYS
        }


class CopyForm(forms.Form):
    """抄送: named people (who may see the subject) and roles around it, with an optional note."""

    users = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label=_("抄送给（人员）"), widget=forms.CheckboxSelectMultiple
    )
    roles = forms.MultipleChoiceField(
        choices=(), required=False, label=_("抄送给（角色）"), widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(required=False, max_length=200, label=_("抄送说明"))

    def __init__(self, *args, candidates=None, role_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = (
            candidates if candidates is not None else get_user_model().objects.none()
        )
        self.fields["roles"].choices = list(role_choices)
        self.fields["users"].help_text = _("只能抄送给有权查看该事项的人员。")
