"""抄送: a decision copied to named people and roles appears read-only in their task inbox with the decision;
only who decided copies, only to people who may see the subject; page and API."""

from __future__ import annotations

import pytest
from django.test import Client

from filing.errors import Denied, Invalid, WrongState
from filing.models import AuditEvent
from filing.roles import Role
from notifications.models import OutboxEvent
from tests import factories
from tests.workflows.test_operations import task_of, to_district_review
from workflows import services as wf
from workflows.copies import task_copy
from workflows.models import TaskCopy

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(applicant, legal_rep, college):
    from filing.services import applications as app_svc

    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    return app_svc.application_submit(actor=applicant, application=draft)


@pytest.fixture
def decided(submitted, district_reviewer):
    task = to_district_review(submitted)
    wf.task_review(actor=district_reviewer, task_pk=task.pk, outcome="approve", comment="场地设备齐全，同意")
    task.refresh_from_db()
    return task


def test_copy_to_a_role_and_a_person(decided, district_reviewer, legal_rep, municipal_reviewer):
    copies = task_copy(
        actor=district_reviewer,
        task_pk=decided.pk,
        users=[municipal_reviewer.pk],
        roles=["legal_rep"],
        note="请知悉",
    )
    assert {c.recipient for c in copies} == {legal_rep, municipal_reviewer}
    copy = TaskCopy.objects.get(recipient=legal_rep)
    assert "区级审核通过" in copy.decision and "场地设备齐全，同意" in copy.decision
    assert AuditEvent.objects.filter(action="task.copy").count() == 1
    assert OutboxEvent.objects.filter(kind="task_copied").count() == 2
    # Copying again to the same people creates nothing new.
    assert task_copy(actor=district_reviewer, task_pk=decided.pk, roles=["legal_rep"]) == []
    # In the recipient's inbox, read-only; opening marks it read.
    client = Client()
    client.force_login(legal_rep)
    inbox = client.get("/tasks/").content.decode()
    assert f'data-copy="{copy.pk}"' in inbox
    page = client.get(f"/tasks/copies/{copy.pk}/").content.decode()
    assert "场地设备齐全，同意" in page and 'data-action="decide"' not in page
    copy.refresh_from_db()
    assert copy.read_at is not None
    assert client.get("/api/v1/copies/").json()[0]["decision"] == copy.decision
    # Somebody else's copy is a 404.
    other = Client()
    other.force_login(municipal_reviewer)
    assert other.get(f"/tasks/copies/{copy.pk}/").status_code == 404


def test_copy_refusals(decided, submitted, district_reviewer, district_lead, college_other_district, roles):
    with pytest.raises(Denied):  # not their decision
        task_copy(actor=district_lead, task_pk=decided.pk, roles=["legal_rep"])
    stranger = factories.user("applicant_elsewhere", role=Role.APPLICANT, organisation=college_other_district)
    with pytest.raises(Invalid):  # may not see the application
        task_copy(actor=district_reviewer, task_pk=decided.pk, users=[stranger.pk])
    with pytest.raises(Invalid):
        task_copy(actor=district_reviewer, task_pk=decided.pk)
    with pytest.raises(Invalid):
        task_copy(actor=district_reviewer, task_pk=decided.pk, roles=["nobody"])
    open_task = task_of(submitted, "municipal_review")
    with pytest.raises(WrongState):
        task_copy(actor=district_reviewer, task_pk=open_task.pk, roles=["legal_rep"])
    assert TaskCopy.objects.count() == 0


def test_copy_page_and_api(decided, district_reviewer, legal_rep, applicant):
    client = Client()
    client.force_login(district_reviewer)
    page = client.get(f"/tasks/{decided.pk}/").content.decode()
    assert 'data-section="copy"' in page
    answer = client.post(f"/tasks/{decided.pk}/copy/", {"roles": ["applicant"], "note": "告知"})
    assert answer.status_code == 302
    assert TaskCopy.objects.filter(recipient=applicant).exists()
    api = client.post(
        f"/api/v1/tasks/{decided.pk}/copy/", {"roles": ["legal_rep"]}, content_type="application/json"
    )
    assert api.status_code == 200 and api.json()[0]["recipient"] == legal_rep.get_username()
    bad = client.post(f"/api/v1/tasks/{decided.pk}/copy/", {"roles": ["x"]}, content_type="application/json")
    assert bad.status_code == 400
    lead = Client()
    lead.force_login(legal_rep)
    assert (
        lead.post(f"/api/v1/tasks/{decided.pk}/copy/", {}, content_type="application/json").status_code == 404
    )
