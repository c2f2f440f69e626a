"""The holder is told how their correction request was decided (#15 item 7), after commit, on the contact
that proved who they are: an e-mail by default, an SMS to a mobile number when an SMS sender is
configured. The message says whether the certificate was corrected (a new version is in the holder's
pages) or refused with the operator's reason, and never carries an ID number. The body's operators hear of
a new request through the outbox."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.test import TestCase

from filing import pii
from filing.models import Certificate, HolderCorrectionRequest
from filing.services import challenges, holders
from notifications.models import OutboxEvent
from tests import factories
from tests.filing.issued import issue
from workflows import services as wf
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db
EMAIL = "holder.message@example.com"
MOBILE = "13800138000"


@pytest.fixture
def world(college, roles):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=2)
    for registration, contact in zip(plan.registrations.order_by("pk"), (EMAIL, MOBILE), strict=True):
        registration.contact_encrypted = pii.encrypt_text(contact)
        registration.contact_index = challenges.contact_index(contact)
        registration.save(update_fields=["contact_encrypted", "contact_index"])
    issue(plan, operator, "holder-messages")
    by_contact = {
        pii.decrypt(c.registration.contact_encrypted): c
        for c in Certificate.objects.select_related("registration")
    }
    return operator, by_contact


def ask(certificate, contact) -> HolderCorrectionRequest:
    identity = holders.HolderIdentity(
        certificate.registration.candidate_id, challenges.contact_index(contact), "masked"
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        return holders.holder_correction_request(
            identity=identity, certificate=certificate, reason="姓名印错", holder_name="王晓明"
        )


def decide(operator, request, *, approve: bool, comment: str) -> None:
    task = open_task(request, "review_holder_correction")
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        wf.task_holder_correction_review(actor=operator, task_pk=task.pk, approve=approve, comment=comment)
    assert callbacks  # the message leaves after commit, not inside the decision's transaction


def full_number(certificate) -> str:
    return pii.decrypt(certificate.registration.candidate.document_encrypted)


def test_the_operators_hear_of_a_new_request(world):
    operator, by_contact = world
    certificate = by_contact[EMAIL]
    ask(certificate, EMAIL)
    event = OutboxEvent.objects.get(kind="holder_correction_requested")
    assert event.payload["certificate"] == certificate.number
    assert operator.pk in event.deliveries.values_list("recipient_id", flat=True)


def test_an_approved_correction_is_e_mailed(world):
    operator, by_contact = world
    certificate = by_contact[EMAIL]
    request = ask(certificate, EMAIL)
    mail.outbox.clear()
    decide(operator, request, approve=True, comment="已核实")
    (message,) = mail.outbox
    assert message.to == [EMAIL] and message.subject == "证书更正申请处理结果"
    assert certificate.number in message.body and "已更正" in message.body
    assert "第2版" in message.body and "/holder/" in message.body
    assert full_number(certificate) not in message.body


def test_a_refusal_is_e_mailed_with_the_reason_and_no_id_number(world):
    operator, by_contact = world
    certificate = by_contact[EMAIL]
    request = ask(certificate, EMAIL)
    mail.outbox.clear()
    number = full_number(certificate)
    decide(operator, request, approve=False, comment=f"与报名材料（证件{number}）一致，无需更正")
    (message,) = mail.outbox
    assert message.to == [EMAIL]
    assert "未予更正" in message.body and "无需更正" in message.body and certificate.number in message.body
    assert number not in message.body and number[:4] in message.body  # the number in the reason is masked


@pytest.mark.parametrize("approve", [True, False])
def test_a_mobile_contact_gets_an_sms(world, settings, caplog, approve):
    settings.SMS_SENDER = "filing.contact.ConsoleSMSSender"
    operator, by_contact = world
    certificate = by_contact[MOBILE]
    request = ask(certificate, MOBILE)
    mail.outbox.clear()
    with caplog.at_level(logging.INFO, logger="filing.contact"):
        decide(operator, request, approve=approve, comment="" if approve else "工种与计划一致")
    assert mail.outbox == []
    (sms,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("SMS to ")]
    assert sms.startswith("SMS to 138****8000: ") and certificate.number in sms
    assert (
        ("已更正" in sms and "第2版" in sms) if approve else ("未予更正" in sms and "工种与计划一致" in sms)
    )
    assert full_number(certificate) not in sms


def test_without_an_sms_sender_the_decision_stands(world, settings, caplog):
    operator, by_contact = world
    request = ask(by_contact[MOBILE], MOBILE)
    settings.SMS_SENDER = ""
    with caplog.at_level(logging.WARNING, logger="notifications.holders"):
        decide(operator, request, approve=False, comment="工种与计划一致")
    request.refresh_from_db()
    assert request.status == "declined"
    assert any("no SMS sender" in r.getMessage() for r in caplog.records)
