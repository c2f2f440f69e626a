"""Holder self-service pages (持证人自助查询, no account): sign in with name + ID document + a code sent
to the contact the school gave, then one's own registrations, results and certificates (PDF, credential) and a
correction request to the issuing body. The rules are in ``filing.services.holders``."""

from __future__ import annotations

import time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from filing import pdf, ratelimit
from filing.errors import DomainError, Invalid
from filing.models import AppointmentStatus, Candidate, HolderCorrectionRequest, TechnicianAppointment
from filing.services import holders
from filing.validators import DocumentType
from filing.views.base import apply_errors, error_response
from filing.views.credentials import credential_response
from filing.views.verify import public

SESSION_IDENTITY = "holder"
SESSION_UNTIL = "holder_until"
SESSION_CHALLENGE = "holder_challenge"
#: Sign-in attempts per client per 10 minutes (each may send a code).
SIGN_IN_LIMIT = 10


class SignInForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=60)
    document_type = forms.ChoiceField(
        label=gettext_lazy("证件类型"), choices=DocumentType.choices, initial=DocumentType.choices[0][0]
    )
    number = forms.CharField(label=gettext_lazy("证件号码"), max_length=40)
    contact = forms.CharField(
        label=gettext_lazy("手机号码或电子邮箱"),
        max_length=254,
        help_text=gettext_lazy("填写学校报名时登记的联系方式，验证码将发送到这里。"),
    )


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("验证码"), max_length=12)


class CorrectionForm(forms.Form):
    holder_name = forms.CharField(
        label=gettext_lazy("更正后的姓名"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("不改则留空。"),
    )
    work_type = forms.CharField(
        label=gettext_lazy("更正后的工种"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("不改则留空。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("申请理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("例如：姓名中的字印错；发证机构核实后会出具更正后的新版证书。"),
    )


def identity_of(request) -> holders.HolderIdentity | None:
    until = request.session.get(SESSION_UNTIL)
    if not isinstance(until, int | float) or until < time.time():
        return None
    return holders.HolderIdentity.from_session(request.session.get(SESSION_IDENTITY))


def _sign_out(request) -> None:
    for key in (SESSION_IDENTITY, SESSION_UNTIL, SESSION_CHALLENGE):
        request.session.pop(key, None)


@method_decorator(login_not_required, name="dispatch")
class SignInView(View):
    template_name = "filing/holder_sign_in.html"

    def get(self, request):
        return public(render(request, self.template_name, {"form": SignInForm()}))

    def post(self, request):
        form = SignInForm(request.POST)
        if not form.is_valid():
            return public(render(request, self.template_name, {"form": form}, status=422))
        if not ratelimit.hit(request, "holder-sign-in", SIGN_IN_LIMIT, 600):
            context = {"form": form, "limited": _("尝试次数过多，请10分钟后再试。")}
            return public(render(request, self.template_name, context, status=429))
        data = form.cleaned_data
        try:
            challenge = holders.holder_sign_in_start(
                name=data["name"],
                document_type=data["document_type"],
                number=data["number"],
                raw_contact=data["contact"],
            )
        except Invalid as exc:
            apply_errors(form, exc)
            return public(render(request, self.template_name, {"form": form}, status=422))
        except DomainError as exc:
            form.add_error(None, exc.message)
            return public(render(request, self.template_name, {"form": form}, status=exc.http_status))
        _sign_out(request)
        request.session[SESSION_CHALLENGE] = challenge.pk
        return redirect("holder_code")


@method_decorator(login_not_required, name="dispatch")
class CodeView(View):
    template_name = "filing/holder_code.html"

    def _challenge(self, request):
        challenge = request.session.get(SESSION_CHALLENGE)
        return challenge if isinstance(challenge, int) else None

    def get(self, request):
        if self._challenge(request) is None:
            return redirect("holder_sign_in")
        return public(render(request, self.template_name, {"form": CodeForm()}))

    def post(self, request):
        challenge = self._challenge(request)
        if challenge is None:
            return redirect("holder_sign_in")
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                identity = holders.holder_sign_in_confirm(
                    challenge_id=challenge, code=form.cleaned_data["code"]
                )
            except Invalid as exc:
                form.add_error("code", exc.message)
            else:
                request.session.cycle_key()  # a new session id once the holder has proved who they are
                request.session[SESSION_IDENTITY] = identity.as_session()
                request.session[SESSION_UNTIL] = int(time.time()) + holders.SESSION_SECONDS
                request.session.pop(SESSION_CHALLENGE, None)
                return redirect("holder_records")
        return public(render(request, self.template_name, {"form": form}, status=422))


class HolderMixin:
    """The pages behind the holder's sign-in; the identity comes from the session, never from the address."""

    def dispatch(self, request, *args, **kwargs):
        self.identity = identity_of(request)
        if self.identity is None:
            _sign_out(request)
            return redirect("holder_sign_in")
        return super().dispatch(request, *args, **kwargs)

    def certificate(self, pk):
        certificate = holders.holder_certificates(self.identity).filter(pk=pk).first()
        if certificate is None:
            raise Http404
        return certificate


@method_decorator(login_not_required, name="dispatch")
class RecordsView(HolderMixin, View):
    def get(self, request):
        certificates = list(holders.holder_certificates(self.identity))
        requests = HolderCorrectionRequest.objects.filter(certificate__in=certificates).order_by(
            "-requested_at"
        )
        context = {
            "registrations": holders.holder_registrations(self.identity),
            "certificates": certificates,
            "requests": requests,
            "appointments": TechnicianAppointment.objects.filter(
                document_index__in={c.document_index for c in certificates},
                status__in=[AppointmentStatus.PUBLICITY, AppointmentStatus.APPOINTED],
            ).select_related("body"),
            "contact": self.identity.contact_masked,
            "holder_name": Candidate.objects.only("name").get(pk=self.identity.candidate_id).name,
        }
        return public(render(request, "filing/holder_records.html", context))


@method_decorator(login_not_required, name="dispatch")
class HolderPdfView(HolderMixin, View):
    def get(self, request, pk):
        certificate = self.certificate(pk)
        response = HttpResponse(pdf.current_pdf(certificate), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf.file_name(certificate)}"'
        return public(response)


@method_decorator(login_not_required, name="dispatch")
class HolderCredentialView(HolderMixin, View):
    def get(self, request, pk):
        certificate = self.certificate(pk)
        try:
            return public(credential_response(certificate))
        except DomainError as exc:
            return error_response(request, exc)


@method_decorator(login_not_required, name="dispatch")
class CorrectionView(HolderMixin, View):
    template_name = "filing/holder_correction.html"

    def get(self, request, pk):
        context = {"certificate": self.certificate(pk), "form": CorrectionForm()}
        return public(render(request, self.template_name, context))

    def post(self, request, pk):
        certificate = self.certificate(pk)
        form = CorrectionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                holders.holder_correction_request(
                    identity=self.identity,
                    certificate=certificate,
                    reason=data["reason"],
                    holder_name=data["holder_name"],
                    work_type=data["work_type"],
                )
            except Invalid as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("更正申请已提交，发证机构处理后可在本页查看结果。"))
                return redirect("holder_records")
        context = {"certificate": certificate, "form": form}
        return public(render(request, self.template_name, context, status=422))


@method_decorator(login_not_required, name="dispatch")
class SignOutView(View):
    def post(self, request):
        _sign_out(request)
        return redirect("holder_sign_in")
