"""Evaluation plan pages for the body operator (and read-only for the authority): plan, sittings, staff,
roster import with its report, scores, results; the public results page; coverage pages."""

from __future__ import annotations

import csv
import io
import uuid

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from filing import access, coverage, selectors
from filing.errors import DomainError, Invalid
from filing.exports import safe_cell
from filing.models import (
    AssessmentPart,
    EvaluationPlan,
    Evaluator,
    FiledLine,
    FiledLineStatus,
    Organisation,
    PlanStatus,
    Registration,
    RosterImport,
    Sitting,
    StaffRole,
)
from filing.roles import Role
from filing.roster import template_xlsx
from filing.services import plans as svc
from filing.services import roster as roster_svc
from filing.views.base import DomainFormMixin, error_response


class PlanMixin:
    def dispatch(self, request, *args, **kwargs):
        try:
            self.plan = selectors.plans_visible_to(request.user).get(pk=kwargs["pk"])
        except (EvaluationPlan.DoesNotExist, ValueError):
            raise Http404 from None
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        return reverse("plans:detail", args=[self.plan.pk])

    def get_context_data(self, **kwargs):
        kwargs.setdefault("plan", self.plan)
        return super().get_context_data(**kwargs)


class PlanListView(ListView):
    template_name = "filing/plan_list.html"
    context_object_name = "plans"
    paginate_by = 50

    def get_queryset(self):
        return selectors.plans_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = selectors.bodies_operated_by(self.request.user).exists()
        return context


class LineChoice(djforms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.body.name} · {obj.offering}"


class PlanForm(djforms.Form):
    line = LineChoice(FiledLine.objects.none(), label=_("备案项目"))
    title = djforms.CharField(label=_("计划名称"), max_length=120)
    expected_headcount = djforms.IntegerField(label=_("预计人数"), min_value=1, max_value=100000)
    first_sitting_on = djforms.DateField(
        label=_("首场考核日期"), widget=djforms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = FiledLine.objects.filter(
            body__in=selectors.bodies_operated_by(user), status=FiledLineStatus.ACTIVE
        ).select_related("body", "offering__occupation", "offering__work_type")


class PlanCreateView(DomainFormMixin, FormView):
    template_name = "filing/form.html"
    form_class = PlanForm
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
        is_operator = access.acts_for(self.request.user, plan.body.organisation_id, Role.BODY_OPERATOR)
        sittings = list(plan.sittings.prefetch_related("staff__evaluator"))
        context.update(
            is_operator=is_operator,
            sittings=sittings,
            problems=[p for s in sittings for p in svc.staffing_problems(s)],
            registrations=plan.registrations.select_related("candidate", "major", "school")
            .prefetch_related("scores")
            .order_by("row_number", "pk")[:1000],
            imports=plan.imports.all()[:10],
            parts=[AssessmentPart(p) for p in svc.required_parts(plan)],
            counts={
                s: plan.registrations.filter(status=s).count()
                for s in ("eligible", "ineligible", "passed", "failed")
            },
            sitting_form=SittingForm(plan=plan),
            staff_form=StaffForm(plan=plan),
            can_reveal=self.request.user.has_perm("filing.view_full_id_number") or is_operator,
            # A fresh key per page view: a double click or a resubmitted form creates no second batch.
            idempotency_key=f"plan-{plan.pk}-{uuid.uuid4().hex}",
        )
        return context


class SittingForm(djforms.Form):
    part = djforms.ChoiceField(label=_("考核方式"), choices=AssessmentPart.choices)
    starts_at = djforms.DateTimeField(
        label=_("开始时间"),
        widget=djforms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
    )
    ends_at = djforms.DateTimeField(
        label=_("结束时间"),
        widget=djforms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
    )
    room = djforms.CharField(label=_("考场"), max_length=60)
    candidates_expected = djforms.IntegerField(label=_("考生人数"), min_value=1)

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["part"].choices = [(p, AssessmentPart(p).label) for p in svc.required_parts(plan)]


class StaffForm(djforms.Form):
    sitting = djforms.ModelChoiceField(Sitting.objects.none(), label=_("场次"))
    evaluator = djforms.ModelChoiceField(Evaluator.objects.all(), label=_("考评人员"))
    role = djforms.ChoiceField(label=_("人员类别"), choices=StaffRole.choices)

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["sitting"].queryset = plan.sittings.all()


class SittingAddView(PlanMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("增加考核场次")}

    def get_form(self, form_class=None):
        return SittingForm(**self.get_form_kwargs(), plan=self.plan)

    def perform(self, form):
        return svc.sitting_add(actor=self.request.user, plan=self.plan, **form.cleaned_data)


class StaffAssignView(PlanMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("安排考务人员")}

    def get_form(self, form_class=None):
        return StaffForm(**self.get_form_kwargs(), plan=self.plan)

    def perform(self, form):
        return svc.staff_assign(actor=self.request.user, **form.cleaned_data)


ACTIONS = {
    "file": lambda user, plan, post: svc.plan_file(actor=user, plan=plan),
    "open_registration": lambda user, plan, post: svc.plan_open_registration(actor=user, plan=plan),
    "close_registration": lambda user, plan, post: svc.plan_close_registration(actor=user, plan=plan),
    "start": lambda user, plan, post: svc.plan_start(actor=user, plan=plan),
    "finish_sittings": lambda user, plan, post: svc.plan_finish_sittings(actor=user, plan=plan),
    "publish_results": lambda user, plan, post: svc.plan_publish_results(actor=user, plan=plan),
    "submit_results": lambda user, plan, post: svc.plan_submit_results(actor=user, plan=plan),
    "cancel": lambda user, plan, post: svc.plan_cancel(actor=user, plan=plan, reason=post.get("reason", "")),
}


class PlanActionView(PlanMixin, View):
    def post(self, request, pk, action):
        if action not in ACTIONS:
            raise Http404
        try:
            ACTIONS[action](request.user, self.plan, request.POST)
        except Invalid as exc:
            for field_messages in exc.errors.values() or [[exc.message]]:
                for message in field_messages:
                    messages.error(request, message)
        except DomainError as exc:
            return error_response(request, exc)
        return redirect("plans:detail", pk=self.plan.pk)


class RosterUploadForm(djforms.Form):
    file = djforms.FileField(label=_("考生名册（.xlsx 或 .csv，不超过10MB）"))


class RosterUploadView(PlanMixin, FormView):
    template_name = "filing/form.html"
    form_class = RosterUploadForm
    extra_context = {"title": _("导入考生名册"), "multipart": True}

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            form.add_error("file", _("文件超过10MB。"))
            return self.form_invalid(form)
        try:
            record = roster_svc.roster_import(
                actor=self.request.user, plan=self.plan, file_name=upload.name, data=upload.read()
            )
        except DomainError as exc:
            return error_response(self.request, exc)
        if record.outcome == RosterImport.Outcome.REJECTED:
            messages.error(
                self.request,
                _("名册有误，整份文件未导入，共%(n)d处错误，请下载错误报告。") % {"n": len(record.report)},
            )
        else:
            messages.success(self.request, _("已导入%(n)d名考生。") % {"n": record.rows})
        return redirect("plans:detail", pk=self.plan.pk)


class RosterTemplateView(View):
    def get(self, request):
        response = HttpResponse(
            template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = (
            "attachment; filename*=UTF-8''%E8%80%83%E7%94%9F%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx"
        )
        return response


class RosterReportView(PlanMixin, View):
    def get(self, request, pk, import_pk):
        record = get_object_or_404(RosterImport, pk=import_pk, plan=self.plan)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in roster_svc.report_rows(record):
            writer.writerow([safe_cell(c) for c in row])
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="roster-report-{record.pk}.csv"'
        return response


class ScoreEntryView(PlanMixin, View):
    """One row per candidate, one field per required part; empty + 缺考/违纪 boxes."""

    template_name = "filing/score_entry.html"

    def get(self, request, pk):
        return self.render()

    def render(self, errors=None, status=200):
        registrations = (
            self.plan.registrations.filter(
                status__in=["scheduled", "assessed", "passed", "failed", "absent", "disqualified"]
            )
            .select_related("candidate")
            .prefetch_related("scores")
            .order_by("row_number", "pk")
        )
        rows = []
        for r in registrations:
            scores = {s.part: s for s in r.scores.all()}
            rows.append(
                {"registration": r, "scores": [(p, scores.get(p)) for p in svc.required_parts(self.plan)]}
            )
        return render(
            self.request,
            self.template_name,
            {
                "plan": self.plan,
                "rows": rows,
                "parts": [AssessmentPart(p) for p in svc.required_parts(self.plan)],
                "errors": errors or [],
            },
            status=status,
        )

    def post(self, request, pk):
        errors = []
        for registration in self.plan.registrations.filter(
            status__in=["scheduled", "assessed", "passed", "failed", "absent", "disqualified"]
        ):
            for part in svc.required_parts(self.plan):
                key = f"{registration.pk}_{part}"
                score, flag = (
                    request.POST.get(f"score_{key}", "").strip(),
                    request.POST.get(f"flag_{key}", ""),
                )
                if not score and not flag:
                    continue
                try:
                    svc.score_enter(
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


class RevealView(PlanMixin, View):
    """Shows one full ID number to a permitted user, once, with an audit entry; never in a URL."""

    def post(self, request, pk):
        registration = get_object_or_404(Registration, pk=request.POST.get("registration"), plan=self.plan)
        try:
            number = svc.reveal_document_number(actor=request.user, registration=registration)
        except DomainError as exc:
            return error_response(request, exc)
        response = render(
            request, "filing/reveal.html", {"plan": self.plan, "registration": registration, "number": number}
        )
        response["Cache-Control"] = "no-store"
        return response


@method_decorator(login_not_required, name="dispatch")
class ResultsPublicityView(View):
    """Public results publicity: name, masked ID, occupation, level, outcome only (DOMAIN.md §4)."""

    def get(self, request, pk):
        plan = get_object_or_404(
            EvaluationPlan.objects.select_related(
                "body", "line__offering__occupation", "line__offering__work_type"
            ),
            pk=pk,
            status=PlanStatus.RESULTS_PUBLICITY,
        )
        rows = [
            {
                "name": r.candidate.name,
                "document": _public_mask(r.candidate.document_masked),
                "outcome": r.get_status_display(),
            }
            for r in plan.registrations.filter(status__in=["passed", "failed", "absent", "disqualified"])
            .select_related("candidate")
            .order_by("row_number")
        ]
        response = render(request, "filing/public_results.html", {"plan": plan, "rows": rows})
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "no-store"
        return response


def _public_mask(staff_masked: str) -> str:
    """From the stored staff mask (3101**********1234) keep even less for the public: 3*****************4."""
    if len(staff_masked) < 3:
        return "*" * len(staff_masked)
    return staff_masked[0] + "*" * (len(staff_masked) - 2) + staff_masked[-1]


class CoverageView(TemplateView):
    """One college's coverage matrix (the user's own, or any for the authority)."""

    template_name = "filing/coverage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        own = access.organisation_ids(user, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE, Role.BODY_OPERATOR)
        org_id = self.kwargs.get("org_pk")
        if org_id is None:
            if not own:
                raise Http404
            org_id = own[0]
        if int(org_id) not in own and not (
            access.is_municipal_reviewer(user) or access.has_role(user, Role.AUDITOR)
        ):
            raise Http404
        organisation = get_object_or_404(Organisation, pk=org_id)
        rows = coverage.coverage_for(organisation)
        context.update(organisation=organisation, rows=rows, summary=coverage.summarise(organisation, rows))
        return context


class CityCoverageView(TemplateView):
    template_name = "filing/coverage_city.html"

    def dispatch(self, request, *args, **kwargs):
        if not (access.is_municipal_reviewer(request.user) or access.has_role(request.user, Role.AUDITOR)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summaries = coverage.city_coverage()
        students = sum(s.students for s in summaries)
        covered = sum(s.covered_students for s in summaries)
        context.update(
            summaries=summaries,
            students=students,
            covered=covered,
            share=round(100 * covered / students, 1) if students else 0.0,
        )
        return context


class BodyChoice(djforms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class OfferingMultiChoice(djforms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class AgreementForm(djforms.Form):
    partner = BodyChoice(None, label=_("合作评价机构"))
    agreement_no = djforms.CharField(label=_("协议编号"), max_length=60)
    offerings = OfferingMultiChoice(
        None, label=_("委托评价的职业（工种）等级"), widget=djforms.CheckboxSelectMultiple
    )
    valid_from = djforms.DateField(
        label=_("生效日期"), widget=djforms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    valid_until = djforms.DateField(
        label=_("截止日期"), widget=djforms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )

    def __init__(self, *args, school=None, **kwargs):
        from filing.models import EvaluationBody, OccupationLevel

        super().__init__(*args, **kwargs)
        bodies = EvaluationBody.objects.filter(status="active").exclude(organisation=school)
        self.fields["partner"].queryset = bodies
        self.fields["offerings"].queryset = (
            OccupationLevel.objects.filter(filed_lines__body__in=bodies, filed_lines__status="active")
            .select_related("occupation", "work_type")
            .distinct()
        )


class AgreementCreateView(DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("登记合作评价协议")}

    def dispatch(self, request, *args, **kwargs):
        own = access.organisation_ids(request.user, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE)
        self.school = Organisation.objects.filter(pk__in=own).first()
        if self.school is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return AgreementForm(**self.get_form_kwargs(), school=self.school)

    def perform(self, form):
        from filing.services.agreements import agreement_create

        data = form.cleaned_data
        return agreement_create(
            actor=self.request.user,
            school=self.school,
            partner=data["partner"],
            agreement_no=data["agreement_no"],
            offerings=list(data["offerings"]),
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )

    def get_success_url(self):
        return reverse("plans:coverage")
