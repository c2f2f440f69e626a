"""Certificates as verifiable credentials (#15 item 5): a W3C VC 2.0 signed as a JWS (ES256) with the
certificate's public fields and no ID number, the issuer's keys at a well-known URL, revocation through a
Bitstring Status List, and the 20-line verifier of docs/verification.md run as written against credentials
the site issued, revoked, reissued and tampered with."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import ECKey, KeySet
from rest_framework.test import APIClient

from filing import credentials, pii
from filing.checks import credential_signing_key
from filing.models import Certificate
from filing.roles import Role
from filing.services import certificates as cert_svc
from tests import factories
from tests.filing.issued import issue, revoke

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "verification.md"


def doc_verifier():
    """The verifier exactly as docs/verification.md prints it (the one python block on the page)."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1
    assert len([line for line in blocks[0].splitlines() if line.strip()]) <= 20  # the page promises 20 lines
    namespace: dict = {}
    exec(compile(blocks[0], str(DOC), "exec"), namespace)
    return namespace["verify"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """The signed status list is cached by what identifies it in a database that only grows; each test
    rolls its database back, so it starts from an empty cache."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def issued(college, roles):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=2)
    issue(plan, operator, "credentials")
    first, second = Certificate.objects.order_by("number")
    return operator, first, second


def published(client):
    keys = client.get("/.well-known/jwks.json")
    status = client.get("/credentials/status/1/")
    assert keys.status_code == 200 and status.status_code == 200
    return keys.json(), status.content.decode()


def clear_number(certificate) -> str:
    return pii.decrypt(certificate.registration.candidate.document_encrypted)


def test_a_credential_carries_the_public_fields_and_never_the_id_number(issued, client):
    operator, certificate, _ = issued
    client.force_login(operator)
    response = client.get(f"/certificates/{certificate.pk}/credential/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    assert f"{certificate.number}-v1.vc.jwt" in response["Content-Disposition"]
    token = response.content.decode()
    keys, _ = published(client)
    decoded = jws.deserialize_compact(token, KeySet.import_key_set(keys))
    assert decoded.headers()["typ"] == "vc+jwt" and decoded.headers()["alg"] == "ES256"
    vc = json.loads(decoded.payload)
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert vc["type"] == ["VerifiableCredential", "VocationalSkillLevelCertificate"]
    subject = vc["credentialSubject"]
    assert subject["name"] == certificate.holder_name
    assert subject["certificate"]["number"] == certificate.number
    assert subject["certificate"]["version"] == 1 and subject["certificate"]["level"] == certificate.level
    assert vc["credentialStatus"]["statusListIndex"] == str(certificate.pk)
    number = clear_number(certificate)
    text = base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
    assert number not in text and number[-6:] not in text and certificate.document_masked not in text


def test_the_documented_verifier_accepts_the_holder_and_refuses_another_person(issued, client):
    operator, certificate, other = issued
    client.force_login(operator)
    token = client.get(f"/certificates/{certificate.pk}/credential/").content.decode()
    keys, status = published(client)
    verify = doc_verifier()
    fields, valid, holder = verify(token, keys, status, certificate.holder_name, clear_number(certificate))
    assert fields["number"] == certificate.number and valid is True and holder is True
    assert verify(token, keys, status, certificate.holder_name, clear_number(other))[2] is False
    assert verify(token, keys, status, other.holder_name, clear_number(certificate))[2] is False
    assert verify(token, keys, status)[2] is None


def test_after_revocation_the_status_list_says_revoked(issued, client, municipal_reviewer):
    operator, certificate, other = issued
    client.force_login(operator)
    token = client.get(f"/certificates/{certificate.pk}/credential/").content.decode()
    other_token = client.get(f"/certificates/{other.pk}/credential/").content.decode()
    verify = doc_verifier()
    keys, before = published(client)
    assert verify(token, keys, before)[1] is True
    revoke(certificate, operator, municipal_reviewer)
    keys, after = published(client)
    assert after != before  # a new list at once, not after the cache's lifetime
    assert verify(token, keys, after)[1] is False
    assert verify(other_token, keys, after)[1] is True
    # The old list still verifies as a signed document: only its content is out of date.
    assert verify(token, keys, before)[1] is True


def test_a_reissue_marks_the_old_version_and_the_new_one_is_valid(issued, client):
    operator, certificate, _ = issued
    client.force_login(operator)
    old_token = client.get(f"/certificates/{certificate.pk}/credential/").content.decode()
    new = cert_svc.certificate_reissue(actor=operator, certificate=certificate, reason="遗失补发")
    new_token = client.get(f"/certificates/{new.pk}/credential/").content.decode()
    keys, status = published(client)
    verify = doc_verifier()
    assert verify(old_token, keys, status)[1] is False
    fields, valid, _ = verify(new_token, keys, status)
    assert valid is True and fields["version"] == new.version and fields["printSerial"] == new.print_serial


def test_a_tampered_credential_fails(issued, client):
    operator, certificate, _ = issued
    client.force_login(operator)
    token = client.get(f"/certificates/{certificate.pk}/credential/").content.decode()
    keys, status = published(client)
    header, payload, signature = token.split(".")
    vc = json.loads(base64.urlsafe_b64decode(payload + "=="))
    vc["credentialSubject"]["certificate"]["level"] = 1
    forged = base64.urlsafe_b64encode(json.dumps(vc).encode()).decode().rstrip("=")
    verify = doc_verifier()
    with pytest.raises(BadSignatureError):
        verify(f"{header}.{forged}.{signature}", keys, status)
    other_key = ECKey.generate_key("P-256")
    foreign = jws.serialize_compact(
        {"alg": "ES256", "kid": credentials.key_id(credentials.signing_key())},
        base64.b64decode("e30="),
        other_key,
    )
    with pytest.raises(BadSignatureError):
        verify(foreign, keys, status)


def test_scoping_pages_and_api(issued, client, college):
    operator, certificate, _ = issued
    stranger_org = factories.organisation(district_code="310104", name="别的技师学院")
    stranger_body = factories.filed_body(stranger_org)
    stranger = factories.user(
        "cred_stranger", role=Role.BODY_OPERATOR, organisation=stranger_body.organisation
    )
    assert client.get(f"/certificates/{certificate.pk}/credential/").status_code == 302  # login first
    client.force_login(stranger)
    assert client.get(f"/certificates/{certificate.pk}/credential/").status_code == 404
    api = APIClient()
    api.force_authenticate(stranger)
    assert api.get(f"/api/v1/certificates/{certificate.pk}/credential/").status_code == 404
    api.force_authenticate(operator)
    response = api.get(f"/api/v1/certificates/{certificate.pk}/credential/")
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"


def test_the_public_files_are_cacheable_from_any_origin(db, client):
    keys = client.get("/.well-known/jwks.json")
    assert keys["Access-Control-Allow-Origin"] == "*" and "max-age=3600" in keys["Cache-Control"]
    (key,) = keys.json()["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and "d" not in key and key["kid"]
    status = client.get("/credentials/status/1/")
    assert status["Access-Control-Allow-Origin"] == "*" and "public" in status["Cache-Control"]
    listed = json.loads(
        jws.deserialize_compact(status.content.decode(), KeySet.import_key_set(keys.json())).payload
    )
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["credentialSubject"]["statusPurpose"] == "revocation"
    assert (
        len(credentials.decode_bits(listed["credentialSubject"]["encodedList"])) * 8 == credentials.LIST_BITS
    )
    assert client.get("/credentials/status/2/").status_code == 404
    assert client.get("/credentials/status/abc/").status_code == 404


def test_a_rotated_key_stays_published(db, client, tmp_path):
    old = tmp_path / "old.pem"
    call_command("generate_credential_key", path=str(tmp_path / "older.pem"), public_out=str(old))
    with override_settings(CREDENTIAL_PREVIOUS_PUBLIC_KEYS=[str(old)]):
        kids = [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]]
    assert len(kids) == 2 and kids[0] == credentials.key_id(credentials.signing_key())


def test_production_without_a_key_refuses_and_the_deploy_check_says_so(issued, client, tmp_path):
    operator, certificate, _ = issued
    missing = tmp_path / "none.pem"
    with override_settings(PRODUCTION=True, CREDENTIAL_SIGNING_KEY=str(missing)):
        assert [e.id for e in credential_signing_key(None)] == ["filing.E006"]
        client.force_login(operator)
        assert client.get(f"/certificates/{certificate.pk}/credential/").status_code == 503
        assert client.get("/.well-known/jwks.json").status_code == 503
        assert not missing.exists()
    broken = tmp_path / "broken.pem"
    broken.write_text("not a key")
    with override_settings(PRODUCTION=True, CREDENTIAL_SIGNING_KEY=str(broken)):
        assert [e.id for e in credential_signing_key(None)] == ["filing.E006"]
    call_command("generate_credential_key", path=str(missing))
    with override_settings(PRODUCTION=True, CREDENTIAL_SIGNING_KEY=str(missing)):
        assert credential_signing_key(None) == []


@given(st.sets(st.integers(min_value=0, max_value=credentials.LIST_BITS - 1), max_size=50))
def test_the_bitstring_round_trips(indices):
    encoded = credentials.encode_bits(indices, credentials.LIST_BITS)
    assert encoded.startswith("u") and "=" not in encoded
    probes = set(indices) | {0, 7, 8, credentials.LIST_BITS - 1}
    assert {i for i in probes if credentials.bit_is_set(encoded, i)} == set(indices)


# --- The employer's check by name + ID document (#15 item 8) ---------------------------------------------


def test_an_employer_learns_only_the_valid_certificates_of_the_person_named(
    issued, client, municipal_reviewer
):
    operator, certificate, other = issued
    number = clear_number(certificate)
    answer = client.post(
        "/verify/person/", {"name": certificate.holder_name, "document_type": "citizen_id", "number": number}
    )
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    page = answer.content.decode()
    assert 'data-result="found"' in page and certificate.number in page and certificate.body_name in page
    assert other.number not in page and number not in page  # the typed number is not echoed
    for wrong in (
        {"name": other.holder_name, "number": number},
        {"name": certificate.holder_name, "number": clear_number(other)},
        {"name": certificate.holder_name, "number": "110101199003077777"},
    ):
        page = client.post("/verify/person/", {"document_type": "citizen_id", **wrong}).content.decode()
        assert 'data-result="none"' in page and certificate.number not in page
    revoke(certificate, operator, municipal_reviewer)
    page = client.post(
        "/verify/person/", {"name": certificate.holder_name, "document_type": "citizen_id", "number": number}
    ).content.decode()
    assert 'data-result="none"' in page


def test_the_person_check_over_the_api_is_posted_strict_and_limited(issued, settings):
    _, certificate, _ = issued
    api = APIClient()
    body = {"name": certificate.holder_name, "number": clear_number(certificate)}
    answer = api.post("/api/v1/verify/person/", body, format="json")
    assert answer.status_code == 200 and answer.json()["found"] is True
    assert [c["number"] for c in answer.json()["certificates"]] == [certificate.number]
    assert api.post("/api/v1/verify/person/", {**body, "extra": 1}, format="json").status_code == 400
    assert api.get("/api/v1/verify/person/").status_code == 405
    settings.VERIFY_RATE_PER_MINUTE = 2
    codes = [api.post("/api/v1/verify/person/", body, format="json").status_code for _ in range(3)]
    assert 429 in codes


@given(
    name=st.text(max_size=80),
    document_type=st.sampled_from(["citizen_id", "passport", "nonsense", ""]),
    number=st.text(max_size=60),
)
def test_the_person_check_survives_any_input(name, document_type, number):
    from filing.verification import verify_person

    assert verify_person(name, document_type, number) == []  # nobody holds a certificate here: no crash
