"""Helpers shared by the API views: one error format for every answer (``api.errors``), validated input."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter

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


def example(name: str, value, **kwargs) -> OpenApiExample:
    """A request example of the schema (the values of docs/api.md's worked example)."""
    return OpenApiExample(name, value=value, request_only=True, **kwargs)


APPLICATION_EXAMPLE = example(
    "a college's initial filing",
    {"organisation": 3, "kind": "initial", "contact_name": "王老师", "contact_phone": "021-50000000"},
)
LINE_EXAMPLE = example(
    "车工 四级 for one major",
    {
        "offering": 41,
        "majors": [17],
        "venue": "实训楼",
        "equipment": "数控车床20台",
        "evaluator_pool": "考评员12名",
    },
)
PLAN_EXAMPLE = example(
    "the 2026 graduates",
    {"line": 12, "title": "2026届数控车工四级", "expected_headcount": 60, "first_sitting_on": "2026-06-01"},
)
ROSTER_EXAMPLE = example(
    "a roster file (multipart)",
    {"file": "考生名册.xlsx"},
    media_type="multipart/form-data",
    description="the template or the school's own list (.xlsx or .csv, ≤ 10 MB); any bad row rejects the "
    "whole file with 422 and its per-row report",
)
BATCH_EXAMPLE = example(
    "issue the plan's certificates",
    {"idempotency_key": "plan-12-2026-07", "issue_date": "2026-07-15"},
)
