"""The audit log page (审计日志): every event as a sentence (谁 在何时 做了什么), found by actor, action,
object, result and date, 50 a page, exported to Excel as filtered; and, for those who may, the chain's
integrity check. Administrators, auditors and municipal reviewers read all of it, a district reviewer the
events on its district's applications (``selectors.audit_events_visible_to``)."""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, TemplateView

from filing import access, selectors
from filing.audit import verify_chain
from filing.errors import Denied
from filing.listing import ChoiceFilter, Column, FilteredListMixin, ListSpec
from filing.models import AuditResult
from filing.roles import Role
from filing.timeline import action_choices, action_label, object_label, payload_cells, payload_rows, sentence
from filing.views.base import error_response


def object_type_choices() -> list[tuple[str, str]]:
    """The kinds of object the log names, by their Chinese name."""
    models = [*apps.get_app_config("filing").get_models(), apps.get_model("auth", "User")]
    return sorted(((m._meta.label_lower, str(m._meta.verbose_name)) for m in models), key=lambda c: c[1])


def role_label(event) -> str:
    return str(Role(event.role).label) if event.role in Role.values else (event.role or "—")


def contents(event) -> str:
    return "；".join(f"{label}：{words}" for label, words in payload_rows(event)) or "—"


AUDIT_LIST = ListSpec(
    search=("actor_name", "actor__username"),
    search_label=_("操作人（姓名或用户名）"),
    status_choices=AuditResult.choices,
    status_field="result",
    status_label=_("结果"),
    status_empty_label=_("全部结果"),
    date_field="created_at",
    date_label=_("时间"),
    filters=(
        ChoiceFilter("action", _("操作"), "action", action_choices, _("全部操作")),
        ChoiceFilter("object_type", _("对象类型"), "object_type", object_type_choices, _("全部对象")),
        ChoiceFilter("object_id", _("对象标识"), "object_id", None),
    ),
    sorts={
        "newest": (_("最新在前"), ("-seq",)),
        "oldest": (_("最早在前"), ("seq",)),
    },
    default_sort="newest",
    columns=[
        Column(_("序号"), lambda e: e.seq),
        Column(_("时间"), lambda e: e.created_at),
        Column(_("记录"), sentence),
        Column(_("操作人"), lambda e: e.actor_name or _("系统")),
        Column(_("角色"), role_label),
        Column(_("操作"), lambda e: action_label(e.action)),
        Column(_("对象"), object_label),
        Column(_("结果"), lambda e: e.get_result_display()),
        Column(_("内容（已脱敏）"), contents),
    ],
    filename="audit-log",
)


class AuditReaderMixin:
    def dispatch(self, request, *args, **kwargs):
        if not self.allowed(request.user):
            return error_response(
                request,
                Denied(
                    _("只有系统管理员、审计人员和审核人员可以查阅审计日志。"),
                    actor=request.user,
                    action="audit.read",
                ),
            )
        return super().dispatch(request, *args, **kwargs)

    def allowed(self, user) -> bool:
        return access.audit_scope(user) is not None


class AuditLogView(AuditReaderMixin, FilteredListMixin, ListView):
    template_name = "filing/audit_list.html"
    context_object_name = "events"
    spec = AUDIT_LIST

    def scoped_queryset(self):
        return selectors.audit_events_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            {
                "event": e,
                "sentence": sentence(e),
                "role": role_label(e),
                "object": object_label(e),
                "contents": payload_cells(e),
            }
            for e in context["events"]
        ]
        context["district_only"] = access.audit_scope(self.request.user) == "district"
        context["may_verify"] = access.may_verify_audit_chain(self.request.user)
        return context


class AuditVerifyView(AuditReaderMixin, TemplateView):
    """The chain's integrity check, on demand (it reads every event)."""

    template_name = "filing/audit_verify.html"

    def allowed(self, user) -> bool:
        return access.may_verify_audit_chain(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["problem"] = verify_chain()
        context["count"] = selectors.audit_events_visible_to(self.request.user).count()
        return context
