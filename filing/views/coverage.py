"""Coverage of majors (专业全覆盖): one college's matrix, the city's overview, and the partner agreements
that cover what a college does not evaluate itself."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from filing import access, coverage, forms, selectors
from filing.errors import DomainError, Invalid
from filing.models import AgreementStatus, Organisation
from filing.roles import Role
from filing.services import agreements as agreement_svc
from filing.views.base import DomainFormMixin, error_response, messages_from, visible_or_404


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
        data = form.cleaned_data
        return agreement_svc.agreement_create(
            actor=self.request.user,
            school=self.school,
            partner=data["partner"],
            agreement_no=data["agreement_no"],
            offerings=list(data["offerings"]),
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )

    def get_success_url(self):
        messages.success(self.request, _("合作协议已登记，待合作评价机构确认后生效。"))
        return reverse("plans:agreement_detail", args=[self.result.pk])


class AgreementListView(TemplateView):
    """The agreements the user's school proposed and those proposed to the user's body, by state."""

    template_name = "filing/agreement_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        visible = selectors.agreements_visible_to(user).order_by("-created_at")
        if not agreement_svc.may_view_agreements(user):
            raise Http404
        schools = access.organisation_ids(user, *agreement_svc.SCHOOL_ROLES)
        partners = access.organisation_ids(user, *agreement_svc.PARTNER_ROLES)
        status = self.request.GET.get("status", "")
        if status in AgreementStatus.values:
            visible = visible.filter(status=status)
        rows = list(visible[:200])
        context.update(
            today=timezone.localdate(),
            statuses=AgreementStatus.choices,
            status=status,
            ours=[a for a in rows if a.school_id in schools],
            to_us=[a for a in rows if a.partner.organisation_id in partners],
            others=[
                a for a in rows if a.school_id not in schools and a.partner.organisation_id not in partners
            ],
            can_create=bool(schools),
        )
        return context


class AgreementDetailView(DetailView):
    template_name = "filing/agreement_detail.html"
    context_object_name = "agreement"

    def get_object(self, queryset=None):
        return visible_or_404(
            selectors.agreements_visible_to(self.request.user), self.request, self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreement, user = self.object, self.request.user
        school_side = agreement_svc.acts_for_school(user, agreement)
        partner_side = agreement_svc.acts_for_partner(user, agreement)
        proposed = agreement.status == AgreementStatus.PROPOSED
        accepted = agreement.status == AgreementStatus.ACCEPTED
        context.update(
            today=timezone.localdate(),
            in_force=agreement.is_in_force(timezone.localdate()),
            expired=agreement.is_expired(timezone.localdate()),
            offerings=agreement.offerings.select_related("occupation", "work_type"),
            can_decide=partner_side and proposed,
            can_withdraw=school_side and proposed,
            can_terminate=(school_side or partner_side) and accepted,
        )
        return context


class AgreementActionView(View):
    def post(self, request, pk, action):
        if action not in agreement_svc.ACTIONS:
            raise Http404
        agreement = visible_or_404(selectors.agreements_visible_to(request.user), request, pk)
        service, field = agreement_svc.ACTIONS[action]
        try:
            service(actor=request.user, agreement=agreement, **{field: request.POST.get(field, "")})
        except Invalid as exc:
            for message in messages_from(exc):
                messages.error(request, message)
        except DomainError as exc:
            return error_response(request, exc)
        else:
            messages.success(request, DONE[action])
        return redirect("plans:agreement_detail", pk=agreement.pk)


DONE = {
    "accept": _("已确认合作协议，协议在有效期内覆盖所列职业（工种）等级。"),
    "decline": _("已拒绝合作协议。"),
    "withdraw": _("已撤回合作协议。"),
    "terminate": _("已终止合作协议。"),
}
