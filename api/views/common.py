"""Helpers shared by the API views: one error format for every answer (``api.errors``), validated input."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter

from api import serializers as s

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Same key + same request = the first answer again (header Idempotent-Replayed: true); "
    "same key + another request = 409. Up to 100 printable characters, one per creating request.",
)
ERRORS = {400: s.ErrorSerializer, 403: s.ErrorSerializer, 404: s.ErrorSerializer, 409: s.ErrorSerializer}


def valid(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
