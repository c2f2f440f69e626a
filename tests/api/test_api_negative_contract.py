"""The contract under negative data (#14, "must show"), apart from the positive run of test_api_contract.py:

1. schemathesis's negative generation mode: requests that break the schema (wrong types, values out of
   range or outside an enum, missing required fields, malformed filters; every input says
   ``additionalProperties: false``) must never be accepted (2xx) nor answer 5xx;
2. valid requests with one field no endpoint declares (a hook adds it to every body): any 2xx fails.

Deterministic (``--generation-deterministic``), a few cases per operation, so the run stays near a minute.
The coverage phase (boundary values, about 3,400 cases) is not run here: it takes over three minutes on a
shared machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from tests.conftest import require


def _request_schemas(schema: dict) -> dict[str, dict]:
    """Every request body schema, by operation."""
    components = schema["components"]["schemas"]
    out = {}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                name = f"{method.upper()} {path} {media}"
                body = _resolve(components, content["schema"])
                for n, choice in enumerate(body.get("oneOf", [])):  # a task's input, by the kind of node
                    out[f"{name} #{n}"] = _resolve(components, choice)
                if "oneOf" not in body:
                    out[name] = body
    return out


def _resolve(components: dict, schema: dict) -> dict:
    ref = schema.get("$ref", "")
    return components[ref.rsplit("/", 1)[-1]] if ref else schema


@pytest.mark.django_db
def test_every_request_body_refuses_what_it_does_not_declare(roles):
    """What makes the negative phase send unknown fields: a body without ``additionalProperties: false``
    would let an endpoint drop an unknown field unnoticed."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    bodies = _request_schemas(schema)
    assert len(bodies) > 40
    open_bodies = [name for name, body in bodies.items() if body.get("additionalProperties") is not False]
    assert open_bodies == []


ROOT = Path(__file__).resolve().parents[2]


def _run(schemathesis: str, url: str, token: str, *options: str, env=None) -> subprocess.CompletedProcess:
    command = [
        schemathesis,
        "run",
        url,
        *options,
        "--generation-deterministic",
        "--no-shrink",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "20",
        "--no-color",
        "-H",
        f"Authorization: Token {token}",
        # DELETE on the token endpoint revokes the very token the run authenticates with.
        "--exclude-path",
        "/api/v1/auth/token/",
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=ROOT, env={**os.environ, **(env or {})}
    )


@pytest.mark.django_db(transaction=True)
def test_negative_data_and_unknown_fields_are_refused_and_never_a_server_error(live_server, roles):
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    require(schemathesis is not None, "schemathesis is not installed (pip install -e '.[dev]')")
    call_command("seed_demo")
    from django.contrib.auth import get_user_model

    # The body operator reaches the most writing endpoints (plans, staffing, register, batches).
    operator = get_user_model().objects.get(username="operator")
    token = Token.objects.create(user=operator).key
    url = f"{live_server.url}/api/schema/"
    # 1. Negative data (schemathesis's negative generation mode): never a 2xx, never a 5xx.
    negative = _run(
        schemathesis,
        url,
        token,
        "--mode",
        "negative",
        "--phases",
        "examples,fuzzing",
        "-n",
        "4",
        "--checks",
        "not_a_server_error,negative_data_rejection",
    )
    assert negative.returncode == 0, f"{negative.stdout[-6000:]}\n{negative.stderr[-2000:]}"
    # 2. Valid data plus a field nobody declares (tests/api/schemathesis_hooks.py): never a 2xx.
    unknown = _run(
        schemathesis,
        url,
        token,
        "--mode",
        "positive",
        "--phases",
        "examples,fuzzing",
        "-n",
        "3",
        "--checks",
        "not_a_server_error,unknown_field_refused",
        env={"SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks", "PYTHONPATH": str(ROOT)},
    )
    assert unknown.returncode == 0, f"{unknown.stdout[-6000:]}\n{unknown.stderr[-2000:]}"
