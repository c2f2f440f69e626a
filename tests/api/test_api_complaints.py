"""Complaints over the API and the public page: the same two steps (details → code → number), hostile input
never a 500, the city's list and detail scoped, the task decided through ``/api/v1/tasks/<pk>/decide/``."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from filing.models import Complaint, ComplaintStatus
from tests import factories
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db
_CAPTURE = []
PAGE = "/public/complaints/new/"
API = "/api/v1/complaints/"


@pytest.fixture(autouse=True)
def _clean(django_capture_on_commit_callbacks):
    cache.clear()
    _CAPTURE[:] = [django_capture_on_commit_callbacks]
    yield
    _CAPTURE.clear()


def sending():
    return _CAPTURE[0](execute=True)


@pytest.fixture
def body(college, body_operator):
    return factories.filed_body(college)


def last_code() -> str:
    return re.search(r"验证码为(\d{6})", mail.outbox[-1].body).group(1)


def api_file(client, body, **extra) -> dict:
    data = {"body": body.code, "name": "王五", "contact": "wang@example.cn", "text": "考场秩序混乱", **extra}
    with sending():
        started = client.post(API, data, content_type="application/json")
    assert started.status_code == 202, started.content
    with sending():
        filed = client.post(
            f"{API}confirm/",
            {"challenge": started.json()["challenge"], "code": last_code()},
            content_type="application/json",
        )
    assert filed.status_code == 201, filed.content
    return filed.json()


def test_the_api_files_a_complaint_in_two_steps_and_answers_only_its_number(client, body):
    receipt = api_file(client, body, anonymous=True, sitting_date="2026-11-20", sitting_room="A101")
    assert set(receipt) == {"number", "status", "received_at"} and receipt["status"] == "received"
    complaint = Complaint.objects.get(number=receipt["number"])
    assert complaint.anonymous and complaint.sitting_room == "A101"


def test_the_public_page_files_a_complaint_and_shows_its_number(body):
    client = Client()
    assert client.get(PAGE).status_code == 200
    with sending():
        first = client.post(
            PAGE, {"body": body.code, "name": "王五", "contact": "wang@example.cn", "text": "乱收费"}
        )
    assert first.status_code == 200 and "data-code-sent" in first.content.decode()
    challenge = re.search(r'name="challenge" value="(\d+)"', first.content.decode()).group(1)
    with sending():
        done = client.post(PAGE, {"challenge": challenge, "code": last_code()})
    complaint = Complaint.objects.get()
    assert done.status_code == 200 and complaint.number in done.content.decode()
    assert done["X-Robots-Tag"] == "noindex, nofollow"


HOSTILE = [
    {},
    {"body": "S000031999999"},
    {"body": "x" * 5000},
    {"body": ["a", "b"]},
    {"name": "\x00"},
    {"text": "长" * 2001},
    {"contact": "not-a-contact"},
    {"contact": "1" * 500},
    {"sitting_date": "2026-02-30"},
    {"sitting_date": "9" * 40},
    {"sitting_room": "房" * 61},
    {"anonymous": "maybe"},
    {"unknown": "field"},
    {"challenge": "9" * 30, "code": "123456"},
    {"challenge": "-1", "code": "123456"},
    {"challenge": "abc", "code": "\x00"},
]


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_input_never_answers_500_on_the_page(body, bad):
    data = {"body": body.code, "name": "王五", "contact": "w@example.cn", "text": "事实", **bad}
    if "challenge" in bad:
        data = bad
    response = Client().post(PAGE, data)
    assert response.status_code < 500
    if "challenge" in bad or not bad.keys() <= {"anonymous", "unknown"}:
        assert not Complaint.objects.exists()


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_input_never_answers_500_on_the_api(client, body, bad):
    data = {"body": body.code, "name": "王五", "contact": "w@example.cn", "text": "事实", **bad}
    url = API
    if "challenge" in bad:
        data, url = bad, f"{API}confirm/"
    response = client.post(url, data, content_type="application/json")
    assert response.status_code in (400, 404, 409, 429) or response.status_code == 202
    assert not Complaint.objects.exists()


def test_not_json_and_huge_bodies_are_refused_not_crashed(client, body):
    assert client.post(API, "[1,2", content_type="application/json").status_code == 400
    assert client.post(API, [1, 2], content_type="application/json").status_code == 400
    assert client.post(f"{API}confirm/", "null", content_type="application/json").status_code == 400


def test_the_city_lists_and_reads_complaints_others_see_nothing(
    client, body, municipal_reviewer, body_operator
):
    receipt = api_file(client, body)
    complaint = Complaint.objects.get(number=receipt["number"])
    client.force_login(municipal_reviewer)
    listed = client.get(API, {"status": "received", "body": body.pk}).json()
    assert [row["number"] for row in listed["results"]] == [complaint.number]
    assert client.get(API, {"status": "answered"}).json()["results"] == []
    assert client.get(API, {"status": "bogus"}).status_code == 400
    detail = client.get(f"{API}{complaint.pk}/").json()
    assert detail["contact_masked"] == "w***@example.cn" and "contact" not in detail
    assert client.get(f"{API}999999/").status_code == 404

    client.force_login(body_operator)
    assert client.get(API).json()["results"] == []
    assert client.get(f"{API}{complaint.pk}/").status_code == 404


def test_the_task_is_decided_through_the_task_api(client, body, municipal_reviewer, body_operator):
    receipt = api_file(client, body)
    complaint = Complaint.objects.get(number=receipt["number"])
    task = open_task(complaint, "handle_complaint")
    client.force_login(body_operator)
    assert client.post(
        f"/api/v1/tasks/{task.pk}/decide/",
        {"decision": "dismiss", "reason": "r"},
        content_type="application/json",
    ).status_code in (403, 404)
    client.force_login(municipal_reviewer)
    listed = client.get("/api/v1/tasks/")
    assert listed.status_code == 200 and task.pk in [row["id"] for row in listed.json()]
    inbox = client.get("/tasks/")
    assert inbox.status_code == 200 and complaint.number in inbox.content.decode()
    url = f"/api/v1/tasks/{task.pk}/decide/"
    assert client.post(url, {"decision": "nonsense"}, content_type="application/json").status_code == 400
    assert (
        client.post(
            url, {"decision": "answer", "findings": "f", "answer": "a"}, content_type="application/json"
        ).status_code
        == 409
    )
    assert client.post(url, {"decision": "investigate"}, content_type="application/json").status_code == 200
    task = open_task(complaint, "handle_complaint")
    url = f"/api/v1/tasks/{task.pk}/decide/"
    assert (
        client.post(url, {"decision": "dismiss", "reason": "r"}, content_type="application/json").status_code
        == 409
    )
    with sending():
        done = client.post(
            url,
            {
                "decision": "answer",
                "findings": "查实",
                "answer": "已责令整改",
                "rectify": True,
                "deadline": "2099-01-31",
            },
            content_type="application/json",
        )
    assert done.status_code == 200, done.content
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ANSWERED and complaint.rectification is not None
    assert "已责令整改" in mail.outbox[-1].body


def test_the_catalogue_links_to_a_prefilled_form_and_a_hostile_prefill_is_only_text(body):
    client = Client()
    page = client.get(f"/catalogue/{body.code}/").content.decode()
    assert f"{PAGE}?body={body.code}" in page
    assert f'value="{body.code}"' in client.get(PAGE, {"body": body.code}).content.decode()
    hostile = client.get(PAGE, {"body": "<script>x</script>" * 3})
    assert hostile.status_code == 200 and "<script>x" not in hostile.content.decode()
