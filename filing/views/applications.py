"""The college's pages for its filing applications, the application detail shared by every role, and the
reviewers' objection handling. Each view validates a form, calls one service and redirects."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from filing import access, forms, selectors
from filing.clock import clock_status
from filing.errors import DomainError, Invalid, NotFound
from filing.listing import Column, FilteredListMixin, ListSpec
from filing.models import ApplicationStatus, FilingLine, Organisation
from filing.roles import Role
from filing.services import applications as svc
from filing.services import corrections, review
from filing.services.experts import score_summary
from filing.timeline import timeline_for
from filing.views.base import DomainFormMixin, error_response
from filing.views.extensions import application_panels


class ApplicationMixin:
    """Loads ``self.application`` from the URL, scoped to what the user may see (404 otherwise)."""

    def dispatch(self, request, *args, **kwargs):
        try:
            self.application = svc.get_application_for(request.user, kwargs["pk"])
        except NotFound as exc:
            exc.record()
            raise Http404 from None
        return super().dispatch(request, *args, **kwargs)

    def detail_url(self):
        return reverse("applications:detail", args=[self.application.pk])

    def get_success_url(self):
        return self.detail_url()

    def get_context_data(self, **kwargs):
        kwargs.setdefault("application", self.application)
        return super().get_context_data(**kwargs)


APPLICATION_LIST = ListSpec(
    search=("organisation__name",),
    search_label=_("申请编号或申报单位"),
    search_hook=selectors.application_number_condition,
    status_choices=ApplicationStatus.choices,
    date_field="submitted_at",
    date_label=_("提交日期"),
    sorts={
        "newest": (_("最近创建在前"), ("-created_at",)),
        "submitted": (_("最近提交在前"), ("-submitted_at",)),
        "oldest_submitted": (_("最早提交在前"), ("submitted_at",)),
        "organisation": (_("按申报单位"), ("organisation__name",)),
    },
    default_sort="newest",
    columns=[
        Column(_("申请编号"), lambda a: a.number),
        Column(_("申报单位"), lambda a: a.organisation.name),
        Column(_("所在区"), lambda a: a.organisation.district.name),
        Column(_("申请类型"), lambda a: a.get_kind_display()),
        Column(_("状态"), lambda a: a.get_status_display()),
        Column(_("提交时间"), lambda a: a.submitted_at),
    ],
    filename="applications",
)


class ApplicationListView(FilteredListMixin, ListView):
    template_name = "filing/application_list.html"
    context_object_name = "applications"
    spec = APPLICATION_LIST

    def scoped_queryset(self):
        return selectors.applications_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = bool(access.organisation_ids(self.request.user, Role.APPLICANT))
        return context


class ApplicationCreateView(DomainFormMixin, FormView):
    template_name = "filing/form.html"
    form_class = forms.ApplicationCreateForm
    extra_context = {"title": _("新建备案申请")}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["organisations"] = Organisation.objects.filter(
            pk__in=access.organisation_ids(self.request.user, Role.APPLICANT)
        )
        return kwargs

    def perform(self, form):
        return svc.application_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return reverse("applications:detail", args=[self.result.pk])


class ApplicationDetailView(ApplicationMixin, TemplateView):
    template_name = "filing/application_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        app = selectors.application_detail(user, self.application.pk)
        is_applicant = access.acts_for(user, app.organisation_id, Role.APPLICANT)
        is_reviewer = access.reviews_application(user, app)
        rights = corrections.edit_rights(user, app)
        answered = corrections.last_answered(app)
        context.update(
            application=app,
            lines=app.lines.all(),
            attachments=list(app.attachments.all()),
            attachment_history=selectors.attachment_history(app),
            clock=clock_status(app) if app.accepted_on and not app.is_final else None,
            panels=application_panels(user, app),
            is_applicant=is_applicant,
            is_legal_rep=access.acts_for(user, app.organisation_id, Role.LEGAL_REPRESENTATIVE),
            commitment_text=svc.COMMITMENT_TEXT,
            is_reviewer=is_reviewer,
            can_edit=rights.anything,
            can_edit_fields=bool(rights.fields),
            can_add_line=rights.new_line,
            editable_lines=rights.lines,
            can_upload=bool(rights.attachments),
            editable_kinds=rights.attachments,
            open_correction=corrections.open_correction(app),
            changes=corrections.changes_since(answered) if (is_reviewer and answered) else None,
            last_answered=answered,
            problems=svc.missing_requirements(app) if app.status == ApplicationStatus.DRAFT else [],
            timeline=timeline_for(app),
            scores=score_summary(app) if is_reviewer else {},
            show_experts=is_reviewer,
            can_decide_objections=access.acts_as_authority(user, app.organisation_id),
            can_extend=access.is_unit_lead(user, Role.MUNICIPAL_REVIEWER) and not app.is_final,
            objection_form=forms.ObjectionDecisionForm(),
        )
        return context


class ApplicationEditView(ApplicationMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    form_class = forms.ApplicationEditForm
    extra_context = {"title": _("修改申请信息")}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["editable"] = corrections.edit_rights(self.request.user, self.application).fields
        return kwargs

    def get_initial(self):
        app = self.application
        return {
            "summary": app.summary,
            "contact_name": app.contact_name,
            "contact_phone": app.contact_phone,
            "version": app.version,
        }

    def perform(self, form):
        data = dict(form.cleaned_data)
        version = data.pop("version")
        return svc.application_update(
            actor=self.request.user, application=self.application, version=version, **data
        )


class LineCreateView(ApplicationMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    form_class = forms.LineForm
    extra_context = {"title": _("添加备案项目")}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["organisation"] = self.application.organisation
        return kwargs

    def get_initial(self):
        return {"version": self.application.version}

    def perform(self, form):
        data = form.cleaned_data
        return svc.line_add(
            actor=self.request.user,
            application=self.application,
            offering=data["offering"],
            majors=list(data["majors"]),
            venue=data["venue"],
            equipment=data["equipment"],
            evaluator_pool=data["evaluator_pool"],
            version=data["version"],
        )


class LineEditView(ApplicationMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    form_class = forms.LineForm
    extra_context = {"title": _("修改备案项目")}

    def dispatch(self, request, *args, **kwargs):
        self.line_pk = kwargs["line_pk"]
        return super().dispatch(request, *args, **kwargs)

    def get_line(self) -> FilingLine:
        return get_object_or_404(FilingLine, pk=self.line_pk, application=self.application)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(organisation=self.application.organisation, editing=True)
        return kwargs

    def get_initial(self):
        line = self.get_line()
        return {
            "majors": line.majors.all(),
            "venue": line.venue,
            "equipment": line.equipment,
            "evaluator_pool": line.evaluator_pool,
            "version": self.application.version,
        }

    def perform(self, form):
        data = form.cleaned_data
        return svc.line_update(
            actor=self.request.user,
            line=self.get_line(),
            majors=list(data["majors"]),
            venue=data["venue"],
            equipment=data["equipment"],
            evaluator_pool=data["evaluator_pool"],
            version=data["version"],
        )


class ActionView(ApplicationMixin, View):
    """A POST-only action: call one service, then back to the application."""

    success_message = ""

    def act(self, request):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            self.act(request)
        except Invalid as exc:
            for field_messages in exc.errors.values() or [[exc.message]]:
                for message in field_messages:
                    messages.error(request, message)
            if not exc.errors:
                messages.error(request, exc.message)
            return redirect(self.detail_url())
        except DomainError as exc:
            return error_response(request, exc)
        if self.success_message:
            messages.success(request, self.success_message)
        return redirect(self.detail_url())


class LineDeleteView(ActionView):
    success_message = _("已删除备案项目。")

    def act(self, request):
        line = get_object_or_404(FilingLine, pk=self.kwargs["line_pk"], application=self.application)
        svc.line_remove(actor=request.user, line=line, version=request.POST.get("version") or None)


class SignView(ActionView):
    success_message = _("已签署申报承诺。")

    def act(self, request):
        svc.application_sign_commitment(
            actor=request.user, application=self.application, version=request.POST.get("version") or None
        )


class SubmitView(ActionView):
    success_message = _("申请已提交，等待区人社局受理。")

    def act(self, request):
        svc.application_submit(
            actor=request.user, application=self.application, version=request.POST.get("version") or None
        )


class ExtendClockView(ActionView):
    success_message = _("已延长办理时限10个工作日。")

    def act(self, request):
        review.clock_extend(
            actor=request.user, application=self.application, reason=request.POST.get("reason", "")
        )


class WithdrawView(ApplicationMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    form_class = forms.ReasonForm
    extra_context = {
        "title": _("撤回申请"),
        "danger": True,
        "consequence": _("撤回后本申请终止办理，不能恢复；如仍需备案，须重新起草并提交申请。"),
    }

    def perform(self, form):
        return svc.application_withdraw(
            actor=self.request.user, application=self.application, reason=form.cleaned_data["reason"]
        )


class RespondView(ApplicationMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    form_class = forms.RespondForm
    extra_context = {"title": _("提交补正")}

    def get_initial(self):
        return {"version": self.application.version}

    def perform(self, form):
        return svc.application_respond(
            actor=self.request.user,
            application=self.application,
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
