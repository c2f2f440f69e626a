"""Pages of 直接认定 (a worker and their evidence on a 直接认定 plan) and 以赛促评 (the competition register:
record, import results, decide promotions under the published rules; the rules themselves, public)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView

from filing import access, selectors
from filing.errors import DomainError
from filing.models import (
    CompetitionLevel,
    CompetitionStatus,
    FiledLineStatus,
    Occupation,
    PromotionRule,
    RecognitionEvidence,
)
from filing.roster import MAX_UPLOAD_BYTES
from filing.services import competitions as svc
from filing.services import recognition
from filing.validators import DocumentType
from filing.views.base import DomainFormMixin, error_response, visible_or_404
from filing.views.plans import OperatorOnlyMixin

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class EvidenceForm(forms.Form):
    post = forms.CharField(label=_("岗位"), max_length=60, help_text=_("须为一线技能岗位。"))
    employee_number = forms.CharField(label=_("工号"), max_length=30, required=False)
    years_in_occupation = forms.CharField(
        label=_("从事本职业年限"),
        max_length=3,
        required=False,
        help_text=_("仅供参考：直接认定不设学历、资历、年龄和比例限制。"),
    )
    achievements = forms.CharField(
        label=_("主要业绩"), max_length=4000, widget=TEXTAREA, help_text=_("必填：突出的工作业绩与贡献。")
    )
    awards = forms.CharField(label=_("获奖情况"), max_length=4000, required=False, widget=TEXTAREA)
    patents = forms.CharField(label=_("专利与技术成果"), max_length=4000, required=False, widget=TEXTAREA)
    problems_solved = forms.CharField(
        label=_("解决的技术难题"), max_length=4000, required=False, widget=TEXTAREA
    )
    apprentices = forms.CharField(label=_("带徒传技"), max_length=4000, required=False, widget=TEXTAREA)
    work_sample = forms.CharField(
        label=_("作品或工作样本"),
        max_length=4000,
        required=False,
        widget=TEXTAREA,
        help_text=_("作品、工件或工作样本的说明；评审会上由专家现场查验。"),
    )


class RecognitionForm(EvidenceForm):
    name = forms.CharField(label=_("姓名"), max_length=60)
    document_type = forms.ChoiceField(label=_("证件类型"), choices=DocumentType.choices)
    document_number = forms.CharField(label=_("证件号码"), max_length=40)
    contact = forms.CharField(
        label=_("联系方式"),
        max_length=80,
        required=False,
        help_text=_("手机或邮箱：持证人可凭此登录查询证书。"),
    )
    field_order = ["name", "document_type", "document_number", "contact"]


class RecognitionAddView(OperatorOnlyMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    form_class = RecognitionForm
    extra_context = {
        "title": _("添加直接认定对象"),
        "intro": _(
            "直接认定面向业绩突出的一线职工，认定三级/高级工及以上等级，不设学历、资历、年龄和比例限制；"
            "须填写主要业绩，由专家综合评审后公示，经市职业技能鉴定中心审核后发证。"
        ),
    }

    def perform(self, form):
        return recognition.recognition_add(actor=self.request.user, plan=self.plan, values=form.cleaned_data)

    def get_success_url(self):
        messages.success(self.request, _("已添加认定对象。"))
        return reverse("plans:detail", args=[self.plan.pk])


class EvidenceView(OperatorOnlyMixin, DomainFormMixin, FormView):
    """A worker's evidence: read by everyone who may see the plan's operators' page, edited until the review
    starts (the service refuses afterwards)."""

    template_name = "filing/form.html"
    form_class = EvidenceForm

    def get_evidence(self):
        evidence = (
            RecognitionEvidence.objects.filter(
                registration__plan=self.plan, registration_id=self.kwargs["registration_pk"]
            )
            .select_related("registration__candidate")
            .first()
        )
        if evidence is None:
            raise Http404
        return evidence

    def get_initial(self):
        evidence = self.get_evidence()
        return {f: getattr(evidence, f) for f in EvidenceForm.base_fields}

    def get_context_data(self, **kwargs):
        evidence = self.get_evidence()
        kwargs["title"] = _("认定材料：%(name)s") % {"name": evidence.registration.candidate.name}
        return super().get_context_data(**kwargs)

    def perform(self, form):
        return recognition.evidence_update(
            actor=self.request.user, registration=self.get_evidence().registration, values=form.cleaned_data
        )

    def get_success_url(self):
        messages.success(self.request, _("认定材料已保存。"))
        return reverse("plans:detail", args=[self.plan.pk])


# --- 以赛促评 ------------------------------------------------------------------------------------------


class CompetitionForm(forms.Form):
    body = forms.ModelChoiceField(label=_("评价机构"), queryset=None)
    name = forms.CharField(label=_("竞赛名称"), max_length=120)
    level = forms.ChoiceField(label=_("竞赛级别"), choices=CompetitionLevel.choices)
    organiser = forms.CharField(label=_("主办单位"), max_length=120)
    occupation = forms.ModelChoiceField(
        label=_("职业"),
        queryset=Occupation.objects.none(),
        help_text=_("须为本机构已备案的职业：获奖者在本机构晋升。"),
    )
    held_on = forms.DateField(
        label=_("竞赛日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("竞赛举办后才能登记（不晚于今天）。"),
    )
    participants = forms.IntegerField(
        label=_("参赛人数"), min_value=1, max_value=1_000_000, help_text=_("按比例晋升的规则据此计算名次线。")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        bodies = selectors.bodies_operated_by(user)
        self.fields["body"].queryset = bodies
        self.fields["occupation"].queryset = Occupation.objects.filter(
            offerings__filed_lines__body__in=bodies, offerings__filed_lines__status=FiledLineStatus.ACTIVE
        ).distinct()


class CompetitionListView(View):
    def get(self, request):
        may_create = selectors.bodies_operated_by(request.user).exists()
        visible = selectors.competitions_visible_to(request.user)
        if not (may_create or access.oversees_city(request.user)):
            raise Http404
        return render(
            request,
            "filing/competition_list.html",
            {
                "competitions": visible[:200],
                "may_create": may_create,
                "rules": PromotionRule.objects.filter(active=True),
            },
        )


class CompetitionCreateView(DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("登记职业技能竞赛")}

    def dispatch(self, request, *args, **kwargs):
        if not selectors.bodies_operated_by(request.user).exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return CompetitionForm(**self.get_form_kwargs(), user=self.request.user)

    def perform(self, form):
        return svc.competition_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        messages.success(self.request, _("竞赛已登记，请导入成绩。"))
        return reverse("competitions:detail", args=[self.result.pk])


class CompetitionDetailView(View):
    def get(self, request, pk):
        competition = visible_or_404(selectors.competitions_visible_to(request.user), request, pk)
        operator = selectors.bodies_operated_by(request.user).filter(pk=competition.body_id).exists()
        results = competition.results.select_related("candidate", "decision__registration__plan")
        return render(
            request,
            "filing/competition_detail.html",
            {
                "competition": competition,
                "results": results[:2000],
                "is_operator": operator,
                "can_import": operator and competition.status != CompetitionStatus.DECIDED,
                "can_decide": operator and competition.status == CompetitionStatus.RESULTS,
                "rule": PromotionRule.objects.filter(
                    competition_level=competition.level, active=True
                ).first(),
                "plans": competition.plans.all(),
            },
        )


class CompetitionResultsView(View):
    def post(self, request, pk):
        competition = visible_or_404(selectors.competitions_visible_to(request.user), request, pk)
        upload = request.FILES.get("file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            messages.error(request, _("成绩文件不能超过10MB。"))
            return redirect("competitions:detail", pk=pk)
        try:  # the service decides who may import (no file: the report says so)
            report = svc.results_import(
                actor=request.user,
                competition=competition,
                file_name=upload.name if upload else "",
                data=upload.read() if upload else b"",
            )
        except DomainError as exc:
            return error_response(request, exc)
        if report:
            messages.error(
                request,
                _("成绩文件有%(n)d处错误，未导入任何成绩；请按下方报告修改后重新导入。") % {"n": len(report)},
            )
        else:
            messages.success(request, _("成绩已导入。"))
        return redirect("competitions:detail", pk=pk)


class CompetitionDecideView(View):
    def post(self, request, pk):
        competition = visible_or_404(selectors.competitions_visible_to(request.user), request, pk)
        try:
            decisions = svc.competition_decide(actor=request.user, competition=competition)
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(
            request,
            _("已按晋升规则评定：%(promoted)d人晋升，%(refused)d人不予晋升。")
            % {
                "promoted": sum(d.promoted for d in decisions),
                "refused": sum(not d.promoted for d in decisions),
            },
        )
        return redirect("competitions:detail", pk=pk)


class ResultsTemplateView(View):
    def get(self, request):
        header = ",".join(svc.RESULT_COLUMNS.values())
        body = "\ufeff" + header + "\r\n"
        response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="competition-results.csv"'
        return response


@method_decorator(login_not_required, name="dispatch")
class PublicRulesView(View):
    """以赛促评 rules are published: anyone may read the table the decisions follow."""

    def get(self, request):
        return render(
            request,
            "filing/public_promotion_rules.html",
            {"rules": PromotionRule.objects.filter(active=True)},
        )
