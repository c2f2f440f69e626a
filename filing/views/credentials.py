"""Verifiable credentials over HTTP: a certificate version's signed credential for those who may see the
certificate, and — public, cacheable, readable from any origin — the issuer's keys and the status list a
verifier needs to check a credential without asking us again (``filing/credentials.py``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View

from filing import credentials
from filing.errors import DomainError
from filing.selectors import certificates_visible_to
from filing.views.base import error_response, visible_or_404


def _shared(response, seconds: int):
    """Public material every verifier may fetch and keep: cacheable, from any origin."""
    response["Cache-Control"] = f"public, max-age={seconds}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def credential_response(certificate) -> HttpResponse:
    """The signed credential as a download (pages, the holder's pages and the API); raises the domain
    error of a missing signing key for the caller's interface to answer."""
    response = HttpResponse(credentials.credential_for(certificate), content_type=credentials.MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{credentials.file_name(certificate)}"'
    response["Cache-Control"] = "no-store"
    return response


class CertificateCredentialView(View):
    """The signed credential (``.vc.jwt``) of one certificate version, to hand to its holder."""

    def get(self, request, pk):
        certificate = visible_or_404(
            certificates_visible_to(request.user).select_related("registration__candidate", "body"),
            request,
            pk,
        )
        try:
            return credential_response(certificate)
        except DomainError as exc:
            return error_response(request, exc)


@method_decorator(login_not_required, name="dispatch")
class IssuerKeysView(View):
    """``/.well-known/jwks.json``: the public keys credentials and status lists are signed with."""

    def get(self, request):
        try:
            keys = credentials.public_keys()
        except DomainError as exc:
            return error_response(request, exc)
        return _shared(JsonResponse(keys, content_type="application/jwk-set+json"), 3600)


@method_decorator(login_not_required, name="dispatch")
class StatusListView(View):
    """The revocation status list (a signed BitstringStatusListCredential)."""

    def get(self, request, list_id: str):
        if list_id != credentials.STATUS_LIST_ID:
            raise Http404
        try:
            token = credentials.status_list_credential()
        except DomainError as exc:
            return error_response(request, exc)
        response = HttpResponse(token, content_type=credentials.MEDIA_TYPE)
        return _shared(response, settings.CREDENTIAL_STATUS_LIST_TTL)
