"""Supervision pages (评价机构监管): the list of bodies with their standing and open rectifications, and a
body's record page — filed lines, the city's decisions, rectification orders, plans with pass rates against
the city's average for the same occupation and level — with a form for every supervision action open to
the user (declared once in :mod:`filing.services.body_actions`). The city decides; the body answers
rectifications and asks to exit."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView

from filing import selectors
from filing.counting import DECIDED, PASSED, rate
from filing.errors import DomainError, Invalid
from filing.listing import Column, FilteredListMixin, ListSpec
from filing.models import (
    OPEN_RECTIFICATION,
    BodyStatus,
    EvaluationPlan,
    FiledLine,
    RectificationOrder,
    Registration,
    SupervisionReport,
)
from filing.services import body_actions
from filing.services import complaints as complaint_services
from filing.views.base import error_response, messages_from, visible_or_404

BODY_LIST = ListSpec(
    search=("name", "serial", "organisation__name"),
    search_label=gettext_lazy("机构名称或序号"),
    status_choices=BodyStatus.choices,
    date_field="filed_on",
    date_label=gettext_lazy("备案日期"),
    sorts={
        "serial": (gettext_lazy("按机构序号"), ("serial",)),
        "newest": (gettext_lazy("备案日期（新的在前）"), ("-filed_on", "serial")),
        "name": (gettext_lazy("按名称"), ("name", "serial")),
    },
    default_sort="serial",
    columns=[
        Column(gettext_lazy("机构名称"), lambda b: b.name),
        Column(gettext_lazy("机构代码"), lambda b: b.code),
        Column(gettext_lazy("机构类别"), lambda b: b.get_category_display()),
        Column(gettext_lazy("状态"), lambda b: b.get_status_display()),
        Column(gettext_lazy("备案日期"), lambda b: b.filed_on),
        Column(gettext_lazy("待办整改"), lambda b: b.open_orders),
    ],
    filename="bodies",
)


class BodyListView(FilteredListMixin, ListView):
    template_name = "filing/body_list.html"
    context_object_name = "bodies"
    spec = BODY_LIST

    def scoped_queryset(self):
        return selectors.bodies_on_record_for(self.request.user).annotate(
            open_orders=Count("rectifications", filter=Q(rectifications__status__in=OPEN_RECTIFICATION)),
            active_lines=Count("lines", filter=Q(lines__status="active"), distinct=True),
        )

    def get(self, request, *args, **kwargs):
        if not selectors.bodies_on_record_for(request.user).exists():
            raise Http404
        return super().get(request, *args, **kwargs)


def pass_rates(body) -> list[dict]:
    """Each plan of the body with its pass rate (passed ÷ passed and failed) beside the city's rate for the
    same occupation and level: two grouped queries."""
    plans = list(
        EvaluationPlan.objects.filter(body=body)
        .select_related("line__offering__occupation", "line__offering__work_type")
        .annotate(
            decided=Count("registrations", filter=Q(registrations__status__in=DECIDED)),
            passed=Count("registrations", filter=Q(registrations__status__in=PASSED)),
        )
        .order_by("-first_sitting_on", "-pk")
    )
    offerings = {p.line.offering_id for p in plans}
    city = {
        row["plan__line__offering_id"]: row
        for row in Registration.objects.filter(plan__line__offering_id__in=offerings, status__in=DECIDED)
        .values("plan__line__offering_id")
        .annotate(decided=Count("pk"), passed=Count("pk", filter=Q(status__in=PASSED)))
    }

    rows = []
    for plan in plans:
        c = city.get(plan.line.offering_id, {"decided": 0, "passed": 0})
        own, average = rate(plan.passed, plan.decided), rate(c["passed"], c["decided"])
        rows.append(
            {
                "plan": plan,
                "rate": own,
                "city": average,
                "gap": round(own - average, 1) if own is not None and average is not None else None,
            }
        )
    return rows


def forms_for(user, obj, table: str) -> list[dict]:
    """The action forms open to ``user`` on ``obj``: each with its URL and its fields."""
    return [
        {
            "name": name,
            "action": action,
            "table": table,
            "url": reverse("supervision:action", args=[table, obj.pk, name]),
            "fields": [(f, body_actions.FIELDS[f]) for f in action.fields],
            "key": f"{table}_{obj.pk}_{name}",
        }
        for name, action in body_actions.open_actions(user, obj, table)
    ]


class BodyRecordView(DetailView):
    template_name = "filing/body_record.html"
    context_object_name = "body"

    def get_object(self, queryset=None):
        return visible_or_404(
            selectors.bodies_on_record_for(self.request.user).select_related("organisation__district"),
            self.request,
            self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        body, user = self.object, self.request.user
        lines = list(
            FiledLine.objects.filter(body=body).select_related("offering__occupation", "offering__work_type")
        )
        orders = list(body.rectifications.select_related("ordered_by", "responded_by", "decided_by"))
        context.update(
            today=timezone.localdate(),
            tomorrow=timezone.localdate() + datetime.timedelta(days=1),
            body_actions=forms_for(user, body, "body"),
            lines=[(line, forms_for(user, line, "line")) for line in lines],
            orders=[(order, forms_for(user, order, "order")) for order in orders],
            decisions=body.decisions.select_related("line__offering", "actor")[:200],
            plans=pass_rates(body),
            reports=SupervisionReport.objects.filter(sitting__plan__body=body)
            .select_related("sitting__plan", "finding")
            .order_by("-filed_at")[:100],
            spot_checks=body.spot_checks.select_related("draw", "rectification").order_by("-draw__drawn_at"),
            complaints=complaint_services.body_complaints(user, body),
        )
        return context


MODELS = {"body": None, "order": RectificationOrder, "line": FiledLine}


class SupervisionActionView(View):
    """POST one supervision action on a body, one of its rectification orders, or one of its lines."""

    def post(self, request, table, pk, name):
        if table not in body_actions.TABLES or name not in body_actions.TABLES[table]:
            raise Http404
        visible = selectors.bodies_on_record_for(request.user)
        if table == "body":
            obj = visible_or_404(visible, request, pk)
        else:
            obj = visible_or_404(MODELS[table].objects.filter(body__in=visible), request, pk)
        body = body_actions.body_of(obj)
        try:
            body_actions.perform(request.user, table, name, obj, request.POST)
        except Invalid as exc:
            for message in messages_from(exc):
                messages.error(request, message)
        except DomainError as exc:
            return error_response(request, exc)
        else:
            messages.success(request, body_actions.TABLES[table][name].done)
        return redirect("supervision:detail", pk=body.pk)
