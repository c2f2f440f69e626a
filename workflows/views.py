"""Task pages: the reviewer's inbox and queue, and one page per task with the form its step needs.

viewflow owns the tasks (queues, assignment, history); these pages list them through viewflow's own
managers and act through :mod:`workflows.services`. viewflow's generic process pages are not mounted: they
are not scoped by district, and a reviewer must never see another district's work.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from filing import selectors
from filing.clock import clock_status
from filing.errors import DomainError, Invalid, NotFound
from filing.models import ExpertAssignment, FilingApplication
from filing.services import review
from filing.views.base import apply_errors, error_response

from . import forms, services


def _application_of(task) -> FilingApplication:
    return task.process.filingreviewprocess.application


class InboxView(TemplateView):
    """我的待办 / 待认领 / 最近已办, with each task's subject and its statutory clock."""

    template_name = "workflows/inbox.html"

    def get_context_data(self, **kwargs):
        from filing.models import EvaluationPlan

        context = super().get_context_data(**kwargs)
        lists = {name: list(tasks) for name, tasks in services.tasks_visible_to(self.request.user).items()}
        process_ids = {t.process_id for tasks in lists.values() for t in tasks}
        applications = {
            a.review_process.pk: a
            for a in FilingApplication.objects.filter(review_process__in=process_ids)
            .select_related("organisation", "district", "review_process")
            .prefetch_related("clock_periods")
        }
        plans = {
            p.process.pk: p
            for p in EvaluationPlan.objects.filter(process__in=process_ids).select_related("body", "process")
        }
        for name, tasks in lists.items():
            rows = []
            for t in tasks:
                application = applications.get(t.process_id)
                clock = clock_status(application) if application and application.accepted_on else None
                rows.append(
                    {"task": t, "application": application, "plan": plans.get(t.process_id), "clock": clock}
                )
            context[name] = rows
        return context


class TaskView(View):
    """GET shows the application and the step's form; POST decides the step."""

    template_name = "workflows/task.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.task = services.get_task_for(request.user, kwargs["task_pk"])
        except NotFound:
            raise Http404 from None
        self.node = services.node_name(self.task)
        if self.task.process.flow_class is services.plan_flow_class():
            return PlanTaskView.as_view()(request, task=self.task, node=self.node)
        self.application = _application_of(self.task)
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, data=None):
        lines = list(self.application.lines.select_related("offering__occupation", "offering__work_type"))
        if self.node in services.REVIEW_NODES:
            return forms.ReviewForm(data, application=self.application)
        if self.node == "expert_panel":
            return forms.PanelForm(data)
        if self.node == "expert_score":
            return forms.ScoreForm(data, lines=lines)
        if self.node == "decision":
            return forms.DecisionForm(data, lines=lines)
        return None

    def context(self, form, **extra):
        app = (
            selectors.application_detail(self.request.user, self.application.pk)
            if self._visible()
            else self.application
        )
        last_answered = app.corrections.filter(state="answered").order_by("-round").first()
        return {
            "task": self.task,
            "node": self.node,
            "application": app,
            "form": form,
            "lines": app.lines.all(),
            "attachments": app.attachments.filter(superseded_at__isnull=True),
            "clock": clock_status(app) if app.accepted_on else None,
            "changes": review.changes_since(last_answered) if last_answered else None,
            "scores": review.score_summary(app) if self.node == "decision" else {},
            "conflict_form": forms.ConflictForm() if self.node == "expert_score" else None,
            "can_act": self.task.owner_id in (None, self.request.user.pk)
            and self.task.status in ("NEW", "ASSIGNED"),
            "transfer_form": forms.TransferForm(task=self.task) if self._is_lead() else None,
            **extra,
        }

    def _is_lead(self) -> bool:
        from filing import access
        from filing.roles import Role

        role = Role.DISTRICT_REVIEWER if self.node.startswith("district") else Role.MUNICIPAL_REVIEWER
        return access.is_unit_lead(self.request.user, role)

    def _visible(self) -> bool:
        return selectors.applications_visible_to(self.request.user).filter(
            pk=self.application.pk
        ).exists() or (
            ExpertAssignment.objects.filter(application=self.application, expert=self.request.user).exists()
        )

    def get(self, request, task_pk):
        return render(request, self.template_name, self.context(self.make_form()))

    def perform(self, form, task_pk):
        """The one service call this step's form maps to."""
        user, data = self.request.user, form.cleaned_data
        if isinstance(form, forms.ConflictForm):
            return services.task_expert_conflict(actor=user, task_pk=task_pk, reason=data["reason"])
        if self.node in services.REVIEW_NODES:
            return services.task_review(
                actor=user,
                task_pk=task_pk,
                outcome=data["outcome"],
                comment=data["comment"],
                correction_items=form.correction_items(),
                correction_deadline=data.get("deadline"),
            )
        if self.node == "expert_panel":
            return services.task_assign_panel(actor=user, task_pk=task_pk, experts=list(data["experts"]))
        if self.node == "expert_score":
            return services.task_expert_score(actor=user, task_pk=task_pk, scores=form.scores())
        return services.task_decide(
            actor=user, task_pk=task_pk, line_decisions=form.line_decisions(), comment=data["comment"]
        )

    def post(self, request, task_pk):
        if self.node == "expert_score" and "declare_conflict" in request.POST:
            form = forms.ConflictForm(request.POST)
        else:
            form = self.make_form(request.POST)
            if form is None:
                raise Http404
        if form.is_valid():
            try:
                self.perform(form, task_pk)
            except Invalid as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                return error_response(request, exc)
            else:
                messages.success(request, _("已办理：%(task)s") % {"task": self.task.flow_task.task_title})
                return redirect(reverse("tasks:inbox"))
        return render(request, self.template_name, self.context(form), status=422)


class TaskActionView(View):
    def post(self, request, task_pk):
        try:
            self.act(request, task_pk)
        except Invalid as exc:
            messages.error(request, exc.message)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            return error_response(request, exc)
        return redirect(self.next_url(task_pk))

    def next_url(self, task_pk):
        return reverse("tasks:task", args=[task_pk])


class ClaimView(TaskActionView):
    def act(self, request, task_pk):
        services.get_task_for(request.user, task_pk)
        services.task_claim(actor=request.user, task_pk=task_pk)
        messages.success(request, _("已认领任务。"))


class ReleaseView(TaskActionView):
    def act(self, request, task_pk):
        services.get_task_for(request.user, task_pk)
        services.task_release(actor=request.user, task_pk=task_pk)
        messages.success(request, _("已释放任务，其他同事可以认领。"))

    def next_url(self, task_pk):
        return reverse("tasks:inbox")


class TransferView(TaskActionView):
    def act(self, request, task_pk):
        task = services.get_task_for(request.user, task_pk)
        form = forms.TransferForm(request.POST, task=task)
        if not form.is_valid():
            raise Invalid(_("请选择接收人并填写转办说明。"))
        services.task_transfer(
            actor=request.user,
            task_pk=task_pk,
            to_user_pk=form.cleaned_data["to_user"].pk,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("已转办。"))

    def next_url(self, task_pk):
        return reverse("tasks:inbox")


class PlanTaskView(View):
    """The authority's two tasks on an evaluation plan: confirm the filed plan, audit the results."""

    template_name = "workflows/plan_task.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.task, self.node = kwargs["task"], kwargs["node"]
        self.plan = self.task.process.planprocess.plan

    def render(self, form, status=200):
        from filing.services.plans import staffing_problems

        plan = self.plan
        return render(
            self.request,
            self.template_name,
            {
                "task": self.task,
                "node": self.node,
                "plan": plan,
                "form": form,
                "sittings": plan.sittings.prefetch_related("staff__evaluator"),
                "problems": [p for s in plan.sittings.all() for p in staffing_problems(s)],
                "registrations": plan.registrations.select_related("candidate", "major").order_by(
                    "row_number"
                )[:500],
                "can_act": self.task.owner_id in (None, self.request.user.pk)
                and self.task.status in ("NEW", "ASSIGNED"),
            },
            status=status,
        )

    def get(self, request, *args, **kwargs):
        return self.render(forms.PlanDecisionForm())

    def post(self, request, *args, **kwargs):
        form = forms.PlanDecisionForm(request.POST)
        if form.is_valid():
            call = services.task_plan_review if self.node == "confirm_plan" else services.task_results_audit
            try:
                call(actor=request.user, task_pk=self.task.pk, **form.cleaned_data)
            except Invalid as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                return error_response(request, exc)
            else:
                messages.success(request, _("已办理：%(task)s") % {"task": self.task.flow_task.task_title})
                return redirect(reverse("tasks:inbox"))
        return self.render(form, status=422)
