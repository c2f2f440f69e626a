"""Public pages (no login): the list of applications under publicity (公示) and the written objection form.
They show only what publicity needs, are not indexed and not cached, and objections are rate-limited."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from filing import forms, ratelimit, selectors
from filing.errors import DomainError, Invalid
from filing.models import ApplicationStatus, FilingApplication
from filing.services import review
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
        form = forms.ObjectionForm(request.POST)
        context = {"application": application, "form": form}
        if not ratelimit.hit(request, "objection", OBJECTIONS_PER_HOUR, 3600):
            context["limited"] = _("提交过于频繁，请一小时后再试。")
            return _public(render(request, self.template_name, context, status=429))
        if form.is_valid():
            try:
                review.objection_file(application=application, **form.cleaned_data)
            except Invalid as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                context["limited"] = exc.message
                return _public(render(request, self.template_name, context, status=409))
            else:
                context["done"] = True
                return _public(render(request, self.template_name, context))
        return _public(render(request, self.template_name, context, status=422))
