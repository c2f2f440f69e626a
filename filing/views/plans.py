"""Evaluation plan pages for the body operator (and read-only for the authority): plans, sittings, staff,
scores and results. The roster is in :mod:`filing.views.roster`, coverage in :mod:`filing.views.coverage`,
the public results page in :mod:`filing.views.public`."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from filing import access, forms, methods, selectors
from filing.errors import Denied, DomainError, Invalid, WrongState
from filing.listing import Column, FilteredListMixin, ListSpec
from filing.models import (
    PLAN_NOT_STARTED,
    SCORABLE,
    AssessmentPart,
    PlanStatus,
    RecusalDeclaration,
    RegistrationPhoto,
)
from filing.services import competitions, results, supervision_reports
from filing.services import photos as photo_svc
from filing.services import plans as svc
from filing.services.common import required_parts
from filing.services.staffing import staffing_problems
from filing.views.base import DomainFormMixin, error_response, messages_from, visible_or_404


class PlanMixin:
    def dispatch(self, request, *args, **kwargs):
        self.plan = visible_or_404(selectors.plans_visible_to(request.user), request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        return reverse("plans:detail", args=[self.plan.pk])

    def get_context_data(self, **kwargs):
        kwargs.setdefault("plan", self.plan)
        return super().get_context_data(**kwargs)


PLAN_LIST = ListSpec(
    search=("title", "body__name", "body__serial", "line__offering__occupation__name"),
    search_label=_("计划、评价机构或职业"),
    status_choices=PlanStatus.choices,
    date_field="first_sitting_on",
    date_label=_("首场考核日期"),
    sorts={
        "newest": (_("最近创建在前"), ("-created_at",)),
        "first_sitting": (_("首场考核日期（早的在前）"), ("first_sitting_on",)),
        "first_sitting_desc": (_("首场考核日期（晚的在前）"), ("-first_sitting_on",)),
        "body": (_("按评价机构"), ("body__name", "first_sitting_on")),
    },
    default_sort="newest",
    columns=[
        Column(_("计划"), lambda p: p.title),
        Column(_("评价机构"), lambda p: p.body.name),
        Column(_("评价机构代码"), lambda p: p.body.code),
        Column(_("职业（工种）等级"), lambda p: str(p.line.offering)),
        Column(_("预计人数"), lambda p: p.expected_headcount),
        Column(_("首场考核"), lambda p: p.first_sitting_on),
        Column(_("状态"), lambda p: p.get_status_display()),
    ],
    filename="plans",
    hidden_by_default=(PlanStatus.CANCELLED,),  # out of the way; the status filter shows them
)


class OperatorOnlyMixin:
    """A form page of the body's operators only: others who may see the plan get 403 (audited)."""

    def dispatch(self, request, *args, **kwargs):
        self.plan = visible_or_404(selectors.plans_visible_to(request.user), request, kwargs["pk"])
        if not access.operates_body(request.user, self.plan.body):
            return error_response(
                request,
                Denied(
                    _("只有本评价机构的考务人员可以办理。"),
                    actor=request.user,
                    action="plan.form",
                    obj=self.plan,
                ),
            )
        return super().dispatch(request, *args, **kwargs)


class PlanListView(FilteredListMixin, ListView):
    template_name = "filing/plan_list.html"
    context_object_name = "plans"
    spec = PLAN_LIST

    def scoped_queryset(self):
        return selectors.plans_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = selectors.bodies_operated_by(self.request.user).exists()
        context["statuses"] = PlanStatus.choices
        context["status"] = self.request.GET.get("status", "")
        return context


class PlanCreateView(DomainFormMixin, FormView):
    template_name = "filing/form.html"
    form_class = forms.PlanForm
    extra_context = {"title": _("新建认定计划")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        data = form.cleaned_data
        return svc.plan_create(actor=self.request.user, body=data["line"].body, **data)

    def get_success_url(self):
        return reverse("plans:detail", args=[self.result.pk])


class PlanDetailView(PlanMixin, TemplateView):
    template_name = "filing/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.plan
        is_operator = access.operates_body(self.request.user, plan.body)
        sittings = list(
            plan.sittings.select_related("supervision_report").prefetch_related("staff__evaluator")
        )
        context.update(
            is_operator=is_operator,
            is_supervisor=supervision_reports.may_file(self.request.user),
            may_choose_supervisor=access.acts_as_authority(self.request.user, plan.body.organisation_id),
            sittings=sittings,
            problems=[p for s in sittings for p in staffing_problems(s)],
            registrations=plan.registrations.select_related("candidate", "major", "school", "evidence")
            .annotate(photo_on_file=Exists(RegistrationPhoto.objects.filter(registration=OuterRef("pk"))))
            .prefetch_related("scores")
            .order_by("row_number", "pk")[:1000],
            imports=plan.imports.all()[:10],
            parts=[AssessmentPart(p) for p in required_parts(plan)],
            counts={
                s: plan.registrations.filter(status=s).count()
                for s in ("eligible", "ineligible", "passed", "failed")
            },
            not_started=plan.status in PLAN_NOT_STARTED,
            recusals=RecusalDeclaration.objects.filter(candidate__registrations__plan=plan)
            .select_related("evaluator", "candidate")
            .distinct()
            .order_by("-declared_at")[:200],
            sitting_form=forms.SittingForm(plan=plan),
            staff_form=forms.StaffForm(plan=plan),
            can_reveal=self.request.user.has_perm("filing.view_full_id_number") or is_operator,
            missing_photos=list(photo_svc.missing_photos(plan)[:200]),
            intake=methods.method_of(plan).intake,
        )
        return context


class PlanEditView(OperatorOnlyMixin, PlanMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("修改认定计划")}

    def get_initial(self):
        plan = self.plan
        return {
            "title": plan.title,
            "expected_headcount": plan.expected_headcount,
            "first_sitting_on": plan.first_sitting_on,
            "photos_waived": plan.photos_waived,
            "version": plan.version,
        }

    def get_form(self, form_class=None):
        return forms.PlanEditForm(**self.get_form_kwargs())

    def get(self, request, *args, **kwargs):
        if self.plan.status not in svc.EDITABLE:
            return error_response(request, WrongState(str(svc.NOT_EDITABLE_MESSAGE)))
        return super().get(request, *args, **kwargs)

    def perform(self, form):
        return svc.plan_update(actor=self.request.user, plan=self.plan, **form.cleaned_data)


ACTIONS = {
    "file": lambda user, plan, post: svc.plan_file(actor=user, plan=plan),
    "open_registration": lambda user, plan, post: svc.plan_open_registration(actor=user, plan=plan),
    "close_registration": lambda user, plan, post: svc.plan_close_registration(actor=user, plan=plan),
    "start": lambda user, plan, post: svc.plan_start(actor=user, plan=plan),
    "finish_sittings": lambda user, plan, post: svc.plan_finish_sittings(actor=user, plan=plan),
    "publish_results": lambda user, plan, post: results.plan_publish_results(actor=user, plan=plan),
    "submit_results": lambda user, plan, post: results.plan_submit_results(actor=user, plan=plan),
    "cancel": lambda user, plan, post: svc.plan_cancel(actor=user, plan=plan, reason=post.get("reason", "")),
    "enrol_promotions": lambda user, plan, post: competitions.promotion_enrol(actor=user, plan=plan),
    "withdraw": lambda user, plan, post: svc.plan_withdraw_filing(
        actor=user, plan=plan, reason=post.get("reason", "")
    ),
}


@dataclass(frozen=True)
class Confirmation:
    """What a step that cannot be undone says before it is taken: the consequence, named for the plan."""

    title: str
    consequence: str
    button: str
    danger: bool = False
    reason_label: str = ""


#: Plan steps that cannot be undone go through a confirmation page (GET of the action's URL).
CONFIRMATIONS = {
    "cancel": Confirmation(
        _("取消认定计划"),
        _(
            "取消后本计划终止，已报名的考生不能再参加本计划的考核，计划不能恢复；如仍需组织认定，须重新制定计划。"
        ),
        _("确认取消计划"),
        danger=True,
        reason_label=_("取消理由（将记入计划并告知相关人员）"),
    ),
    "withdraw": Confirmation(
        _("撤回认定计划备案"),
        _(
            "撤回后本计划回到草稿状态，市职业技能鉴定中心不再确认；修改后须重新报备，"
            "并须在首场考核前留足规定的工作日。"
        ),
        _("确认撤回备案"),
        reason_label=_("撤回理由（将告知市职业技能鉴定中心）"),
    ),
    "publish_results": Confirmation(
        _("公示认定结果"),
        _("公示后考生姓名（部分隐去）与成绩结果即在公示页向社会公开，成绩不能再修改；如有异议须按程序处理。"),
        _("确认公示结果"),
    ),
    "submit_results": Confirmation(
        _("报送认定结果"),
        _("报送后结果交市职业技能鉴定中心审核，本机构不能再修改；审核通过后方可发放证书。"),
        _("确认报送"),
    ),
}


class PlanActionView(PlanMixin, View):
    def get(self, request, pk, action):
        confirmation = CONFIRMATIONS.get(action)
        if confirmation is None:
            return self.http_method_not_allowed(request)
        if not access.operates_body(request.user, self.plan.body):
            return error_response(
                request,
                Denied(
                    _("只有本评价机构的考务人员可以办理。"),
                    actor=request.user,
                    action=f"plan.{action}",
                    obj=self.plan,
                ),
            )
        return render(
            request,
            "filing/confirm.html",
            {
                "title": confirmation.title,
                "object_label": self.plan.title,
                "object_detail": " · ".join(
                    [self.plan.body.name, str(self.plan.line.offering), self.plan.get_status_display()]
                ),
                "consequence": confirmation.consequence,
                "button": confirmation.button,
                "danger": confirmation.danger,
                "reason_label": confirmation.reason_label,
                "action_url": request.path,
                "back_url": reverse("plans:detail", args=[self.plan.pk]),
                "hidden": {},
            },
        )

    def post(self, request, pk, action):
        if action not in ACTIONS:
            raise Http404
        try:
            ACTIONS[action](request.user, self.plan, request.POST)
        except Invalid as exc:
            for message in messages_from(exc):
                messages.error(request, message)
        except DomainError as exc:
            return error_response(request, exc)
        return redirect("plans:detail", pk=self.plan.pk)


class ScoreEntryView(PlanMixin, View):
    """One row per candidate, one field per required part; empty + 缺考/违纪 boxes."""

    template_name = "filing/score_entry.html"

    def get(self, request, pk):
        return self.render()

    def render(self, errors=None, status=200):
        registrations = (
            self.plan.registrations.filter(status__in=SCORABLE)
            .select_related("candidate")
            .prefetch_related("scores")
            .order_by("row_number", "pk")
        )
        rows = []
        for r in registrations:
            scores = {s.part: s for s in r.scores.all()}
            rows.append(
                {"registration": r, "scores": [(p, scores.get(p)) for p in required_parts(self.plan)]}
            )
        return render(
            self.request,
            self.template_name,
            {
                "plan": self.plan,
                "rows": rows,
                "parts": [AssessmentPart(p) for p in required_parts(self.plan)],
                "errors": errors or [],
            },
            status=status,
        )

    def post(self, request, pk):
        errors = []
        for registration in self.plan.registrations.filter(status__in=SCORABLE):
            for part in required_parts(self.plan):
                key = f"{registration.pk}_{part}"
                score, flag = (
                    request.POST.get(f"score_{key}", "").strip(),
                    request.POST.get(f"flag_{key}", ""),
                )
                if not score and not flag:
                    continue
                try:
                    results.score_enter(
                        actor=request.user,
                        registration=registration,
                        part=part,
                        score=score or None,
                        absent=flag == "absent",
                        disqualified=flag == "disqualified",
                    )
                except Invalid as exc:
                    errors.append(
                        f"{registration.candidate.name} {AssessmentPart(part).label}：{exc.message}"
                    )
                except DomainError as exc:
                    return error_response(request, exc)
        if errors:
            return self.render(errors, status=422)
        messages.success(request, _("成绩已保存。"))
        return redirect("plans:detail", pk=self.plan.pk)
