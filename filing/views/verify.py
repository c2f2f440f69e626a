"""Public certificate verification pages (no login): by number + name, by QR token, and a small list check
for employers. Not indexed, not cached, rate-limited per client with a clear message."""

from __future__ import annotations

import csv
import io

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View

from filing import ratelimit, signing, verification
from filing.exports import safe_cell

MAX_LIST_ROWS = 20


def limit() -> int:
    return getattr(settings, "VERIFY_RATE_PER_MINUTE", 30)


def public(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("证书编号"), max_length=40)
    name = forms.CharField(label=_("持证人姓名"), max_length=60)


class PdfForm(forms.Form):
    file = forms.FileField(label=_("证书PDF文件（不超过5MB）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > signing.MAX_PDF_BYTES:
            raise forms.ValidationError(_("文件超过5MB，不是本系统出具的证书PDF。"))
        content = upload.read(signing.MAX_PDF_BYTES + 1)
        # Judged by content, not by the name or the browser's content type.
        if not content.startswith(b"%PDF-") or b"%%EOF" not in content[-2048:]:
            raise forms.ValidationError(_("请上传PDF文件：该文件不是完整的PDF。"))
        return content


class ListForm(forms.Form):
    file = forms.FileField(label=_("查验清单（CSV：证书编号,姓名；不超过20行）"))


def _limited(request, template, context, cost=1):
    context["limited"] = _("查询过于频繁，请稍后再试（每分钟最多%(n)d次）。") % {"n": limit()}
    return public(render(request, template, context, status=429))


@method_decorator(login_not_required, name="dispatch")
class VerifyView(View):
    """Number and name are posted, never put in the address: a holder's name must not land in access logs,
    browser history or a proxy's cache. An old bookmarked ?number=&name= address shows the form filled with
    the number only and checks nothing."""

    template_name = "filing/verify.html"

    def get(self, request):
        initial = {"number": request.GET.get("number", "")[:40]} if "number" in request.GET else None
        context = {"form": VerifyForm(initial=initial), "list_form": ListForm()}
        return public(render(request, self.template_name, context))

    def post(self, request):
        form = VerifyForm(request.POST)
        context = {"form": form, "list_form": ListForm()}
        if not form.is_valid():
            return public(render(request, self.template_name, context, status=422))
        if not ratelimit.hit(request, "verify", limit(), 60):
            return _limited(request, self.template_name, context)
        context["checked"] = True
        context["result"] = verification.verify_by_number(
            form.cleaned_data["number"], form.cleaned_data["name"]
        )
        return public(render(request, self.template_name, context))


@method_decorator(login_not_required, name="dispatch")
class VerifyTokenView(View):
    def get(self, request, token):
        context = {"form": VerifyForm(), "list_form": ListForm(), "checked": True}
        if not ratelimit.hit(request, "verify", limit(), 60):
            return _limited(request, "filing/verify.html", context)
        context["result"] = verification.verify_by_token(token)
        return public(render(request, "filing/verify.html", context))


@method_decorator(login_not_required, name="dispatch")
class VerifyListView(View):
    """An employer checks a few (number, name) pairs at once; each row counts against the same limit."""

    def post(self, request):
        form = ListForm(request.POST, request.FILES)
        context = {"form": VerifyForm(), "list_form": form}
        if not form.is_valid() or form.cleaned_data["file"].size > 20_000:
            context["list_error"] = _("请上传不超过20KB的CSV文件。")
            return public(render(request, "filing/verify.html", context, status=422))
        raw = form.cleaned_data["file"].read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
        rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
        if rows and rows[0][0].strip() in ("证书编号", "number"):
            rows = rows[1:]
        if len(rows) > MAX_LIST_ROWS:
            context["list_error"] = _("每次最多查验%(n)d条。") % {"n": MAX_LIST_ROWS}
            return public(render(request, "filing/verify.html", context, status=422))
        results = []
        for row in rows:
            if not ratelimit.hit(request, "verify", limit(), 60):
                return _limited(request, "filing/verify.html", context)
            number, name = (row + ["", ""])[:2]
            results.append(
                {"number": number.strip()[:40], "result": verification.verify_by_number(number, name)}
            )
        if request.POST.get("format") == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(
                [_("证书编号"), _("结果"), _("状态"), _("职业"), _("等级"), _("评价机构"), _("发证日期")]
            )
            for item in results:
                r = item["result"]
                writer.writerow(
                    [safe_cell(item["number"]), _("一致") if r else _("未查到或信息不符")]
                    + ([r.status_text, r.occupation, r.level, r.body, r.issue_date] if r else [])
                )
            response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="verification.csv"'
            return public(response)
        context["list_results"] = results
        return public(render(request, "filing/verify.html", context))


@method_decorator(login_not_required, name="dispatch")
class VerifyPdfView(View):
    """Anyone uploads a certificate PDF and learns whether it is an untouched original sealed by one of our
    keys, and which certificate (number, version, current state) it is. Nothing uploaded is stored."""

    template_name = "filing/verify_pdf.html"

    def get(self, request):
        return public(render(request, self.template_name, {"form": PdfForm()}))

    def post(self, request):
        form = PdfForm(request.POST, request.FILES)
        context = {"form": form}
        if not ratelimit.hit(request, "verify", limit(), 60):
            return _limited(request, self.template_name, context)
        if not form.is_valid():
            return public(render(request, self.template_name, context, status=422))
        try:
            answer = verification.verify_pdf(form.cleaned_data["file"])
        except signing.SigningUnavailable as exc:
            context["limited"] = exc.message
            return public(render(request, self.template_name, context, status=503))
        if not answer.readable:
            form.add_error("file", answer.message)
            return public(render(request, self.template_name, context, status=422))
        context["answer"] = answer
        return public(render(request, self.template_name, context))
