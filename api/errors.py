"""One error format for every failure: ``{"error": code, "message": str, "errors": {field: [str]}}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from filing.errors import Conflict, Denied, DomainError, Invalid, NotFound, WrongState

CODES = {
    Invalid: "invalid",
    NotFound: "not_found",
    Denied: "forbidden",
    WrongState: "wrong_state",
    Conflict: "conflict",
}


def _body(code: str, message: str, errors: dict | None = None) -> dict:
    return {"error": code, "message": message, "errors": errors or {}}


def handle(exc, context):
    if isinstance(exc, DomainError):
        if isinstance(exc, Denied | NotFound):
            exc.record()
        code = next((c for cls, c in CODES.items() if isinstance(exc, cls)), "error")
        errors = getattr(exc, "errors", None) or {}
        return Response(
            _body(code, exc.message, errors), status=exc.http_status if not isinstance(exc, Invalid) else 400
        )
    if isinstance(exc, Http404):
        return Response(_body("not_found", _("不存在。")), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        return Response(_body("forbidden", _("无权操作。")), status=status.HTTP_403_FORBIDDEN)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"__all__": exc.detail}
        errors = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
        response.data = _body("invalid", _("输入有误。"), errors)
    elif isinstance(exc, exceptions.Throttled):
        response.data = _body("rate_limited", _("请求过于频繁，请稍后再试。"))
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response.data = _body("unauthenticated", _("请先登录或提供有效的令牌。"))
    elif isinstance(exc, exceptions.PermissionDenied):
        response.data = _body("forbidden", _("无权操作。"))
    elif isinstance(exc, exceptions.NotFound):
        response.data = _body("not_found", _("不存在。"))
    elif isinstance(exc, exceptions.ParseError):
        response.data = _body("parse_error", _("请求内容无法解析，请发送有效的JSON或表单数据。"))
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        response.data = _body("unsupported_media_type", _("不支持该请求内容类型。"))
    elif isinstance(exc, exceptions.MethodNotAllowed):
        response.data = _body("method_not_allowed", _("不支持该请求方法。"))
    else:
        response.data = _body(getattr(exc, "default_code", "error"), str(getattr(exc, "detail", exc)))
    return response
