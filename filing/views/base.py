"""Interface helpers: translate domain errors into HTTP (403/404/409, form errors), record denials."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from filing.errors import Conflict, Denied, DomainError, Invalid, NotFound, WrongState


def apply_errors(form, exc: Invalid) -> None:
    """Copy a service's field errors onto a bound form (unknown fields become non-field errors)."""
    for field, messages in (exc.errors or {"__all__": [exc.message]}).items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    if not exc.errors and exc.message:
        form.add_error(None, exc.message)


def visible_or_404(visible, request, pk, **lookup):
    """``selectors.one_visible`` for a page: 404 (the probe of an object outside the user's scope audited)."""
    from filing.selectors import one_visible

    try:
        return one_visible(visible, request.user, pk, **lookup)
    except NotFound as exc:
        exc.record()
        raise Http404(exc.message) from None


def posted_pk(value) -> int:
    """A primary key posted in a form field (not in the URL): anything but a positive whole number is bad
    input, answered 400 by the interface (``Invalid``), never a 500."""
    from django.utils.translation import gettext as _

    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 18:
        raise Invalid(_("请求参数不合法。"))
    return int(text)


def messages_from(exc: Invalid) -> list[str]:
    """Every message of a service's ``Invalid``: the field messages, or its own message."""
    found = [str(m) for field_messages in (exc.errors or {}).values() for m in field_messages]
    return found or [exc.message]


def error_response(request, exc: DomainError):
    """403 / 404 / 409 pages for errors that are not about a form field."""
    if isinstance(exc, NotFound):
        exc.record()
        raise Http404(exc.message)
    if isinstance(exc, Denied):
        exc.record()
        status = 403
    elif isinstance(exc, WrongState | Conflict):
        status = 409
    else:
        status = exc.http_status  # 400, or 503 when the certificate signing key is missing
    context = {"message": exc.message, "status": status, "waiting": bool(exc.details.get("waits_for"))}
    return render(request, "filing/error.html", context, status=status)


class DomainFormMixin:
    """For FormViews: ``perform(form)`` calls one service; domain errors become form errors or pages."""

    def form_valid(self, form):
        try:
            self.result = self.perform(form)
        except Invalid as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        except DomainError as exc:
            return error_response(self.request, exc)
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 422  # Turbo and API clients both read 422 as "fix the form"
        return response
