"""Public pages (no login): the list of applications under publicity (公示), the written objection form, and
an evaluation plan's results publicity. They show only what publicity needs, are not indexed and not cached,
and objections are rate-limited."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from filing import forms, ratelimit, selectors
from filing.errors import DomainError, Invalid
from filing.models import DECIDED, ApplicationStatus, EvaluationPlan, FilingApplication, PlanStatus
from filing.services import publicity
from filing.views.base import apply_errors

OBJECTIONS_PER_HOUR = 5


def _public(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


@method_decorator(login_not_required, name="dispatch")
class PublicityListView(View):
    def get(self, request):
        return _public(
            render(request, "filing/public_publicity.html", {"applications": selectors.publicity_list()})
        )


@method_decorator(login_not_required, name="dispatch")
class ObjectionView(View):
    template_name = "filing/public_objection.html"

    def _application(self, pk):
        try:
            return FilingApplication.objects.select_related("organisation").get(
                pk=pk, status=ApplicationStatus.PUBLICITY
            )
        except (FilingApplication.DoesNotExist, ValueError):
            raise Http404 from None

    def get(self, request, pk):
        application = self._application(pk)
        return _public(
            render(request, self.template_name, {"application": application, "form": forms.ObjectionForm()})
        )

    def post(self, request, pk):
        application = self._application(pk)
        if "code" in request.POST:
            return self._confirm(request, application)
        form = forms.ObjectionForm(request.POST)
        context = {"application": application, "form": form}
        if not ratelimit.hit(request, "objection", OBJECTIONS_PER_HOUR, 3600):
            context["limited"] = _("提交过于频繁，请一小时后再试。")
            return _public(render(request, self.template_name, context, status=429))
        if not form.is_valid():
            return _public(render(request, self.template_name, context, status=422))
        try:
            if request.user.is_authenticated:  # identified by the account: no code needed
                publicity.objection_file(application=application, actor=request.user, **form.cleaned_data)
                context["done"] = True
                return _public(render(request, self.template_name, context))
            challenge = publicity.objection_start(application=application, **form.cleaned_data)
        except Invalid as exc:
            apply_errors(form, exc)
            return _public(render(request, self.template_name, context, status=422))
        except DomainError as exc:
            context["limited"] = exc.message
            return _public(render(request, self.template_name, context, status=409))
        context.update(
            code_form=forms.ObjectionCodeForm(initial={"challenge": challenge.pk}),
            sent_to=challenge.contact_masked,
        )
        return _public(render(request, self.template_name, context))

    def _confirm(self, request, application):
        form = forms.ObjectionCodeForm(request.POST)
        context = {"application": application, "code_form": form}
        if form.is_valid():
            try:
                publicity.objection_confirm(
                    application=application,
                    challenge_id=form.cleaned_data["challenge"],
                    code=form.cleaned_data["code"],
                )
            except Invalid as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                context["limited"] = exc.message
                return _public(render(request, self.template_name, context, status=409))
            else:
                context["done"] = True
                return _public(render(request, self.template_name, context))
        return _public(render(request, self.template_name, context, status=422))


@method_decorator(login_not_required, name="dispatch")
class ResultsPublicityView(View):
    """Public results publicity: name, masked ID, occupation, level, outcome only (DOMAIN.md §4)."""

    def get(self, request, pk):
        plan = get_object_or_404(
            EvaluationPlan.objects.select_related(
                "body", "line__offering__occupation", "line__offering__work_type"
            ),
            pk=pk,
            status=PlanStatus.RESULTS_PUBLICITY,
        )
        rows = [
            {
                "name": r.candidate.name,
                "document": _public_mask(r.candidate.document_masked),
                "outcome": r.get_status_display(),
            }
            for r in plan.registrations.filter(status__in=DECIDED)
            .select_related("candidate")
            .order_by("row_number")
        ]
        return _public(render(request, "filing/public_results.html", {"plan": plan, "rows": rows}))


def _public_mask(staff_masked: str) -> str:
    """From the stored staff mask (3101**********1234) keep even less for the public: 3*****************4."""
    if len(staff_masked) < 3:
        return "*" * len(staff_masked)
    return staff_masked[0] + "*" * (len(staff_masked) - 2) + staff_masked[-1]
