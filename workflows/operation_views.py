"""Pages of the flow-level task operations (催办, 拿回, 退回到已办环节, 批量审批): they parse the input
and call :mod:`workflows.operations`; what each operation may do is decided there."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View

from filing.errors import Denied, DomainError, Invalid, NotFound
from filing.views.base import apply_errors, error_response

from . import deputies, forms, operations, registry
from . import selectors as wf_selectors
from .steps import BATCH_NODES, NODES
from .subjects import subject_label, subject_owner, subject_text
from .task_tools import COPY_ROLES, copy_candidates, may_batch, send_back_choices
from .views import TaskActionView


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


class UrgeView(TaskActionView):
    def act(self, request, task_pk):
        operations.get_task_to_urge(request.user, task_pk)
        form = forms.UrgeForm(request.POST)
        if not form.is_valid():
            raise Invalid(_("催办说明不能超过200字。"))
        operations.task_urge(actor=request.user, task_pk=task_pk, note=form.cleaned_data["note"])
        messages.success(request, _("已催办，办理人已收到通知。"))

    def next_url(self, task_pk):
        return _safe_next(self.request, reverse("tasks:inbox"))


class TakeBackView(TaskActionView):
    def act(self, request, task_pk):
        wf_selectors.get_task_for(request.user, task_pk)
        self.reopened = operations.task_take_back(actor=request.user, task_pk=task_pk)
        messages.success(request, _("已拿回，原下一环节的待办已取消，请重新办理。"))

    def next_url(self, task_pk):
        reopened = getattr(self, "reopened", None)
        return reverse("tasks:task", args=[reopened.pk]) if reopened else reverse("tasks:inbox")


class SendBackView(View):
    """退回到已办环节 with a reason, after a confirmation page (it cannot be undone by the sender)."""

    def post(self, request, task_pk):
        try:
            task = wf_selectors.get_task_for(request.user, task_pk)
        except NotFound as exc:
            exc.record()
            raise Http404 from None
        spec = NODES.get(wf_selectors.node_name(task))
        choices = send_back_choices(task, spec)
        form = forms.SendBackForm(request.POST, choices=choices)
        if not choices:
            raise Http404
        if not form.is_valid():
            messages.error(request, _("请选择退回环节并填写退回理由。"))
            return redirect(reverse("tasks:task", args=[task.pk]))
        if request.POST.get("confirmed") != "1":
            title = dict(choices)[form.cleaned_data["to_node"]]
            return render(
                request,
                "filing/confirm.html",
                {
                    "title": _("确认退回到%(step)s") % {"step": title},
                    "consequence": _(
                        "退回后本环节即告办结，%(step)s由原办理人重新办理并看到您的退回理由；法定办理时限继续计算。"
                    )
                    % {"step": title},
                    "button": _("确认退回"),
                    "object_label": subject_label(wf_selectors.subject_of(task)),
                    "object_detail": task.flow_task.task_title,
                    "action_url": reverse("tasks:send_back", args=[task.pk]),
                    "hidden_pairs": [
                        ("to_node", form.cleaned_data["to_node"]),
                        ("comment", form.cleaned_data["comment"]),
                    ],
                    "confirm_value": "1",
                    "back_url": reverse("tasks:task", args=[task.pk]),
                    "danger": True,
                },
            )
        try:
            operations.task_send_back(
                actor=request.user,
                task_pk=task.pk,
                to_node=form.cleaned_data["to_node"],
                comment=form.cleaned_data["comment"],
            )
        except Invalid as exc:
            messages.error(request, exc.message)
            return redirect(reverse("tasks:task", args=[task.pk]))
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(request, _("已退回。"))
        return redirect(reverse("tasks:inbox"))


class BatchView(View):
    """批量审批: the user's open tasks of one node (待认领 and 我的待办) with check boxes and one opinion; the
    answer lists every task's result."""

    template_name = "workflows/batch.html"

    def dispatch(self, request, *args, **kwargs):
        if not may_batch(request.user):
            return error_response(
                request, Denied(_("您的岗位没有可批量审批的环节。"), actor=request.user, action="task.batch")
            )
        return super().dispatch(request, *args, **kwargs)

    def _node(self, request):
        node = request.GET.get("node") or request.POST.get("node") or ""
        return node if node in BATCH_NODES else None

    def _choices(self, request, node):
        if node is None:
            return [], []
        tasks = list(
            wf_selectors.open_tasks_visible_to(request.user)
            .filter(flow_task=getattr(self._flow(node), node))
            .order_by("created")[:200]
        )
        wf_selectors.attach_subjects(tasks)
        return tasks, [(t.pk, f"{subject_text(t)} · {subject_owner(t)}") for t in tasks]

    def _flow(self, node):
        for flow_class in registry.flows():
            if hasattr(flow_class, node):
                return flow_class
        raise Http404

    def _nodes(self):
        return [(name, str(getattr(self._flow(name), name).task_title)) for name in sorted(BATCH_NODES)]

    def get(self, request):
        node = self._node(request)
        tasks, choices = self._choices(request, node)
        form = forms.BatchForm(choices=choices) if node else None
        return render(
            request,
            self.template_name,
            {"node": node, "nodes": self._nodes(), "tasks": tasks, "form": form, "run": None},
        )

    def post(self, request):
        node = self._node(request)
        if node is None:
            raise Http404
        tasks, choices = self._choices(request, node)
        # Ticked tasks may have been done meanwhile: accept any id, the service reports each one.
        data = request.POST.copy()
        form = forms.BatchForm(data, choices=choices + [(pk, pk) for pk in self._posted(request)])
        if not form.is_valid():
            return render(
                request,
                self.template_name,
                {"node": node, "nodes": self._nodes(), "tasks": tasks, "form": form, "run": None},
                status=422,
            )
        try:
            run = operations.task_batch_approve(
                actor=request.user,
                node=node,
                task_pks=form.cleaned_data["tasks"],
                comment=form.cleaned_data["comment"],
            )
        except Invalid as exc:
            form.add_error(None, exc.message)
            return render(
                request,
                self.template_name,
                {"node": node, "nodes": self._nodes(), "tasks": tasks, "form": form, "run": None},
                status=422,
            )
        tasks, choices = self._choices(request, node)
        return render(
            request,
            self.template_name,
            {
                "node": node,
                "nodes": self._nodes(),
                "tasks": tasks,
                "form": forms.BatchForm(choices=choices),
                "run": run,
                "done": sum(1 for r in run.results if r["ok"]),
                "failed": [r for r in run.results if not r["ok"]],
            },
        )

    def _posted(self, request) -> list[int]:
        return [int(v) for v in request.POST.getlist("tasks") if v.isdigit() and len(v) < 19]


class DeputyView(View):
    """委派/代理: my deputies (set, revoke) and whom I act for."""

    template_name = "workflows/deputies.html"

    def _render(self, request, form, status=200):
        from .models import Deputy

        return render(
            request,
            self.template_name,
            {
                "form": form,
                "mine": Deputy.objects.filter(principal=request.user).select_related("deputy")[:50],
                "for_others": Deputy.objects.filter(deputy=request.user).select_related("principal")[:50],
                "today": timezone.localdate(),
            },
            status=status,
        )

    def dispatch(self, request, *args, **kwargs):
        if not deputies.works_in_queues(request.user):
            return error_response(
                request,
                Denied(_("只有审核人员或考务人员可以设置代理人。"), actor=request.user, action="deputy.page"),
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(request, forms.DeputyForm(user=request.user))

    def post(self, request):
        form = forms.DeputyForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(request, form, status=422)
        try:
            deputies.deputy_appoint(
                actor=request.user,
                deputy_pk=form.cleaned_data["deputy"].pk,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                reason=form.cleaned_data["reason"],
            )
        except Invalid as exc:
            apply_errors(form, exc)
            return self._render(request, form, status=422)
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(request, _("已设置代理人。"))
        return redirect(reverse("tasks:deputies"))


class DeputyRevokeView(View):
    def post(self, request, pk):
        try:
            deputies.deputy_revoke(actor=request.user, pk=pk)
        except NotFound as exc:
            exc.record()
            raise Http404 from None
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(request, _("已撤销代理设置。"))
        return redirect(reverse("tasks:deputies"))


class CopyView(View):
    def post(self, request, task_pk):
        from .copies import task_copy

        try:
            task = wf_selectors.get_task_for(request.user, task_pk)
        except NotFound as exc:
            exc.record()
            raise Http404 from None
        subject = wf_selectors.subject_of(task)
        form = forms.CopyForm(
            request.POST, candidates=copy_candidates(task, subject), role_choices=COPY_ROLES.items()
        )
        if not form.is_valid():
            messages.error(request, _("请选择抄送对象。"))
            return redirect(reverse("tasks:task", args=[task.pk]))
        try:
            copies = task_copy(
                actor=request.user,
                task_pk=task.pk,
                users=[u.pk for u in form.cleaned_data["users"]],
                roles=form.cleaned_data["roles"],
                note=form.cleaned_data["note"],
            )
        except Invalid as exc:
            messages.error(request, exc.message)
            return redirect(reverse("tasks:task", args=[task.pk]))
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(request, _("已抄送%(n)d人。") % {"n": len(copies)})
        return redirect(reverse("tasks:task", args=[task.pk]))


class CopyDetailView(View):
    """A copy as its recipient reads it (read-only; opening it marks it read)."""

    def get(self, request, pk):
        from .copies import copy_read

        try:
            copy = copy_read(actor=request.user, pk=pk)
        except NotFound as exc:
            exc.record()
            raise Http404 from None
        return render(request, "workflows/copy.html", {"copy": copy})
