"""The evaluator register (考评员库) and recusal declarations (回避声明): a body's operators keep their own
pool (list, add, edit, deactivate); the city's reviewers, supervisors and auditors see every pool. Staffing a
sitting is in :mod:`filing.views.plans` (it picks from this register)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, ListView

from filing import access, forms, selectors
from filing.errors import Denied, DomainError, Invalid
from filing.roles import Role
from filing.services import staffing as svc
from filing.views.base import DomainFormMixin, error_response, messages_from, visible_or_404
from filing.views.plans import OperatorOnlyMixin, PlanMixin


def _denied(request, action: str, obj=None):
    return error_response(
        request,
        Denied(
            _("只有评价机构考务人员和市级管理人员可以使用考评员库。"),
            actor=request.user,
            action=action,
            obj=obj,
        ),
    )


def may_view_register(user) -> bool:
    return selectors.bodies_operated_by(user).exists() or bool(
        selectors.user_roles(user) & {Role.MUNICIPAL_REVIEWER, Role.SUPERVISOR, Role.AUDITOR}
    )


def may_add_to_register(user) -> bool:
    return selectors.bodies_operated_by(user).exists() or access.is_municipal_reviewer(user)


class EvaluatorListView(ListView):
    def dispatch(self, request, *args, **kwargs):
        if not may_view_register(request.user):
            return _denied(request, "evaluator.list")
        return super().dispatch(request, *args, **kwargs)

    template_name = "filing/evaluator_list.html"
    context_object_name = "evaluators"
    paginate_by = 50

    def get_queryset(self):
        qs = selectors.evaluators_visible_to(self.request.user).order_by("-active", "body__name", "name")
        if self.request.GET.get("show") != "inactive":
            qs = qs.filter(active=True)
        query = self.request.GET.get("q", "").strip()[:40]
        if query:
            qs = qs.filter(name__icontains=query) | qs.filter(certificate_no__icontains=query)
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            can_create=may_add_to_register(self.request.user),
            operated=set(selectors.bodies_operated_by(self.request.user).values_list("pk", flat=True))
            | ({None} if access.is_municipal_reviewer(self.request.user) else set()),
            show_inactive=self.request.GET.get("show") == "inactive",
            query=self.request.GET.get("q", "").strip()[:40],
        )
        return context


class EvaluatorCreateView(DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("新增考评人员")}

    def dispatch(self, request, *args, **kwargs):
        if not may_add_to_register(request.user):
            return _denied(request, "evaluator.create")
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return forms.EvaluatorCreateForm(**self.get_form_kwargs(), user=self.request.user)

    def perform(self, form):
        return svc.evaluator_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        messages.success(self.request, _("已加入人员库。"))
        return reverse("plans:evaluators")


class EvaluatorMixin:
    """A person the user can see (404 otherwise) and may maintain (403 otherwise)."""

    def dispatch(self, request, *args, **kwargs):
        self.evaluator = visible_or_404(selectors.evaluators_visible_to(request.user), request, kwargs["pk"])
        if not svc.may_maintain(request.user, self.evaluator.body):
            return _denied(request, "evaluator.update", self.evaluator)
        return super().dispatch(request, *args, **kwargs)


class EvaluatorEditView(EvaluatorMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("修改考评人员")}

    def get_initial(self):
        e = self.evaluator
        return {
            "name": e.name,
            "certificate_no": e.certificate_no,
            "can_evaluate": e.can_evaluate,
            "can_invigilate": e.can_invigilate,
            "is_supervisor": e.is_supervisor,
            "occupation": e.occupation_id,
            "level": e.level,
            "valid_until": e.valid_until,
            "version": e.version,
        }

    def get_form(self, form_class=None):
        return forms.EvaluatorForm(**self.get_form_kwargs())

    def perform(self, form):
        return svc.evaluator_update(actor=self.request.user, evaluator=self.evaluator, **form.cleaned_data)

    def get_success_url(self):
        messages.success(self.request, _("人员信息已保存。"))
        return reverse("plans:evaluators")


class EvaluatorActiveView(EvaluatorMixin, View):
    """POST: deactivate (with a reason) or reactivate a person of the body's pool."""

    def post(self, request, pk):
        active = request.POST.get("active") == "1"
        try:
            svc.evaluator_set_active(
                actor=request.user,
                evaluator=self.evaluator,
                active=active,
                reason=str(request.POST.get("reason", ""))[:500],
            )
        except Invalid as exc:
            for message in messages_from(exc):
                messages.error(request, message)
        except DomainError as exc:
            return error_response(request, exc)
        else:
            messages.success(request, _("已恢复在库。") if active else _("已停用。"))
        return redirect("plans:evaluators")


class RecusalCreateView(OperatorOnlyMixin, PlanMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("登记回避声明")}

    def get_form(self, form_class=None):
        return forms.RecusalForm(**self.get_form_kwargs(), plan=self.plan)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intro"] = _(
            "考评人员与考生存在近亲属、师生、同事或其他利害关系的，应当回避。由考务人员根据本人签署的回避声明代为登记；"
            "登记后，该人员不能安排到本计划的任何场次。"
        )
        return context

    def perform(self, form):
        return svc.recusal_declare(actor=self.request.user, plan=self.plan, **form.cleaned_data)
