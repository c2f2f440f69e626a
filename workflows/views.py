"""Task pages: the reviewer's inbox and queue, and one page per task with the form its node takes (the node
table says which form and which service).

viewflow owns the tasks (queues, assignment, history); these pages list them through viewflow's own
managers and act through :mod:`workflows.services`. viewflow's generic process pages are not mounted: they
are not scoped by district, and a reviewer must never see another district's work.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView
from viewflow.workflow.status import STATUS

from filing import access, selectors
from filing.clock import clock_status
from filing.errors import Denied, DomainError, Invalid, NotFound
from filing.listing import ChoiceFilter, Column, DateRange, FilteredListMixin, ListSpec
from filing.models import (
    Complaint,
    EvaluationPlan,
    ExpertAssignment,
    HolderCorrectionRequest,
    RevocationRequest,
)
from filing.panel import outcome as panel_outcome
from filing.services import national, review
from filing.services.corrections import changes_since, last_answered
from filing.services.experts import score_summary
from filing.services.review import last_send_back
from filing.services.staffing import staffing_problems
from filing.views.base import apply_errors, error_response

from . import deputies, forms, services
from . import selectors as wf_selectors
from .models import NationalRejectionProcess, TaskCopy
from .operations import take_back_refusal
from .steps import NODES
from .subjects import subject_label, subject_owner, subject_text
from .task_tools import may_batch, operations_context

TASK_STATES = [(STATUS.ASSIGNED, _("我的待办")), (STATUS.NEW, _("待认领"))]

TASK_LIST = ListSpec(
    search=(
        "process__filingreviewprocess__application__organisation__name",
        "process__planprocess__plan__title",
        "process__planprocess__plan__body__name",
        "process__revocationprocess__request__certificate__number",
        "process__holdercorrectionprocess__request__certificate__number",
        "process__nationalrejectionprocess__records__number",
        "process__complaintprocess__complaint__number",
    ),
    search_label=_("申请编号、计划编号或名称"),
    search_hook=wf_selectors.subject_search,
    status_choices=TASK_STATES,
    status_label=_("任务状态"),
    status_empty_label=_("全部待办"),
    date_field="created",
    date_label=_("创建日期"),
    filters=(
        ChoiceFilter("kind", _("任务类型"), "flow_task", wf_selectors.human_node_choices, _("全部类型")),
    ),
    date_ranges=(DateRange("due", _("办理时限"), "due_on"),),
    sorts={
        "oldest": (_("最早创建在前"), ("created",)),
        "newest": (_("最近创建在前"), ("-created",)),
        "due": (_("时限最近在前"), (F("due_on").asc(nulls_last=True), "created")),
    },
    default_sort="oldest",
    columns=[
        Column(_("任务"), lambda t: t.flow_task.task_title),
        Column(_("办理对象"), subject_text),
        Column(_("单位"), subject_owner),
        Column(_("任务状态"), lambda t: dict(TASK_STATES).get(t.status, t.status)),
        Column(_("创建时间"), lambda t: t.created),
        Column(_("办理时限"), lambda t: t.due_on),
    ],
    filename="tasks",
    prepare=wf_selectors.attach_subjects,
)


class InboxView(FilteredListMixin, ListView):
    """我的待办 and 待认领 in one list (search, kind, state, created and due dates, sorting, pages, Excel),
    each task with its subject and its statutory clock; the last tasks done below."""

    template_name = "workflows/inbox.html"
    context_object_name = "tasks"
    spec = TASK_LIST

    def scoped_queryset(self):
        return wf_selectors.open_tasks_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tasks = list(context["tasks"])
        archive = list(wf_selectors.tasks_visible_to(self.request.user)["archive"])
        wf_selectors.attach_subjects([*tasks, *archive])
        context["rows"] = [self._row(t) for t in tasks]
        context["archive"] = [
            {
                **self._row(t),
                "may_take_back": take_back_refusal(self.request.user, t) is None,
                "acting": deputies.acting_label(t),
            }
            for t in archive
        ]
        context["may_batch"] = may_batch(self.request.user)
        context["may_deputise"] = deputies.works_in_queues(self.request.user)
        context["copies"] = TaskCopy.objects.filter(recipient=self.request.user).select_related(
            "task", "copied_by"
        )[:20]
        return context

    def _row(self, task) -> dict:
        application = task.subject["application"]
        return {
            "task": task,
            **task.subject,
            "clock": clock_status(application) if application and application.accepted_on else None,
        }


class TaskPageMixin:
    """Loads the task the user may see (404 otherwise), its node's spec and its subject."""

    def dispatch(self, request, *args, **kwargs):
        try:
            self.task = wf_selectors.get_task_for(request.user, kwargs["task_pk"])
        except NotFound as exc:
            exc.record()
            raise Http404 from None
        self.node = wf_selectors.node_name(self.task)
        self.spec = NODES.get(self.node)
        self.subject = wf_selectors.subject_of(self.task)
        return super().dispatch(request, *args, **kwargs)

    def refusal(self) -> str | None:
        """Why the user may not decide this review step (four-eyes, recusal, scope), said before typing."""
        if self.spec is None or not self.spec.decides_review_step:
            return None
        return review.reviewer_refusal(self.request.user, self.subject, self.spec.step)

    def can_act(self) -> bool:
        owners = (None, self.request.user.pk, *deputies.principals_of(self.request.user))
        return (
            self.task.owner_id in owners
            and self.task.status in ("NEW", "ASSIGNED")
            and self.refusal() is None
        )

    def operations_context(self) -> dict:
        return operations_context(self.request.user, self.task, can_act=self.can_act())

    def form_for(self, data=None, button: str | None = None):
        form_class = (self.spec.alternatives.get(button) if button else None) or (
            self.spec and self.spec.form
        )
        return form_class(data, subject=self.subject) if form_class else None

    def perform(self, form):
        return services.task_complete(
            actor=self.request.user, task_pk=self.task.pk, arguments=form.arguments()
        )

    def post(self, request, task_pk):
        button = next(
            (name for name in (self.spec.alternatives if self.spec else {}) if name in request.POST), None
        )
        form = self.form_for(request.POST, button)
        if form is None:
            raise Http404
        if form.is_valid():
            answer = request.POST.get("confirmed")
            if answer == "back":  # from the confirmation: the form again, as typed
                return self.render_page(form)
            confirmation = form.confirmation(self.node) if self.can_act() else None
            if confirmation is not None and answer != "1":
                return self.render_confirmation(confirmation)
            try:
                self.perform(form)
            except Invalid as exc:
                apply_errors(form, exc)
            except Denied as exc:
                # The opinion the reviewer typed stays on the page, with the reason it was refused.
                exc.record()
                form.add_error(None, exc.message)
                return self.render_page(form, status=403)
            except DomainError as exc:
                return error_response(request, exc)
            else:
                messages.success(request, _("已办理：%(task)s") % {"task": self.task.flow_task.task_title})
                return redirect(reverse("tasks:inbox"))
        return self.render_page(form, status=422)

    def render_confirmation(self, confirmation: dict):
        """The step cannot be undone: name the object and the consequence; the answer travels along."""
        posted = [
            (name, value)
            for name in self.request.POST
            if name not in ("csrfmiddlewaretoken", "confirmed")
            for value in self.request.POST.getlist(name)
        ]
        return render(
            self.request,
            "filing/confirm.html",
            {
                **confirmation,
                "object_label": subject_label(self.subject),
                "object_detail": self.task.flow_task.task_title,
                "action_url": reverse("tasks:task", args=[self.task.pk]),
                "hidden_pairs": posted,
                "confirm_value": "1",
                "back_in_form": True,
                "danger": True,
            },
        )


class TaskView(TaskPageMixin, View):
    """GET shows the subject and the node's form; POST completes the node through its service."""

    template_name = "workflows/task.html"

    def get(self, request, task_pk):
        return self.render_page(self.form_for())

    def render_page(self, form, status=200):
        if isinstance(self.subject, EvaluationPlan):
            return self.render_plan(form, status)
        if isinstance(self.subject, NationalRejectionProcess):
            return self.render_rejections(form, status)
        if isinstance(self.subject, Complaint):
            return render(
                self.request,
                "workflows/complaint_task.html",
                {
                    **self.operations_context(),
                    "task": self.task,
                    "node": self.node,
                    "complaint": self.subject,
                    "form": form,
                    "can_act": self.can_act(),
                },
                status=status,
            )
        if isinstance(self.subject, HolderCorrectionRequest):
            return render(
                self.request,
                "workflows/holder_correction_task.html",
                {
                    **self.operations_context(),
                    "task": self.task,
                    "node": self.node,
                    "request_obj": self.subject,
                    "certificate": self.subject.certificate,
                    "form": form,
                    "can_act": self.can_act(),
                },
                status=status,
            )
        if isinstance(self.subject, RevocationRequest):
            return render(
                self.request,
                "workflows/revocation_task.html",
                {
                    **self.operations_context(),
                    "task": self.task,
                    "node": self.node,
                    "request_obj": self.subject,
                    "certificate": self.subject.certificate,
                    "form": form,
                    "can_act": self.can_act(),
                },
                status=status,
            )
        return render(self.request, self.template_name, self.application_context(form), status=status)

    def application_context(self, form) -> dict:
        user = self.request.user
        application = self.subject
        visible = selectors.applications_visible_to(user).filter(pk=application.pk).exists() or (
            ExpertAssignment.objects.filter(application=application, expert=user).exists()
        )
        app = selectors.application_detail(user, application.pk) if visible else application
        answered = last_answered(app)
        alternatives = {name: form_class(subject=app) for name, form_class in self.spec.alternatives.items()}
        return {
            **self.operations_context(),
            "task": self.task,
            "node": self.node,
            "application": app,
            "send_back_reasons": last_send_back(app) if self.node == "district_review" else None,
            "form": form,
            "lines": app.lines.all(),
            "attachments": app.attachments.filter(superseded_at__isnull=True),
            "attachment_history": selectors.attachment_history(app),
            "clock": clock_status(app) if app.accepted_on else None,
            "changes": changes_since(answered) if answered else None,
            "scores": score_summary(app) if self.node == "decision" else {},
            "panel_rule": panel_outcome(app).explanation if self.node == "decision" else "",
            "conflict_form": alternatives.get("declare_conflict"),
            "can_act": self.can_act(),
            "refusal": self.refusal(),
            "transfer_form": forms.TransferForm(task=self.task) if self._is_lead() else None,
        }

    def render_plan(self, form, status):
        plan = self.subject
        return render(
            self.request,
            "workflows/plan_task.html",
            {
                **self.operations_context(),
                "task": self.task,
                "node": self.node,
                "plan": plan,
                "form": form,
                "sittings": plan.sittings.prefetch_related("staff__evaluator"),
                "problems": [p for s in plan.sittings.all() for p in staffing_problems(s)],
                "registrations": plan.registrations.select_related("candidate", "major").order_by(
                    "row_number"
                )[:500],
                "can_act": self.can_act(),
            },
            status=status,
        )

    def render_rejections(self, form, status):
        process = self.subject
        still_open = set(
            national.open_rejections().filter(rejection_processes=process).values_list("pk", flat=True)
        )
        records = process.records.select_related("certificate", "report").order_by("number", "version")
        return render(
            self.request,
            "workflows/national_rejection_task.html",
            {
                **self.operations_context(),
                "task": self.task,
                "node": self.node,
                "body": process.body,
                "rows": [{"record": r, "open": r.pk in still_open} for r in records],
                "form": form,
                "can_act": self.can_act(),
            },
            status=status,
        )

    def _is_lead(self) -> bool:
        role = self.spec.unit_role if self.spec else None
        return bool(role) and access.is_unit_lead(self.request.user, role)


class TaskActionView(View):
    def post(self, request, task_pk):
        try:
            self.act(request, task_pk)
        except Invalid as exc:
            messages.error(request, exc.message)
        except NotFound as exc:
            exc.record()
            raise Http404 from None
        except DomainError as exc:
            return error_response(request, exc)
        return redirect(self.next_url(task_pk))

    def next_url(self, task_pk):
        return reverse("tasks:task", args=[task_pk])


class ClaimView(TaskActionView):
    def act(self, request, task_pk):
        wf_selectors.get_task_for(request.user, task_pk)
        services.task_claim(actor=request.user, task_pk=task_pk)
        messages.success(request, _("已认领任务。"))


class ReleaseView(TaskActionView):
    def act(self, request, task_pk):
        wf_selectors.get_task_for(request.user, task_pk)
        services.task_release(actor=request.user, task_pk=task_pk)
        messages.success(request, _("已释放任务，其他同事可以认领。"))

    def next_url(self, task_pk):
        return reverse("tasks:inbox")


class TransferView(TaskActionView):
    def act(self, request, task_pk):
        task = wf_selectors.get_task_for(request.user, task_pk)
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
