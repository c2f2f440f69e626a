"""The schema documents what a client needs (#14 item 10): every operation lists its error codes with what
they mean, the chain's creating requests carry examples, and list filters refuse malformed values."""

from __future__ import annotations

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

CHAIN = [
    ("/api/v1/applications/", "post"),
    ("/api/v1/applications/{id}/lines/", "post"),
    ("/api/v1/plans/", "post"),
    ("/api/v1/plans/{id}/roster/", "post"),
    ("/api/v1/plans/{id}/certificate-batches/", "post"),
    ("/api/v1/plans/{id}/staff/", "post"),
    ("/api/v1/agreements/", "post"),
]


@pytest.fixture
def schema(db):
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_operation_lists_its_errors_with_their_meaning(schema):
    missing = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            errors = {code: r for code, r in operation["responses"].items() if code.startswith("4")}
            if not {"401", "429"} <= set(errors) or not all(r.get("description") for r in errors.values()):
                missing.append(f"{method.upper()} {path}")
            if "{" in path and "404" not in errors:
                missing.append(f"{method.upper()} {path}: 404")
    assert missing == []


def test_the_chains_requests_have_examples(schema):
    for path, method in CHAIN:
        content = schema["paths"][path][method]["requestBody"]["content"]
        assert any(media.get("examples") for media in content.values()), (method, path)


@pytest.mark.django_db
def test_a_malformed_filter_is_a_400_not_no_filter(body_operator):
    api = Client()
    api.force_login(body_operator)
    for query in (
        "/api/v1/plans/?first_sitting_before=",
        "/api/v1/plans/?status=",
        "/api/v1/certificates/?level=0.5",
        "/api/v1/evaluators/?active=null",
        "/api/v1/evaluators/?level=abc",
    ):
        answer = api.get(query)
        assert answer.status_code == 400, query
        assert answer.json()["error"] == "invalid" and answer.json()["errors"], query
    for query in ("/api/v1/evaluators/?active=true", "/api/v1/plans/?q=", "/api/v1/certificates/?level=4"):
        assert api.get(query).status_code == 200, query
