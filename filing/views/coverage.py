"""Coverage of majors (专业全覆盖): one college's matrix, the city's overview, and the partner agreements
that cover what a college does not evaluate itself."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from filing import access, coverage, forms, selectors
from filing.models import Organisation
from filing.roles import Role
from filing.views.base import DomainFormMixin


class CoverageView(TemplateView):
    """One college's coverage matrix (the user's own, or any for the authority)."""

    template_name = "filing/coverage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = selectors.coverage_organisation(self.request.user, self.kwargs.get("org_pk"))
        if organisation is None:
            raise Http404
        rows = coverage.coverage_for(organisation)
        context.update(organisation=organisation, rows=rows, summary=coverage.summarise(organisation, rows))
        return context


class CityCoverageView(TemplateView):
    template_name = "filing/coverage_city.html"

    def dispatch(self, request, *args, **kwargs):
        if not access.oversees_city(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summaries = coverage.city_coverage()
        students = sum(s.students for s in summaries)
        covered = sum(s.covered_students for s in summaries)
        context.update(
            summaries=summaries,
            students=students,
            covered=covered,
            share=round(100 * covered / students, 1) if students else 0.0,
        )
        return context


class AgreementCreateView(DomainFormMixin, FormView):
    template_name = "filing/form.html"
    extra_context = {"title": _("登记合作评价协议")}

    def dispatch(self, request, *args, **kwargs):
        own = access.organisation_ids(request.user, Role.APPLICANT, Role.LEGAL_REPRESENTATIVE)
        self.school = Organisation.objects.filter(pk__in=own).first()
        if self.school is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return forms.AgreementForm(**self.get_form_kwargs(), school=self.school)

    def perform(self, form):
        from filing.services.agreements import agreement_create

        data = form.cleaned_data
        return agreement_create(
            actor=self.request.user,
            school=self.school,
            partner=data["partner"],
            agreement_no=data["agreement_no"],
            offerings=list(data["offerings"]),
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )

    def get_success_url(self):
        return reverse("plans:coverage")
