"""API authentication and limits (referenced from REST_FRAMEWORK settings, so nothing here imports DRF's
views): tokens that expire and can be revoked, throttles keyed on the real client address, and who may
read the OpenAPI schema. The token endpoint is ``api.views.auth``."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from filing.ratelimit import client_ip


def token_expires_at(token) -> datetime.datetime:
    return token.created + datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; a token older than ``API_TOKEN_TTL_HOURS`` is refused (and deleted)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if timezone.now() >= token_expires_at(token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        return user, token


class UserThrottle(UserRateThrottle):
    def get_ident(self, request):
        return client_ip(request)


class AnonymousThrottle(AnonRateThrottle):
    def get_ident(self, request):
        return client_ip(request)


class SchemaAccess(BasePermission):
    """The schema is public in development; production serves it to signed-in users only."""

    def has_permission(self, request, view):
        return settings.API_SCHEMA_PUBLIC or bool(request.user and request.user.is_authenticated)
