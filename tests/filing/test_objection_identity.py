"""Identified objections (#12 finding 5): an anonymous form no longer files an objection; the objector's
contact is verified by a one-time code (or the objector is signed in); an objector and an application have
limits; a reviewer dismisses duplicates in one action; the college objected to never learns who objected."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from filing.errors import Conflict
from filing.models import AuditEvent, ContactChallenge, Objection
from filing.services import challenges
from filing.services import publicity as publicity_svc
from tests import factories
from tests.filing.lifecycle import S, reach

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_limits():
    cache.clear()


_CAPTURE = []


@pytest.fixture(autouse=True)
def _codes_are_sent(django_capture_on_commit_callbacks):
    """The code goes out after commit; inside a test's transaction, run those callbacks as each call ends."""
    _CAPTURE[:] = [django_capture_on_commit_callbacks]
    yield
    _CAPTURE.clear()


def sending():
    return _CAPTURE[0](execute=True)


@pytest.fixture
def publicised(cast):
    return reach(cast, S.PUBLICITY)


def start(
    client, app, *, contact="objector@example.cn", name="李四", text="实训场地与申报不符", ip="10.9.0.1"
):
    with sending():
        return client.post(
            f"/api/v1/publicity/{app.pk}/objections/",
            {"name": name, "contact": contact, "text": text},
            content_type="application/json",
            REMOTE_ADDR=ip,
        )


def last_code() -> str:
    return re.search(r"\d{6}", mail.outbox[-1].body).group(0)


def confirm(client, app, challenge, code, ip="10.9.0.1"):
    return client.post(
        f"/api/v1/publicity/{app.pk}/objections/confirm/",
        {"challenge": challenge, "code": code},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def test_an_objection_exists_only_once_the_code_sent_to_the_contact_comes_back(client, publicised):
    started = start(client, publicised)
    assert started.status_code == 202 and started.json()["sent_to"] == "o***@example.cn"
    assert not Objection.objects.exists()  # nothing blocks the filing yet
    assert mail.outbox[-1].to == ["objector@example.cn"]
    filed = confirm(client, publicised, started.json()["challenge"], last_code())
    assert filed.status_code == 201
    (objection,) = Objection.objects.all()
    assert objection.verified_by == "code" and objection.contact == "objector@example.cn"
    assert set(filed.json()) == {"id", "state", "submitted_at"}  # the public answer names nobody


def test_a_wrong_expired_or_reused_code_files_nothing(client, publicised):
    started = start(client, publicised).json()
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    assert confirm(client, publicised, started["challenge"], wrong).status_code == 400
    assert confirm(client, publicised, started["challenge"], code).status_code == 201
    assert confirm(client, publicised, started["challenge"], code).status_code == 400  # used once only
    assert Objection.objects.count() == 1

    late = start(client, publicised, contact="late@example.cn").json()
    ContactChallenge.objects.filter(pk=late["challenge"]).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert confirm(client, publicised, late["challenge"], last_code()).status_code == 400
    assert Objection.objects.count() == 1


def test_five_wrong_codes_lock_the_challenge_even_for_the_right_code(client, publicised):
    started = start(client, publicised).json()
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(challenges.MAX_ATTEMPTS):
        assert confirm(client, publicised, started["challenge"], wrong).status_code == 400
    assert ContactChallenge.objects.get(pk=started["challenge"]).state == ContactChallenge.State.LOCKED
    assert confirm(client, publicised, started["challenge"], code).status_code == 400
    assert not Objection.objects.exists()
    assert AuditEvent.objects.filter(action="challenge.verify", result="failed").count() == 5


def test_a_code_for_one_application_does_not_file_against_another(client, cast, publicised):
    started = start(client, publicised).json()
    other = reach_another(cast)
    assert confirm(client, other, started["challenge"], last_code()).status_code == 400
    assert not Objection.objects.exists()


def reach_another(cast):
    from types import SimpleNamespace

    from filing.roles import Role

    college = factories.organisation(district_code="310115", name="另一所公示中的技师学院")
    other = SimpleNamespace(
        **{
            **cast.__dict__,
            "college": college,
            "applicant": factories.user("applicant_b", role=Role.APPLICANT, organisation=college),
            "legal_rep": factories.user("legal_b", role=Role.LEGAL_REPRESENTATIVE, organisation=college),
        }
    )
    return reach(other, S.PUBLICITY)


def test_codes_to_one_contact_are_limited_per_hour(publicised):
    for i in range(challenges.PER_CONTACT_PER_HOUR):
        with sending():
            publicity_svc.objection_start(
                application=publicised, name="王五", contact="flood@example.cn", text=f"第{i}条"
            )
    with pytest.raises(Conflict):
        publicity_svc.objection_start(
            application=publicised, name="王五", contact="Flood@Example.cn", text="再来一条"
        )
    assert len(mail.outbox) == challenges.PER_CONTACT_PER_HOUR


def file_identified(app, contact, text="重复的异议"):
    with sending():
        challenge = publicity_svc.objection_start(application=app, name="赵六", contact=contact, text=text)
    code = last_code()
    return publicity_svc.objection_confirm(application=app, challenge_id=challenge.pk, code=code)


def test_one_objector_files_at_most_three_objections_against_one_application(publicised):
    for i in range(publicity_svc.OBJECTIONS_PER_OBJECTOR):
        file_identified(publicised, "same@example.cn", text=f"异议{i}")
    with pytest.raises(Conflict):
        publicity_svc.objection_start(
            application=publicised, name="赵六", contact="same@example.cn", text="第四条"
        )
    assert Objection.objects.count() == publicity_svc.OBJECTIONS_PER_OBJECTOR


def test_an_application_receives_a_bounded_number_of_objections_a_day(publicised, monkeypatch):
    monkeypatch.setattr(publicity_svc, "OBJECTIONS_PER_APPLICATION_PER_DAY", 4)
    for i in range(4):
        file_identified(publicised, f"person{i}@example.cn")
    with pytest.raises(Conflict):
        publicity_svc.objection_start(
            application=publicised, name="钱七", contact="person9@example.cn", text="又一条"
        )


def test_a_mobile_number_is_refused_where_no_sms_gateway_is_configured(client, publicised, settings):
    settings.SMS_SENDER = ""
    answer = start(client, publicised, contact="13800138000")
    assert answer.status_code == 400
    assert answer.json()["errors"]["contact"] == ["暂不支持短信验证码，请填写电子邮箱。"]
    assert not ContactChallenge.objects.exists()


def test_the_public_form_is_rate_limited_per_client(client, publicised):
    answers = [start(client, publicised, contact=f"p{i}@example.cn").status_code for i in range(6)]
    assert answers[:5] == [202] * 5 and answers[5] == 429


def test_a_reviewer_dismisses_duplicates_in_one_action(cast, publicised):
    dups = [file_identified(publicised, f"dup{i}@example.cn") for i in range(3)]
    keep = file_identified(publicised, "real@example.cn", text="场地面积不足")
    api = Client()
    api.force_login(cast.m1)
    answer = api.post(
        f"/api/v1/applications/{publicised.pk}/objections/dismiss/",
        {"objections": [o.pk for o in dups], "reason": "重复提交，内容相同"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and len(answer.json()) == 3
    states = dict(Objection.objects.values_list("pk", "state"))
    assert all(states[o.pk] == Objection.State.DISMISSED for o in dups)
    assert states[keep.pk] == Objection.State.PENDING
    assert AuditEvent.objects.filter(action="objection.dismiss").count() == 3


def test_triage_is_the_authoritys_alone(cast, publicised):
    dup = file_identified(publicised, "dup@example.cn")
    for who in (cast.applicant, cast.d1):
        api = Client()
        api.force_login(who)
        answer = api.post(
            f"/api/v1/applications/{publicised.pk}/objections/dismiss/",
            {"objections": [dup.pk], "reason": "不成立"},
            content_type="application/json",
        )
        assert answer.status_code in (403, 404)
    dup.refresh_from_db()
    assert dup.state == Objection.State.PENDING


def test_the_college_objected_to_never_sees_who_objected(cast, publicised):
    file_identified(publicised, "whistle@example.cn", text="师资不足")
    applicant = Client()
    applicant.force_login(cast.applicant)
    listed = applicant.get(f"/api/v1/applications/{publicised.pk}/objections/")
    assert listed.status_code == 200
    assert listed.json()[0].keys() == {"id", "state", "submitted_at"}
    page = applicant.get(f"/applications/{publicised.pk}/").content.decode()
    assert "whistle@example.cn" not in page and "赵六" not in page and "异议人信息不公开" in page

    authority = Client()
    authority.force_login(cast.m1)
    (seen,) = authority.get(f"/api/v1/applications/{publicised.pk}/objections/").json()
    assert (
        seen["name"] == "赵六" and seen["contact"] == "whistle@example.cn" and seen["verified_by"] == "code"
    )
