"""The public catalogue of evaluation bodies (评价机构目录, no login, public by nature: indexable): each
body's name, code, kind, filed scope with effective dates and status, and the public record of its
suspensions, reinstatements, exits and revocations; searchable, paginated, and as a CSV download. The same
rows are served by the API (``api.views.public``)."""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views import View

from filing import selectors
from filing.exports import safe_cell
from filing.models import BodyCategory, BodyStatus, EvaluationBody, FiledLine

PAGE_SIZE = 30
CSV_LIMIT = 20000


class CatalogueFilter(forms.Form):
    q = forms.CharField(label=_l("机构名称或代码"), required=False, max_length=100)
    occupation = forms.CharField(label=_l("职业名称或编码"), required=False, max_length=40)
    category = forms.ChoiceField(
        label=_l("机构类别"), required=False, choices=[("", _l("全部"))] + BodyCategory.choices
    )
    status = forms.ChoiceField(
        label=_l("状态"), required=False, choices=[("", _l("全部状态"))] + BodyStatus.choices
    )

    def values(self) -> dict:
        """The valid filters only: a bad value is ignored (and shown as an error), never a 500."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": (data.get("q") or "").strip(),
            "occupation": (data.get("occupation") or "").strip(),
            "category": data.get("category") or "",
            "status": data.get("status") or "",
        }


def _lines():
    return Prefetch(
        "lines",
        queryset=FiledLine.objects.select_related("offering__occupation", "offering__work_type").order_by(
            "offering__occupation__code", "offering__work_type__name", "-offering__level"
        ),
    )


def filtered(request):
    form = CatalogueFilter(request.GET or None)
    values = form.values() if request.GET else {}
    return form, selectors.catalogue(**values).prefetch_related(_lines())


def public_decisions(body: EvaluationBody):
    return body.decisions.select_related("line__offering__occupation", "line__offering__work_type")


@method_decorator(login_not_required, name="dispatch")
class CatalogueView(View):
    def get(self, request):
        form, bodies = filtered(request)
        page = Paginator(bodies, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "filing/public_catalogue.html",
            {
                "form": form,
                "page_obj": page,
                "bodies": page.object_list,
                "list_query": query.urlencode(),
                "today": timezone.localdate(),
            },
        )


def body_by_code(code: str) -> EvaluationBody:
    """The body of a catalogue address (404 for a code no body has)."""
    lookup = selectors.body_code_q(code)
    body = EvaluationBody.objects.filter(lookup).prefetch_related(_lines()).first() if lookup else None
    if body is None:
        raise Http404
    return body


@method_decorator(login_not_required, name="dispatch")
class CatalogueBodyView(View):
    def get(self, request, code):
        body = body_by_code(code)
        return render(
            request,
            "filing/public_catalogue_body.html",
            {"body": body, "decisions": public_decisions(body)},
        )


def scope_text(body: EvaluationBody) -> str:
    return "；".join(
        f"{line.offering}（{line.get_status_display()}，{line.effective_from:%Y-%m-%d}起）"
        for line in body.lines.all()
    )


@method_decorator(login_not_required, name="dispatch")
class CatalogueCsvView(View):
    def get(self, request):
        _form, bodies = filtered(request)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                _("机构名称"),
                _("机构代码"),
                _("机构类别"),
                _("状态"),
                _("备案日期"),
                _("禁止再申请至"),
                _("备案范围"),
            ]
        )
        for body in bodies[:CSV_LIMIT]:
            writer.writerow(
                [
                    safe_cell(body.name),
                    body.code,
                    body.get_category_display(),
                    body.get_status_display(),
                    f"{body.filed_on:%Y-%m-%d}",
                    f"{body.banned_until:%Y-%m-%d}" if body.banned_until else "",
                    safe_cell(scope_text(body)),
                ]
            )
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="evaluation-bodies.csv"'
        return response
