"""委派/代理: a reviewer names a colleague of the same unit and role as deputy for a period; the deputy sees
and decides the principal's tasks, recorded as "办理人 X，代 Y"; tasks handed to the principal in the period
go to the deputy. Allowed and denied for role, unit and dates; pages and API."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from viewflow.workflow.status import STATUS

from filing.errors import Denied, Invalid, NotFound, WrongState
from filing.models import AuditEvent
from filing.roles import Role
from filing.timeline import action_label
from notifications.models import OutboxEvent
from tests import factories
from tests.workflows.test_operations import task_of, to_municipal_review
from workflows import deputies
from workflows import operations as ops
from workflows import services as wf

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def submitted(applicant, legal_rep, college):
    from filing.services import applications as app_svc

    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    return app_svc.application_submit(actor=applicant, application=draft)


@pytest.fixture
def colleague(roles):
    return factories.user("district_pd_deputy", role=Role.DISTRICT_REVIEWER, district_code="310115")


def appoint(principal, deputy, *, starts=TODAY, days=5):
    return deputies.deputy_appoint(
        actor=principal,
        deputy_pk=deputy.pk,
        starts_on=starts,
        ends_on=starts + datetime.timedelta(days=days - 1),
        reason="年休假",
    )


def test_appointment_rules(
    district_reviewer, colleague, other_district_reviewer, municipal_reviewer, applicant
):
    with pytest.raises(Invalid):  # another district: not the same unit
        appoint(district_reviewer, other_district_reviewer)
    with pytest.raises(Invalid):  # another role
        appoint(district_reviewer, municipal_reviewer)
    with pytest.raises(Invalid) as past:
        appoint(district_reviewer, colleague, starts=TODAY - datetime.timedelta(days=1))
    assert TODAY.isoformat() in past.value.errors["starts_on"][0]
    with pytest.raises(Invalid):
        appoint(district_reviewer, colleague, days=91)
    with pytest.raises(Denied):  # a role without queues
        appoint(applicant, colleague)
    row = appoint(district_reviewer, colleague)
    assert AuditEvent.objects.filter(action="deputy.appoint").count() == 1
    assert OutboxEvent.objects.filter(kind="deputy_appointed").exists()
    with pytest.raises(WrongState):  # overlapping
        appoint(district_reviewer, colleague, starts=TODAY + datetime.timedelta(days=2))
    with pytest.raises(WrongState):  # the deputy cannot name a deputy of their own for the same days
        appoint(colleague, district_reviewer)
    with pytest.raises(NotFound):  # only the principal revokes
        deputies.deputy_revoke(actor=colleague, pk=row.pk)
    deputies.deputy_revoke(actor=district_reviewer, pk=row.pk)
    with pytest.raises(WrongState):
        deputies.deputy_revoke(actor=district_reviewer, pk=row.pk)


def test_the_deputy_decides_the_principals_task_on_their_behalf(
    submitted, district_reviewer, district_lead, colleague
):
    task = task_of(submitted, "district_accept")
    wf.task_claim(actor=district_reviewer, task_pk=task.pk)
    # Before the appointment the colleague (same queue) may not decide a task claimed by someone else.
    with pytest.raises(Denied):
        wf.task_review(actor=colleague, task_pk=task.pk, outcome="approve", comment="x")
    appoint(district_reviewer, colleague)
    inbox = Client()
    inbox.force_login(colleague)
    page = inbox.get("/tasks/").content.decode()
    assert f'data-task="{task.pk}"' in page and f'data-acting-for="{district_reviewer.pk}"' in page
    assert task.pk in {row["id"] for row in inbox.get("/api/v1/tasks/").json()}
    task_page = inbox.get(f"/tasks/{task.pk}/").content.decode()
    assert 'data-section="acting-for"' in task_page and 'data-action="decide"' in task_page
    # Urges reach the deputy as well as the owner.
    ops.task_urge(actor=district_lead, task_pk=task.pk)
    recipients = set(
        OutboxEvent.objects.get(kind="task_urged").deliveries.values_list("recipient_id", flat=True)
    )
    assert {district_reviewer.pk, colleague.pk} <= recipients
    wf.task_review(actor=colleague, task_pk=task.pk, outcome="approve", comment="代为受理")
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner == colleague
    assert task.data["on_behalf_of"] == district_reviewer.pk
    assert (
        deputies.acting_label(task)
        == f"办理人 {colleague.get_username()}，代 {district_reviewer.get_username()}"
    )
    event = AuditEvent.objects.get(action="task.on_behalf")
    assert event.payload["principal"] == district_reviewer.get_username()
    assert event.payload["deputy"] == colleague.get_username()
    assert str(action_label("task.on_behalf")) == "代为办理"
    archive = inbox.get("/tasks/").content.decode()
    assert "代 " + district_reviewer.get_username() in archive


def test_outside_the_period_and_after_revocation_nothing_is_delegated(
    submitted, district_reviewer, colleague
):
    task = task_of(submitted, "district_accept")
    wf.task_claim(actor=district_reviewer, task_pk=task.pk)
    row = appoint(district_reviewer, colleague, starts=TODAY + datetime.timedelta(days=1))
    assert deputies.principals_of(colleague) == []
    with pytest.raises(Denied):
        wf.task_review(actor=colleague, task_pk=task.pk, outcome="approve", comment="x")
    deputies.deputy_revoke(actor=district_reviewer, pk=row.pk)
    live = appoint(district_reviewer, colleague)
    assert deputies.principals_of(colleague) == [district_reviewer.pk]
    deputies.deputy_revoke(actor=district_reviewer, pk=live.pk)
    assert deputies.principals_of(colleague) == []


def test_a_send_back_to_an_absent_reviewer_goes_to_the_deputy(
    submitted, district_reviewer, colleague, municipal_reviewer
):
    to_municipal_review(submitted, district_reviewer)
    appoint(district_reviewer, colleague)
    municipal = task_of(submitted, "municipal_review")
    reopened = ops.task_send_back(
        actor=municipal_reviewer, task_pk=municipal.pk, to_node="district_review", comment="请核实"
    )
    assert reopened.owner == colleague


def test_deputy_pages_and_api(district_reviewer, colleague, other_district_reviewer):
    client = Client()
    client.force_login(district_reviewer)
    page = client.get("/tasks/deputies/").content.decode()
    assert 'data-section="deputy-form"' in page and colleague.get_username() in page
    assert other_district_reviewer.get_username() not in page  # only the same unit is offered
    bad = client.post(
        "/tasks/deputies/",
        {"deputy": colleague.pk, "starts_on": "2020-01-01", "ends_on": "2020-01-02", "reason": "休假"},
    )
    assert bad.status_code == 422 and "不得早于今天" in bad.content.decode()
    ok = client.post(
        "/tasks/deputies/",
        {"deputy": colleague.pk, "starts_on": TODAY, "ends_on": TODAY, "reason": "休假"},
    )
    assert ok.status_code == 302
    rows = client.get("/api/v1/deputies/").json()
    assert rows[0]["deputy"] == colleague.get_username()
    other = Client()
    other.force_login(colleague)
    assert other.post(f"/tasks/deputies/{rows[0]['id']}/revoke/").status_code == 404
    assert other.post(f"/api/v1/deputies/{rows[0]['id']}/revoke/").status_code == 404
    assert client.post(f"/api/v1/deputies/{rows[0]['id']}/revoke/").status_code == 200
    assert client.post(f"/tasks/deputies/{rows[0]['id']}/revoke/").status_code == 409
    api = client.post(
        "/api/v1/deputies/",
        {"deputy": other_district_reviewer.pk, "starts_on": str(TODAY), "ends_on": str(TODAY), "reason": "x"},
        content_type="application/json",
    )
    assert api.status_code == 400
    api = client.post(
        "/api/v1/deputies/",
        {"deputy": colleague.pk, "starts_on": str(TODAY), "ends_on": str(TODAY), "reason": "出差"},
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
