"""The API contract: the schema validates with no warnings; schemathesis finds no server error; every
request that succeeded for one college's clerk, replayed with another college's clerk's token, never
succeeds on an object-specific URL; errors share one format."""

import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from filing.services import applications as app_svc
from tests import factories
from tests.conftest import require


def test_schema_validates_without_warnings(tmp_path, db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/verify/" in (tmp_path / "schema.yml").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_error_format(client, applicant, other_college_same_district, roles):
    api = APIClient()
    response = api.get("/api/v1/applications/")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"error", "message", "errors"}
    api.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=applicant).key)
    bad = api.post("/api/v1/applications/", {"kind": "nonsense"}, format="json")
    assert (
        bad.status_code == 400 and bad.json()["error"] == "invalid" and "organisation" in bad.json()["errors"]
    )
    foreign = api.post(
        "/api/v1/applications/",
        {
            "organisation": other_college_same_district.pk,
            "kind": "initial",
            "contact_name": "x",
            "contact_phone": "y",
        },
        format="json",
    )
    assert foreign.status_code == 403 and foreign.json()["error"] == "forbidden"
    assert api.get("/api/v1/applications/999999/").status_code == 404


@pytest.mark.django_db
def test_wrong_state_is_409(applicant, legal_rep, college, roles):
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=applicant).key)
    assert api.post(f"/api/v1/applications/{draft.pk}/submit/").status_code == 200
    again = api.post(f"/api/v1/applications/{draft.pk}/submit/")
    assert again.status_code == 409 and again.json()["error"] == "wrong_state"
    stale = api.patch(f"/api/v1/applications/{draft.pk}/", {"version": 1, "summary": "x"}, format="json")
    assert stale.status_code == 409


def _get(url, token):
    request = urllib.request.Request(
        url, headers={"Authorization": f"Token {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback live server)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.django_db(transaction=True)
def test_schemathesis_no_server_errors_and_cross_role_replay(live_server, roles, tmp_path):
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    require(schemathesis is not None, "schemathesis is not installed (pip install -e '.[dev]')")
    call_command("seed_demo")
    from django.contrib.auth import get_user_model

    User = get_user_model()
    tokens = {
        name: Token.objects.create(user=User.objects.get(username=name)).key
        for name in ("applicant", "applicant_xh", "operator", "municipal")
    }
    # A draft for the college, so object URLs of its own have something to answer.
    applicant = User.objects.get(username="applicant")
    app_svc.application_create(
        actor=applicant,
        organisation=applicant.memberships.first().organisation,
        kind="extension",
        contact_name="x",
        contact_phone="y",
    )
    har = tmp_path / "run.har"
    results = {}
    for persona in ("applicant", "municipal"):
        command = [
            schemathesis,
            "run",
            f"{live_server.url}/api/schema/",
            "--checks",
            "not_a_server_error",
            "-n",
            "8",
            "--phases",
            "examples,fuzzing",
            "-H",
            f"Authorization: Token {tokens[persona]}",
            "--generation-deterministic",
            "--report",
            "har",
            "--report-har-path",
            str(har),
            "--request-timeout",
            "20",
            "--suppress-health-check",
            "all",
            # DELETE on the token endpoint revokes the very token the run authenticates with (the endpoint
            # has its own tests: tests/api/test_tokens.py).
            "--exclude-path",
            "/api/v1/auth/token/",
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        results[persona] = result
        assert result.returncode == 0, f"{persona}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
        if persona == "applicant":
            entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    # Replay every successful object-specific GET of the Pujiang clerk with the Xuhui clerk's token.
    replayed = 0
    for entry in entries:
        request, response = entry["request"], entry["response"]
        if request["method"] != "GET" or not 200 <= response["status"] < 300:
            continue
        if not re.search(r"/api/v1/[a-z-]+/\d+/", request["url"]) or "/verify/" in request["url"]:
            continue
        replayed += 1
        status = _get(request["url"], tokens["applicant_xh"])
        assert not 200 <= status < 300, f"{request['url']} answered {status} to another college's clerk"
    assert replayed >= 1, "schemathesis produced no successful object request to replay"
