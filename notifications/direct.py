"""Messages to people who are not users (a certificate holder, a complainant): they have no outbox
deliveries, so after commit a retried Celery task reads the record by id (the contact never travels through
the broker), decrypts the contact and sends one e-mail or SMS. Used by ``notifications.holders`` and
``notifications.complaints``."""

from __future__ import annotations

import logging

from django.db import transaction

from filing import contact, jobs, pii

log = logging.getLogger(__name__)


def enqueue_after_commit(task: str, pk: int, what: str) -> None:
    """Queue ``task(pk)`` once the transaction commits; a broker that cannot be reached is logged (the
    record stands and its own page still shows it)."""

    def enqueue():
        try:
            jobs.enqueue(task, pk)
        except Exception:
            log.warning("could not queue the message of %s %s", what, pk)

    transaction.on_commit(enqueue)


def send(contact_encrypted: str, subject: str, text: str, what: str) -> str:
    """Send to the encrypted contact; returns what was done (``sent``, ``no contact``, ``no sms``)."""
    if not contact_encrypted:
        return "no contact"
    address = pii.decrypt(contact_encrypted)
    if contact.is_mobile(address) and not contact.sms_available():  # no retry can help: say so once
        log.warning("%s: no SMS sender configured, the message is not sent", what)
        return "no sms"
    contact.send_message(address, text, subject=subject)
    return "sent"
