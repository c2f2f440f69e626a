"""Annual task list pages: the list, drafting and editing (one target field per indicator), the list's
page with its progress and the actions open to the reader, and the evidence download."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from filing import indicators, selectors
from filing.errors import DomainError, Invalid
from filing.models import TaskEvidence, TaskListStatus
from filing.services import annual_tasks as svc
from filing.services import training
from filing.views.base import DomainFormMixin, error_response, messages_from, visible_or_404

T = TaskListStatus


class TaskListForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["year"]
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        for indicator in indicators.REGISTRY.values():
            how = _("报告并上传佐证") if indicator.reported else _("系统计算")
            self.fields[f"t_{indicator.code}"] = forms.DecimalField(
                label=f"{indicator.label}（{indicator.unit}）",
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=1,
                help_text=f"{how}{'：' + str(indicator.help_text) if indicator.help_text else ''}",
            )

    def targets(self) -> list[dict]:
        return [
            {"indicator": name[2:], "target": value}
            for name, value in self.cleaned_data.items()
            if name.startswith("t_") and value is not None
        ]


_college = svc.college_of


class TaskListIndexView(ListView):
    template_name = "filing/task_list_index.html"
    context_object_name = "task_lists"
    paginate_by = 50

    def get_queryset(self):
        if not svc.may_view_task_lists(self.request.user):
            raise Http404
        return selectors.task_lists_visible_to(self.request.user).order_by("-year", "organisation__name")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, can_create=_college(self.request.user) is not None)


class TaskListCreateView(DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {
        "title": _("编制年度任务清单"),
        "intro": _("每项指标填写年度目标；留空的指标不列入清单。系统计算的指标按登记数据自动统计进度。"),
    }

    def dispatch(self, request, *args, **kwargs):
        self.college = _college(request.user)
        if self.college is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return TaskListForm(**self.get_form_kwargs())

    def get_initial(self):
        return {"year": timezone.localdate().year}

    def perform(self, form):
        return svc.task_list_create(
            actor=self.request.user,
            organisation=self.college,
            year=form.cleaned_data["year"],
            targets=form.targets(),
        )

    def get_success_url(self):
        messages.success(self.request, _("任务清单已保存为草稿。"))
        return reverse("dashboard:task_list", args=[self.result.pk])


class TaskListEditView(DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("修改年度任务清单")}

    def dispatch(self, request, *args, **kwargs):
        self.task_list = visible_or_404(selectors.task_lists_visible_to(request.user), request, kwargs["pk"])
        if not svc.drafts_for(request.user, self.task_list.organisation):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return TaskListForm(**self.get_form_kwargs(), editing=True)

    def get_initial(self):
        initial = {f"t_{t.indicator}": t.target for t in self.task_list.targets.all()}
        return {**initial, "version": self.task_list.version}

    def perform(self, form):
        return svc.task_list_update(
            actor=self.request.user,
            task_list=self.task_list,
            targets=form.targets(),
            version=form.cleaned_data.get("version"),
        )

    def get_success_url(self):
        messages.success(self.request, _("指标已保存。"))
        return reverse("dashboard:task_list", args=[self.task_list.pk])


class TaskListDetailView(DetailView):
    template_name = "filing/task_list_detail.html"
    context_object_name = "task_list"

    def get_object(self, queryset=None):
        return visible_or_404(
            selectors.task_lists_visible_to(self.request.user), self.request, self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tl, user = self.object, self.request.user
        college = svc.drafts_for(user, tl.organisation)
        district = svc.confirms_in_district(user, tl)
        city = svc.confirms_for_city(user, tl)
        waiting_me = (tl.status == T.SUBMITTED and district) or (tl.status == T.DISTRICT_CONFIRMED and city)
        context.update(
            rows=svc.progress(tl),
            can_edit=college and tl.status in (T.DRAFT, T.RETURNED),
            can_submit=college and tl.status in (T.DRAFT, T.RETURNED),
            can_confirm=waiting_me,
            can_return=waiting_me,
            can_report=college and tl.status == T.CONFIRMED,
            can_confirm_reports=district or city,
            can_assess=college and tl.status == T.CONFIRMED,
        )
        return context


DONE = {
    "submit": _("任务清单已提交，待区级确认。"),
    "confirm": _("已确认任务清单。"),
    "return": _("已退回任务清单。"),
    "assess": _("年终自评已提交。"),
    "report": _("已报告指标完成情况，待审核人员核实。"),
    "confirm_target": _("已核实报告值。"),
}


def _perform(action: str, request, task_list):
    post, user = request.POST, request.user
    version = post.get("version")
    if action == "submit":
        return svc.task_list_submit(actor=user, task_list=task_list, version=version)
    if action == "confirm":
        return svc.task_list_confirm(actor=user, task_list=task_list, version=version)
    if action == "return":
        return svc.task_list_return(
            actor=user, task_list=task_list, reason=post.get("reason"), version=version
        )
    if action == "assess":
        return svc.task_list_assess(actor=user, task_list=task_list, text=post.get("text"), version=version)
    if action == "report":
        return svc.target_report(
            actor=user,
            task_list=task_list,
            target_pk=post.get("target"),
            value=post.get("value"),
            evidence=request.FILES.get("evidence"),
        )
    return svc.target_confirm(actor=user, task_list=task_list, target_pk=post.get("target"))


class TaskListActionView(View):
    def post(self, request, pk, action):
        if action not in DONE:
            raise Http404
        task_list = visible_or_404(selectors.task_lists_visible_to(request.user), request, pk)
        try:
            _perform(action, request, task_list)
        except Invalid as exc:
            for message in messages_from(exc):
                messages.error(request, message)
        except DomainError as exc:
            return error_response(request, exc)
        else:
            messages.success(request, DONE[action])
        return redirect("dashboard:task_list", pk=task_list.pk)


class EvidenceView(View):
    """A reported value's evidence, for whoever may see the task list (audited)."""

    def get(self, request, pk, evidence_pk):
        task_list = visible_or_404(selectors.task_lists_visible_to(request.user), request, pk)
        evidence = TaskEvidence.objects.filter(target__task_list=task_list, pk=evidence_pk).first()
        if evidence is None:
            raise Http404
        from filing.audit import audit_record

        audit_record(
            actor=request.user, action="task_evidence.open", obj=task_list, payload={"id": evidence.pk}
        )
        response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
        response["Content-Disposition"] = 'attachment; filename="evidence"'
        return response


class TrainingView(View):
    """The college's training classes and apprenticeship agreements, and their import (all or nothing)."""

    template_name = "filing/training.html"

    def dispatch(self, request, *args, **kwargs):
        self.college = _college(request.user)
        if self.college is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def render(self, request, report=None, status=200):
        from django.shortcuts import render

        from filing.models import ApprenticeshipAgreement, TrainingClass

        context = {
            "college": self.college,
            "classes": TrainingClass.objects.filter(organisation=self.college).select_related("occupation")[
                :200
            ],
            "agreements": ApprenticeshipAgreement.objects.filter(organisation=self.college)[:200],
            "class_columns": list(training.CLASS_COLUMNS.values()),
            "apprentice_columns": list(training.APPRENTICE_COLUMNS.values()),
            "report": report,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render(request)

    def post(self, request, *args, **kwargs):
        upload = request.FILES.get("file")
        if upload is None or upload.size > training.MAX_UPLOAD_BYTES:
            messages.error(request, _("请选择不超过10MB的文件。"))
            return self.render(request, status=422)
        try:
            n = training.training_import(
                actor=request.user,
                organisation=self.college,
                what=request.POST.get("what", ""),
                file_name=upload.name or "",
                data=upload.read(),
            )
        except Invalid as exc:
            messages.error(request, exc.message)
            return self.render(request, report=exc.details.get("report") or [], status=422)
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(request, _("已导入%(n)d条记录。") % {"n": n})
        return redirect("dashboard:training")
