"""Sign-in pages beyond the password: the second factor (verify a code, or enrol an authenticator first),
and the password-reset request, throttled per client and per address."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from filing import ratelimit
from filing.errors import Invalid
from filing.services import second_factor, security


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("动态验证码"),
        max_length=12,
        help_text=_("身份验证器应用（如微信小程序“腾讯身份验证器”、Google Authenticator）显示的6位数字。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


class SecondFactorView(View):
    """After the password: check a code from the user's authenticator, or enrol one (scan, confirm)."""

    template_name = "registration/second_factor.html"

    def _enrolment(self, request) -> TOTPDevice:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        return device or second_factor.enrolment_start(user=request.user)

    def _render(self, request, form, status=200):
        enrolling = not second_factor.has_confirmed_device(request.user)
        context = {"form": form, "next": _next(request), "enrolling": enrolling}
        if enrolling:
            device = self._enrolment(request)
            context.update(qr=second_factor.provisioning_qr(device), secret=second_factor.secret_text(device))
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        if request.user.is_verified():
            return redirect(_next(request))
        return self._render(request, TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=422)
        try:
            if second_factor.has_confirmed_device(request.user):
                device = second_factor.verify(user=request.user, token=form.cleaned_data["token"])
            else:
                device = second_factor.enrolment_confirm(
                    user=request.user, device=self._enrolment(request), token=form.cleaned_data["token"]
                )
                messages.success(request, _("已启用动态验证码，今后登录时需要输入。"))
        except Invalid as exc:
            form.add_error("token", exc.message)
            return self._render(request, form, status=422)
        otp_login(request, device)
        request.session[second_factor.SESSION_KEY] = True
        return redirect(_next(request))


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (``AXES_LOCKOUT_CALLABLE``): the lockout page, or for the API
    token endpoint the API's one error shape — 429 either way."""
    from django.http import JsonResponse
    from django.utils.translation import gettext

    if request.path_info.startswith("/api/"):
        message = gettext("登录失败次数过多，账号或客户端已被暂时锁定。")
        return JsonResponse({"error": "rate_limited", "message": message, "errors": {}}, status=429)
    return render(request, "registration/locked_out.html", status=429)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """At most ``PASSWORD_RESET_PER_HOUR`` reset mails per client and per address; beyond that no mail is
    sent, and the page answers as always (it never says whether an address is registered)."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        limit = settings.PASSWORD_RESET_PER_HOUR
        security.password_reset_requested(self.request, email)
        within = ratelimit.hit(self.request, "password-reset", limit, 3600) and ratelimit.hit(
            self.request, "password-reset-address", limit, 3600, key=email
        )
        if not within:
            return redirect(self.get_success_url())
        return super().form_valid(form)
