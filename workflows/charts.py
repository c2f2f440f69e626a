"""The flow diagram of a filing's review or a plan's process (viewflow draws it from the flow's nodes, whose
titles are the Chinese step names), coloured with the steps done and the one waiting — for whoever may see
the filing or the plan (the same selectors as their pages; anything else is a 404)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views import View
from viewflow.workflow import chart

from filing import selectors
from filing.views.base import visible_or_404

from .flows import FilingReviewFlow, PlanFlow
from .models import FilingReviewProcess, PlanProcess

SUBJECTS = {
    "application": (selectors.applications_visible_to, FilingReviewFlow, FilingReviewProcess, "application"),
    "plan": (selectors.plans_visible_to, PlanFlow, PlanProcess, "plan"),
}


def process_svg(flow_class, process_pk: int | None) -> str:
    grid = chart.calc_layout_data(flow_class)
    if process_pk is not None:
        chart.calc_cell_status(flow_class, grid, process_pk)
    return chart.grid_to_svg(grid)


class ProcessChartView(View):
    def get(self, request, subject, pk):
        if subject not in SUBJECTS:
            raise Http404
        visible, flow_class, process_model, field = SUBJECTS[subject]
        obj = visible_or_404(visible(request.user), request, pk)
        process = process_model.objects.filter(**{field: obj}).order_by("-pk").first()
        response = HttpResponse(
            process_svg(flow_class, process.pk if process else None), content_type="image/svg+xml"
        )
        response["Cache-Control"] = "private, no-store"
        return response
