"""Revoking a certificate is an authority's decision (issue #13, item 9): the body's operator requests it
with a reason, a municipal reviewer approves or declines it as a viewflow task, and only then does the
public verification answer change. The operator cannot revoke directly; every step is audited and
announced like the other flows."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from viewflow.workflow.status import STATUS

from filing.errors import Denied, Invalid, WrongState
from filing.models import AuditEvent, Certificate, RevocationRequest, RevocationStatus
from filing.roles import Role
from filing.services import certificates as svc
from filing.services.memberships import membership_grant
from filing.verification import verify_by_number
from notifications.models import OutboxEvent
from tests import factories
from tests.filing.issued import issue
from workflows import services as wf
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(college, roles):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=2)
    issue(plan, operator, "revocation")
    first, second = Certificate.objects.order_by("number")
    return operator, first, second


def public_answer(certificate) -> str:
    return verify_by_number(certificate.number, certificate.holder_name).status_text


def request(operator, certificate, reason="考试作弊"):
    return svc.revocation_request(actor=operator, certificate=certificate, reason=reason, authority="")


def decide(reviewer, revocation, approve, comment="已核实"):
    task = open_task(revocation, "review_revocation")
    return wf.task_revocation_review(actor=reviewer, task_pk=task.pk, approve=approve, comment=comment)


def test_a_request_changes_nothing_public_until_a_municipal_reviewer_approves(issued, municipal_reviewer):
    operator, certificate, _ = issued
    revocation = request(operator, certificate)
    assert revocation.status == RevocationStatus.REQUESTED
    certificate.refresh_from_db()
    assert certificate.status == "valid" and public_answer(certificate) == "有效"
    task = open_task(revocation, "review_revocation")
    assert task.status == STATUS.NEW
    assert AuditEvent.objects.filter(action="certificate.revocation_request", actor=operator).exists()
    decide(municipal_reviewer, revocation, approve=True)
    revocation.refresh_from_db()
    certificate.refresh_from_db()
    assert revocation.status == RevocationStatus.APPROVED and revocation.decided_by == municipal_reviewer
    assert certificate.status == "revoked" and certificate.revoked_reason == "考试作弊"
    assert certificate.revoked_by == municipal_reviewer
    assert public_answer(certificate) == "已撤销"
    assert AuditEvent.objects.filter(action="certificate.revoke", actor=municipal_reviewer).exists()
    assert AuditEvent.objects.filter(action="certificate.revocation_approve").exists()
    task.refresh_from_db()
    assert task.status == STATUS.DONE


def test_a_declined_request_leaves_the_certificate_valid_and_a_new_one_may_follow(issued, municipal_reviewer):
    operator, certificate, _ = issued
    revocation = request(operator, certificate)
    decide(municipal_reviewer, revocation, approve=False, comment="证据不足")
    revocation.refresh_from_db()
    certificate.refresh_from_db()
    assert revocation.status == RevocationStatus.DECLINED and revocation.decision_comment == "证据不足"
    assert certificate.status == "valid" and public_answer(certificate) == "有效"
    assert AuditEvent.objects.filter(action="certificate.revocation_decline").exists()
    again = request(operator, certificate, reason="补充证据后再次申请")
    assert again.status == RevocationStatus.REQUESTED


def test_the_operator_cannot_revoke_directly():
    assert not hasattr(svc, "certificate_revoke")


def test_one_open_request_per_certificate_and_only_for_a_valid_one(issued, municipal_reviewer):
    operator, certificate, _ = issued
    revocation = request(operator, certificate)
    with pytest.raises(WrongState):
        request(operator, certificate)
    decide(municipal_reviewer, revocation, approve=True)
    with pytest.raises(WrongState):
        request(operator, Certificate.objects.get(pk=certificate.pk))


@pytest.mark.parametrize("reason", ["", "   ", "长" * 2001])
def test_a_reason_is_required_and_bounded(issued, reason):
    operator, certificate, _ = issued
    with pytest.raises(Invalid):
        request(operator, certificate, reason=reason)
    assert not RevocationRequest.objects.exists()


@pytest.mark.parametrize("who", ["applicant", "legal_rep", "municipal_reviewer", "auditor", "other_operator"])
def test_only_the_bodys_operator_requests(issued, who, applicant, legal_rep, municipal_reviewer, auditor):
    _, certificate, _ = issued
    actor = {
        "applicant": applicant,
        "legal_rep": legal_rep,
        "municipal_reviewer": municipal_reviewer,
        "auditor": auditor,
        "other_operator": factories.user(role=Role.BODY_OPERATOR, organisation=factories.organisation()),
    }[who]
    with pytest.raises(Denied):
        request(actor, certificate)
    assert not RevocationRequest.objects.exists()


def test_who_may_decide(issued, municipal_reviewer, district_reviewer, auditor, college):
    operator, certificate, _ = issued
    revocation = request(operator, certificate)
    task = open_task(revocation, "review_revocation")
    # A municipal reviewer who belongs to the body's organisation must recuse himself.
    member = factories.user("member_reviewer", role=Role.MUNICIPAL_REVIEWER)
    membership_grant(actor=None, user=member, role=Role.APPLICANT, organisation=college)
    for actor in (operator, district_reviewer, auditor):
        with pytest.raises(Denied):  # not in the municipal queue: cannot even claim the task
            wf.task_claim(actor=actor, task_pk=task.pk)
    for actor in (operator, district_reviewer, auditor, member):
        with pytest.raises(Denied):
            svc.revocation_decide(actor=actor, revocation=revocation, approve=True, comment="同意")
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    with pytest.raises(Invalid):
        wf.task_revocation_review(actor=municipal_reviewer, task_pk=task.pk, approve=True, comment=" ")
    decide(municipal_reviewer, revocation, approve=True)
    with pytest.raises(WrongState):
        svc.revocation_decide(
            actor=municipal_reviewer,
            revocation=RevocationRequest.objects.get(pk=revocation.pk),
            approve=False,
            comment="x",
        )


def test_a_certificate_corrected_meanwhile_cannot_be_revoked_by_the_old_request(issued, municipal_reviewer):
    operator, certificate, _ = issued
    revocation = request(operator, certificate)
    svc.certificate_correct(actor=operator, certificate=certificate, reason="姓名错字", holder_name="更正名")
    with pytest.raises(WrongState):
        decide(municipal_reviewer, revocation, approve=True)
    decide(
        municipal_reviewer,
        RevocationRequest.objects.get(pk=revocation.pk),
        approve=False,
        comment="证书已更正",
    )


def test_notifications_follow_the_request_and_the_decision(
    issued, municipal_reviewer, django_capture_on_commit_callbacks
):
    operator, certificate, _ = issued
    with django_capture_on_commit_callbacks(execute=True):
        revocation = request(operator, certificate)
    assert OutboxEvent.objects.filter(kind="revocation_requested").exists()
    with django_capture_on_commit_callbacks(execute=True):
        decide(municipal_reviewer, revocation, approve=False, comment="证据不足")
    assert OutboxEvent.objects.filter(kind="revocation_declined").exists()


# --- pages and API ------------------------------------------------------------------------------------------


def test_pages_request_then_the_task_decides(issued, municipal_reviewer, client):
    operator, certificate, _ = issued
    detail = reverse("certificates:detail", args=[certificate.pk])
    client.force_login(operator)
    page = client.get(detail).content.decode()
    assert 'data-action="request-revocation"' in page and 'value="revoke"' not in page
    assert client.post(detail, {"action": "revoke", "reason": "作弊"}).status_code == 404  # no direct revoke
    response = client.post(detail, {"action": "request_revocation", "reason": "考试作弊"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    page = client.get(detail).content.decode()
    assert "待市级审核" in page and 'data-action="request-revocation"' not in page
    revocation = RevocationRequest.objects.get()
    task = open_task(revocation, "review_revocation")
    assert client.get(reverse("tasks:task", args=[task.pk])).status_code == 404  # not the operator's task

    client.force_login(municipal_reviewer)
    assert str(task.pk) in client.get(reverse("tasks:inbox")).content.decode()
    page = client.get(reverse("tasks:task", args=[task.pk])).content.decode()
    assert certificate.number in page and "考试作弊" in page
    answer = {"approve": "yes", "comment": "同意撤销"}
    confirmation = client.post(reverse("tasks:task", args=[task.pk]), answer)
    text = confirmation.content.decode()
    assert confirmation.status_code == 200 and certificate.number in text and "不能撤销" in text
    certificate.refresh_from_db()
    assert certificate.status == "valid"  # the confirmation changes nothing
    response = client.post(reverse("tasks:task", args=[task.pk]), {**answer, "confirmed": "1"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert public_answer(certificate) == "已撤销"


def test_api_revoke_is_a_request_and_the_task_api_decides(issued, municipal_reviewer):
    operator, certificate, _ = issued
    api = APIClient()
    api.force_authenticate(operator)
    response = api.post(
        f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "考试作弊"}, format="json"
    )
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "requested"
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    assert (
        api.post(
            f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "再次"}, format="json"
        ).status_code
        == 409
    )
    task = open_task(RevocationRequest.objects.get(), "review_revocation")
    api.force_authenticate(municipal_reviewer)
    response = api.post(
        f"/api/v1/tasks/{task.pk}/decide/", {"approve": True, "comment": "同意"}, format="json"
    )
    assert response.status_code == 200, response.content
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
