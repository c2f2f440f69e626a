"""Application attachments in the pages: upload, replace, remove (a draft or an item ticked for correction),
and download within scope."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView

from filing import forms
from filing.errors import Denied, NotFound
from filing.services import attachments, corrections
from filing.views.applications import ActionView, ApplicationMixin
from filing.views.base import DomainFormMixin, error_response


class AttachmentUploadView(ApplicationMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    form_class = forms.AttachmentForm
    extra_context = {"title": _("上传申请材料"), "multipart": True}

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", "")}

    def perform(self, form):
        return attachments.attachment_upload(
            actor=self.request.user,
            application=self.application,
            kind=form.cleaned_data["kind"],
            uploaded_file=form.cleaned_data["file"],
        )


class AttachmentReplaceView(ApplicationMixin, DomainFormMixin, FormView):
    template_name = "filing/form.html"
    form_class = forms.AttachmentReplaceForm

    def get(self, request, *args, **kwargs):
        """The form only for a current file the user may replace now (draft, or the kind ticked)."""
        self.current = self.application.attachments.filter(
            pk=kwargs["attachment_pk"], superseded_at__isnull=True
        ).first()
        if self.current is None:
            raise Http404
        if self.current.kind not in corrections.edit_rights(request.user, self.application).attachments:
            return error_response(
                request,
                Denied(
                    _("现在不能替换该材料：只有草稿或标注需补正的材料可以替换。"),
                    actor=request.user,
                    action="attachment.replace",
                    obj=self.application,
                ),
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = (
            getattr(self, "current", None)
            or self.application.attachments.filter(pk=self.kwargs["attachment_pk"]).first()
        )
        if current is None:
            raise Http404
        context["title"] = _("替换材料：%(kind)s（%(name)s）") % {
            "kind": current.get_kind_display(),
            "name": current.original_name,
        }
        context["multipart"] = True
        return context

    def perform(self, form):
        result = attachments.attachment_replace(
            actor=self.request.user,
            application=self.application,
            pk=self.kwargs["attachment_pk"],
            uploaded_file=form.cleaned_data["file"],
        )
        messages.success(self.request, _("已替换材料，原文件保留在版本记录中。"))
        return result


class AttachmentRemoveView(ActionView):
    success_message = _("已删除材料，原文件保留在版本记录中。")

    def act(self, request):
        attachments.attachment_remove(
            actor=request.user, application=self.application, pk=self.kwargs["attachment_pk"]
        )


class AttachmentDownloadView(View):
    """Files are served only through this view, to users who may see the application (audited)."""

    def get(self, request, pk):
        try:
            attachment = attachments.attachment_open(actor=request.user, pk=pk)
        except NotFound as exc:
            exc.record()
            raise Http404 from None
        response = FileResponse(
            attachment.file.open("rb"),
            content_type=attachment.content_type,
            as_attachment=True,
            filename=attachment.original_name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
