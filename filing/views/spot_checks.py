"""双随机一公开 pages: the city's draws (draw, record each inspection, publish), inspectors' declared
relations, and the public page of published draws with their seeds and results."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View

from filing import access
from filing.errors import DomainError, Invalid
from filing.models import CheckResult, DrawKind, EvaluationBody, RelationKind, SpotCheck, SpotCheckDraw
from filing.services import spot_checks as svc
from filing.views.base import apply_errors, error_response, messages_from


class DrawForm(forms.Form):
    title = forms.CharField(label=_("抽查名称"), max_length=100)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("抽查类型"), choices=DrawKind.choices)
    body_count = forms.IntegerField(label=_("抽取机构数"), min_value=1, max_value=svc.MAX_DRAWN)
    inspectors_per_body = forms.IntegerField(label=_("每家检查人员数"), min_value=1, max_value=5, initial=2)


class RelationForm(forms.Form):
    inspector = forms.ModelChoiceField(label=_("检查人员"), queryset=svc.inspector_pool().order_by("name"))
    body = forms.ModelChoiceField(label=_("评价机构"), queryset=EvaluationBody.objects.order_by("serial"))
    relation = forms.ChoiceField(label=_("关系"), choices=RelationKind.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class CityOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not access.oversees_city(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class DrawListView(CityOnlyMixin, View):
    template_name = "filing/spot_check_list.html"

    def _render(self, request, form, relation_form, status=200):
        context = {
            "draws": SpotCheckDraw.objects.all()[:100],
            "form": form,
            "relation_form": relation_form,
            "may_draw": access.is_municipal_reviewer(request.user),
            "relations": svc.InspectorRelation.objects.select_related("inspector", "body")[:200],
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request, DrawForm(initial={"year": timezone.localdate().year}), RelationForm())

    def post(self, request):
        relation = "relation" in request.POST
        form = RelationForm(request.POST) if relation else DrawForm(request.POST)
        if form.is_valid():
            try:
                if relation:
                    svc.relation_declare(actor=request.user, **form.cleaned_data)
                    messages.success(request, _("已登记利害关系，今后抽取时回避。"))
                    return redirect("supervision:spot_checks")
                draw = svc.draw_create(actor=request.user, **form.cleaned_data)
            except Invalid as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                return error_response(request, exc)
            else:
                messages.success(request, _("已完成随机抽取。"))
                return redirect("supervision:spot_check", pk=draw.pk)
        forms_ = (DrawForm(), form) if relation else (form, RelationForm())
        return self._render(request, *forms_, status=422)


class DrawDetailView(CityOnlyMixin, View):
    def get(self, request, pk):
        draw = get_object_or_404(SpotCheckDraw, pk=pk)
        return render(
            request,
            "filing/spot_check_detail.html",
            {
                "draw": draw,
                "checks": draw.checks.select_related("body", "rectification").prefetch_related("inspectors"),
                "reproduced": svc.matches_seed(draw),
                "results": CheckResult.choices,
                "may_act": access.is_municipal_reviewer(request.user),
                "today": timezone.localdate(),
            },
        )


class CheckRecordView(CityOnlyMixin, View):
    def post(self, request, pk, check_pk):
        check = get_object_or_404(SpotCheck, pk=check_pk, draw_id=pk)
        try:
            svc.check_record(
                actor=request.user,
                check=check,
                result=request.POST.get("result", ""),
                findings=request.POST.get("findings", ""),
                inspected_on=request.POST.get("inspected_on") or None,
            )
        except Invalid as exc:
            for message in messages_from(exc):
                messages.error(request, message)
        except DomainError as exc:
            return error_response(request, exc)
        else:
            messages.success(request, _("检查情况已登记。"))
        return redirect("supervision:spot_check", pk=pk)


class DrawPublishView(CityOnlyMixin, View):
    def post(self, request, pk):
        draw = get_object_or_404(SpotCheckDraw, pk=pk)
        try:
            svc.draw_publish(actor=request.user, draw=draw)
        except DomainError as exc:
            return error_response(request, exc)
        messages.success(request, _("抽查结果已公开。"))
        return redirect("supervision:spot_check", pk=pk)


@method_decorator(login_not_required, name="dispatch")
class PublicDrawsView(View):
    def get(self, request):
        draws = SpotCheckDraw.objects.filter(published_at__isnull=False).prefetch_related(
            "checks__body", "checks__inspectors"
        )[:50]
        return render(request, "filing/public_spot_checks.html", {"draws": draws})
