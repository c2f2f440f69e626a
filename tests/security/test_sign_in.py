"""Signing in (#12 findings 3, 8 and item 9): lockout per user and per client on every login path (site,
admin, API token), its audited unlock, audited logins and password changes, throttled reset mails, session
idle and absolute timeouts, expiring and revocable API tokens, and the second factor."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from filing.errors import Denied
from filing.models import AuditEvent
from filing.services import second_factor
from filing.services.security import SESSION_LAST_ACTIVITY, SESSION_STARTED

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Test-12345"


@pytest.fixture(autouse=True)
def _clean_limits():
    from django.core.cache import cache

    cache.clear()


def actions(name: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=name).order_by("seq"))


def site_login(client, username, password, ip="10.1.1.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(user):
    from django.test import Client

    other = Client()
    other.force_login(user)
    return other


def code_for(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


# --- lockout --------------------------------------------------------------------------------------------


def test_a_password_guessed_on_the_site_is_locked_out_and_the_unlock_is_audited(
    client, applicant, administrator
):
    answers = [site_login(client, "applicant", f"wrong-{i}").status_code for i in range(5)]
    assert answers[:4] == [200, 200, 200, 200] and answers[4] == 429  # the fifth failure locks
    locked = site_login(client, "applicant", PASSWORD)
    assert locked.status_code == 429 and "data-locked-out" in locked.content.decode()
    assert "_auth_user_id" not in client.session  # the right password does not get in while locked
    assert len(actions("auth.login_failed")) >= 5 and actions("auth.locked_out")
    assert all(e.result == "denied" for e in actions("auth.login_failed"))

    from axes.models import AccessAttempt

    admin = signed_in(administrator)
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin.post(
        "/admin/axes/accessattempt/", {"action": "unlock_selected", "_selected_action": attempts}
    )
    assert response.status_code == 302
    (reset,) = actions("auth.lockout_reset")
    assert reset.actor_id == administrator.pk and reset.payload["username"] == "applicant"
    assert site_login(client, "applicant", PASSWORD).status_code == 302  # in again
    assert actions("auth.login")[-1].actor_id == applicant.pk


def test_the_admin_login_is_behind_the_same_lockout(client, administrator):
    for i in range(5):
        client.post("/admin/login/", {"username": "admin", "password": f"x{i}"}, REMOTE_ADDR="10.2.2.2")
    response = client.post(
        "/admin/login/", {"username": "admin", "password": PASSWORD}, REMOTE_ADDR="10.2.2.2"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_api_token_endpoint_is_behind_the_same_lockout(client, applicant):
    def token(password):
        return client.post(
            "/api/v1/auth/token/",
            {"username": "applicant", "password": password},
            content_type="application/json",
            REMOTE_ADDR="10.3.3.3",
        )

    assert [token(f"x{i}").status_code for i in range(4)] == [400, 400, 400, 400]
    assert token("x5").status_code == 429
    refused = token(PASSWORD)
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    assert not Token.objects.filter(user=applicant).exists()


def test_the_lockout_holds_per_user_and_per_client(client, applicant, legal_rep):
    for i in range(5):
        site_login(client, "applicant", f"wrong-{i}", ip="10.9.9.1")
    # The account is locked from any address...
    assert site_login(client, "applicant", PASSWORD, ip="10.9.9.2").status_code == 429
    # ...and the guessing client for any account; another client's other account is not affected.
    assert site_login(client, "legalrep", PASSWORD, ip="10.9.9.1").status_code == 429
    assert site_login(client, "legalrep", PASSWORD, ip="10.9.9.3").status_code == 302


def test_a_lockout_is_lifted_only_by_an_administrator(applicant, body_operator):
    from filing.services import security

    with pytest.raises(Denied):
        security.lockout_reset(actor=body_operator, username="applicant", reason="帮同事解锁")
    assert actions("auth.lockout_reset") == []


# --- logins, passwords ----------------------------------------------------------------------------------


def test_successful_and_failed_logins_and_logouts_are_in_the_audit_chain(client, applicant):
    site_login(client, "applicant", "wrong")
    site_login(client, "applicant", PASSWORD, ip="10.4.4.4")
    client.post("/accounts/logout/")
    (failed,) = actions("auth.login_failed")
    assert failed.payload["username"] == "applicant" and failed.payload["ip"] == "10.1.1.1"
    (login,) = actions("auth.login")
    assert login.actor_id == applicant.pk and login.payload["ip"] == "10.4.4.4"
    assert actions("auth.logout")[0].actor_id == applicant.pk
    assert "password" not in str(failed.payload)  # never the password tried


def test_every_password_change_is_audited(client, applicant, administrator):
    client.force_login(applicant)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "An0ther-Pass-2026",
            "new_password2": "An0ther-Pass-2026",
        },
    )
    assert response.status_code == 302
    admin = signed_in(administrator)
    response = admin.post(
        f"/admin/auth/user/{applicant.pk}/password/",
        {"password1": "Thi3d-Pass-2026!", "password2": "Thi3d-Pass-2026!", "usable_password": "true"},
    )
    assert response.status_code == 302
    changes = actions("auth.password_changed")
    assert [c.object_id for c in changes] == [str(applicant.pk), str(applicant.pk)]


@override_settings(PASSWORD_RESET_PER_HOUR=2)
def test_password_reset_mails_are_throttled_per_client_and_per_address(client, applicant, legal_rep):
    applicant.email, legal_rep.email = "a@example.cn", "b@example.cn"
    applicant.save(), legal_rep.save()
    answers = [
        client.post("/accounts/password_reset/", {"email": "a@example.cn"}, REMOTE_ADDR=f"10.5.5.{i}")
        for i in range(4)
    ]
    assert all(r.status_code == 302 for r in answers)  # the same answer whatever happened
    assert len(mail.outbox) == 2  # the address's limit, across four clients
    assert len(actions("auth.password_reset_requested")) == 4
    mail.outbox.clear()
    for _ in range(3):
        client.post("/accounts/password_reset/", {"email": "b@example.cn"}, REMOTE_ADDR="10.6.6.6")
    assert len(mail.outbox) == 2  # and the client's limit


# --- sessions -------------------------------------------------------------------------------------------


@override_settings(SESSION_IDLE_SECONDS=1800, SESSION_COOKIE_AGE=12 * 3600)
def test_an_idle_session_ends_and_no_session_outlives_its_absolute_lifetime(client, applicant):
    assert site_login(client, "applicant", PASSWORD).status_code == 302
    assert client.get("/applications/").status_code == 200
    session = client.session
    session[SESSION_LAST_ACTIVITY] = int(time.time()) - 1801
    session.save()
    idle = client.get("/applications/")
    assert idle.status_code == 302 and "/accounts/login/" in idle["Location"]

    assert site_login(client, "applicant", PASSWORD).status_code == 302
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - 12 * 3600 - 1  # active all along, but too long ago
    session[SESSION_LAST_ACTIVITY] = int(time.time())
    session.save()
    expired = client.get("/applications/")
    assert expired.status_code == 302 and "/accounts/login/" in expired["Location"]


# --- API tokens -----------------------------------------------------------------------------------------


def test_api_tokens_expire_are_replaced_and_can_be_revoked(client, applicant):
    def new_token():
        response = client.post(
            "/api/v1/auth/token/",
            {"username": "applicant", "password": PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 201
        return response.json()

    first = new_token()
    auth = {"HTTP_AUTHORIZATION": f"Token {first['token']}"}
    assert client.get("/api/v1/applications/", **auth).status_code == 200
    second = new_token()
    assert client.get("/api/v1/applications/", **auth).status_code == 401  # replaced by the new one
    auth = {"HTTP_AUTHORIZATION": f"Token {second['token']}"}
    Token.objects.filter(key=second["token"]).update(
        created=timezone.now() - datetime.timedelta(hours=8, seconds=1)
    )
    expired = client.get("/api/v1/applications/", **auth)
    assert expired.status_code == 401 and not Token.objects.filter(key=second["token"]).exists()

    third = new_token()
    auth = {"HTTP_AUTHORIZATION": f"Token {third['token']}"}
    assert client.delete("/api/v1/auth/token/", **auth).status_code == 204
    assert client.get("/api/v1/applications/", **auth).status_code == 401


@override_settings(OTP_REQUIRED=True)
def test_the_token_endpoint_asks_for_the_second_factor_where_the_role_needs_it(
    client, municipal_reviewer, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = (
        60  # a guesser waits a minute after a wrong code, however slow the machine
    )

    def token(**extra):
        return client.post(
            "/api/v1/auth/token/",
            {"username": "municipal", "password": PASSWORD, **extra},
            content_type="application/json",
        )

    not_enrolled = token()
    assert not_enrolled.status_code == 400 and "otp" in not_enrolled.json()["errors"]
    device = TOTPDevice.objects.create(user=municipal_reviewer, name="phone", confirmed=True)
    assert token(otp="000000" if code_for(device) != "000000" else "111111").status_code == 400
    refused = token(otp=code_for(device))  # right, but django-otp makes a guesser wait after a wrong code
    assert refused.status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    assert token(otp=code_for(device)).status_code == 201


# --- the second factor on the pages ---------------------------------------------------------------------


@override_settings(OTP_REQUIRED=True)
def test_a_municipal_reviewer_enrols_an_authenticator_then_passes_it_at_every_login(
    client, municipal_reviewer
):
    assert site_login(client, "municipal", PASSWORD).status_code == 302
    held = client.get("/tasks/")
    assert held.status_code == 302 and held["Location"].startswith("/accounts/otp/")
    page = client.get(held["Location"])
    assert page.status_code == 200 and "data-otp-qr" in page.content.decode()  # enrolment: scan
    device = TOTPDevice.objects.get(user=municipal_reviewer, confirmed=False)
    assert client.post("/accounts/otp/", {"token": "12345", "next": "/tasks/"}).status_code == 422
    done = client.post("/accounts/otp/", {"token": code_for(device), "next": "/tasks/"})
    assert done.status_code == 302 and done["Location"] == "/tasks/"
    assert client.get("/tasks/").status_code == 200
    assert actions("otp.enrol_confirm")[-1].result == "ok"

    client.post("/accounts/logout/")
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # the next code (not the one just used)
    assert site_login(client, "municipal", PASSWORD).status_code == 302
    asked = client.get("/accounts/otp/?next=/tasks/")
    assert "data-otp-qr" not in asked.content.decode()  # verify, no new enrolment
    assert client.post("/accounts/otp/", {"token": "000000", "next": "/"}).status_code in (302, 422)
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    assert client.post("/accounts/otp/", {"token": code_for(device), "next": "/"}).status_code == 302
    assert client.get("/tasks/").status_code == 200


@override_settings(OTP_REQUIRED=True)
def test_other_roles_may_enrol_by_choice_and_a_redirect_never_leaves_the_site(client, applicant):
    assert site_login(client, "applicant", PASSWORD).status_code == 302
    assert client.get("/applications/").status_code == 200  # not asked
    assert second_factor.required_for(applicant) is False
    page = client.get("/accounts/otp/?next=https://evil.example/")
    assert page.status_code == 200 and 'name="next" value="/"' in page.content.decode()
    device = TOTPDevice.objects.get(user=applicant, confirmed=False)
    done = client.post("/accounts/otp/", {"token": code_for(device), "next": "https://evil.example/"})
    assert done.status_code == 302 and done["Location"] == "/"
    assert second_factor.required_for(applicant) is True  # enrolled by choice: asked from now on


def test_a_lost_phone_is_reset_by_another_administrator_never_by_oneself(administrator, municipal_reviewer):
    TOTPDevice.objects.create(user=municipal_reviewer, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=administrator, name="phone", confirmed=True)
    with pytest.raises(Denied):
        second_factor.reset(actor=administrator, user=administrator, reason="手机丢了")
    with pytest.raises(Denied):
        second_factor.reset(actor=municipal_reviewer, user=administrator, reason="帮忙")
    assert second_factor.reset(actor=administrator, user=municipal_reviewer, reason="手机丢失") == 1
    assert not TOTPDevice.objects.filter(user=municipal_reviewer).exists()
    (event,) = actions("otp.reset")
    assert event.result == "ok" and event.payload["reason"] == "手机丢失"
