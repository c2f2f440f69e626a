"""The task operations through the pages and the API: 催办 from the application page and over the API, 拿回
from the inbox's last-done list, 退回区级重审 through its confirmation; denials are 403/404/409, never 500."""

from __future__ import annotations

import pytest
from django.test import Client
from viewflow.workflow.status import STATUS

from filing.models import ApplicationStatus, AuditEvent
from tests.workflows.test_operations import task_of, to_municipal_review
from workflows.models import TaskUrge

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def submitted(applicant, legal_rep, college):
    from filing.services import applications as app_svc
    from tests import factories

    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    return app_svc.application_submit(actor=applicant, application=draft)


def test_applicant_urges_from_the_application_page(submitted, applicant, district_reviewer):
    client = client_for(applicant)
    page = client.get(f"/applications/{submitted.pk}/").content.decode()
    assert 'data-section="task-operations"' in page and 'data-action="urge"' in page
    task = task_of(submitted, "district_accept")
    answer = client.post(
        f"/tasks/{task.pk}/urge/", {"note": "请尽快受理", "next": f"/applications/{submitted.pk}/"}
    )
    assert answer.status_code == 302 and answer["Location"] == f"/applications/{submitted.pk}/"
    assert TaskUrge.objects.filter(task=task, urged_by=applicant).count() == 1
    page = client.get(f"/applications/{submitted.pk}/").content.decode()
    assert 'data-urge-count="1"' in page
    # The reviewer's task page shows how often and by whom.
    reviewer_page = client_for(district_reviewer).get(f"/tasks/{task.pk}/").content.decode()
    assert 'data-urge-count="1"' in reviewer_page and "请尽快受理" in reviewer_page
    # An unsafe next falls back to the inbox; the daily limit is a 409 page.
    client.post(f"/tasks/{task.pk}/urge/", {"next": "https://evil.example/"})
    assert client.post(f"/tasks/{task.pk}/urge/", {}).status_code == 409


def test_urge_over_the_api_and_denials(submitted, applicant, district_reviewer, college_other_district):
    from filing.roles import Role
    from tests import factories

    task = task_of(submitted, "district_accept")
    api = client_for(applicant)
    answer = api.post(f"/api/v1/tasks/{task.pk}/urge/", {"note": "催一下"}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()[0]["urged_by"] == applicant.get_username()
    assert api.get(f"/api/v1/tasks/{task.pk}/urge/").status_code == 200
    bad = api.post(f"/api/v1/tasks/{task.pk}/urge/", {"nope": 1}, content_type="application/json")
    assert bad.status_code == 400
    stranger = factories.user("applicant_xh", role=Role.APPLICANT, organisation=college_other_district)
    assert (
        client_for(stranger)
        .post(f"/api/v1/tasks/{task.pk}/urge/", {}, content_type="application/json")
        .status_code
        == 404
    )
    colleague = factories.user("district_pd_7", role=Role.DISTRICT_REVIEWER, district_code="310115")
    assert (
        client_for(colleague)
        .post(f"/api/v1/tasks/{task.pk}/urge/", {}, content_type="application/json")
        .status_code
        == 403
    )
    assert client_for(colleague).post(f"/tasks/{task.pk}/urge/", {}).status_code == 403
    assert AuditEvent.objects.filter(action="task.urge", result="denied").exists()


def test_take_back_from_the_inbox_and_over_the_api(submitted, district_reviewer, municipal_reviewer):
    done = to_municipal_review(submitted, district_reviewer)
    client = client_for(district_reviewer)
    inbox = client.get("/tasks/").content.decode()
    assert f'action="/tasks/{done.pk}/take-back/"' in inbox
    answer = client.post(f"/tasks/{done.pk}/take-back/")
    assert answer.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.DISTRICT_REVIEW
    reopened = task_of(submitted, "district_review", status=STATUS.ASSIGNED)
    assert answer["Location"] == f"/tasks/{reopened.pk}/"
    # Decided again, then taken back over the API; a second take-back of the same task is a 409.
    from workflows import services as wf

    wf.task_review(actor=district_reviewer, task_pk=reopened.pk, outcome="approve", comment="复核")
    api = client.post(f"/api/v1/tasks/{reopened.pk}/take-back/", {}, content_type="application/json")
    assert api.status_code == 200, api.content
    assert api.json()["status"] == STATUS.ASSIGNED
    again = client.post(f"/api/v1/tasks/{reopened.pk}/take-back/", {}, content_type="application/json")
    assert again.status_code == 409
    # Somebody else's done task: not theirs to see (404).
    assert client_for(municipal_reviewer).post(f"/tasks/{done.pk}/take-back/").status_code == 404


def test_send_back_page_confirms_then_reopens_the_district_step(
    submitted, district_reviewer, municipal_reviewer
):
    to_municipal_review(submitted, district_reviewer)
    municipal = task_of(submitted, "municipal_review")
    client = client_for(municipal_reviewer)
    page = client.get(f"/tasks/{municipal.pk}/").content.decode()
    assert 'data-section="send-back"' in page
    data = {"to_node": "district_review", "comment": "请核实评价场地"}
    confirm = client.post(f"/tasks/{municipal.pk}/send-back/", data)
    assert confirm.status_code == 200 and 'data-section="confirm"' in confirm.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.MUNICIPAL_REVIEW  # nothing before the confirmation
    done = client.post(f"/tasks/{municipal.pk}/send-back/", {**data, "confirmed": "1"})
    assert done.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.DISTRICT_REVIEW
    reopened = task_of(submitted, "district_review", status=STATUS.ASSIGNED)
    district_page = client_for(district_reviewer).get(f"/tasks/{reopened.pk}/").content.decode()
    assert 'data-section="send-back-reasons"' in district_page and "请核实评价场地" in district_page
    # The district reviewer cannot send the city's (now done) task anywhere; bad node over the API: 409.
    assert client_for(district_reviewer).post(f"/tasks/{municipal.pk}/send-back/", data).status_code == 404
    wf_api = client.post(f"/api/v1/tasks/{municipal.pk}/send-back/", data, content_type="application/json")
    assert wf_api.status_code == 409


def test_send_back_over_the_api(submitted, district_reviewer, municipal_reviewer):
    to_municipal_review(submitted, district_reviewer)
    municipal = task_of(submitted, "municipal_review")
    api = client_for(municipal_reviewer)
    empty = api.post(
        f"/api/v1/tasks/{municipal.pk}/send-back/",
        {"to_node": "district_review", "comment": ""},
        content_type="application/json",
    )
    assert empty.status_code == 400
    wrong = api.post(
        f"/api/v1/tasks/{municipal.pk}/send-back/",
        {"to_node": "decision", "comment": "x"},
        content_type="application/json",
    )
    assert wrong.status_code == 409
    ok = api.post(
        f"/api/v1/tasks/{municipal.pk}/send-back/",
        {"to_node": "district_review", "comment": "请核实"},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["node"] == "district_review" and ok.json()["owner"] == district_reviewer.get_username()
