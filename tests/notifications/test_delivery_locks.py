"""PostgreSQL: a delivery in progress locks its own row, and only that. While a worker waits for a slow SMTP
server a second worker skips that delivery (no double send), but other deliveries to the same recipient
are not skipped, and business transactions writing rows that reference the recipient do not wait."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from notifications import outbox
from notifications.models import Channel, DeliveryState, InboxMessage
from notifications.outbox import notify

from .backends import SlowSMTPBackend
from .conftest import give_email

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_slow_smtp_send_blocks_nobody_else(on_postgres, applicant, settings, monkeypatch):
    give_email(applicant)
    monkeypatch.setattr(outbox, "_enqueue", lambda ids: None)  # deliver by hand below
    with transaction.atomic():
        first = notify("accepted", [applicant], {"number": "SF-1"})
    with transaction.atomic():
        second = notify("accepted", [applicant], {"number": "SF-2"})
    email = first.deliveries.get(channel=Channel.EMAIL)
    other = second.deliveries.get(channel=Channel.INAPP)

    settings.EMAIL_BACKEND = "tests.notifications.backends.SlowSMTPBackend"
    SlowSMTPBackend.started, SlowSMTPBackend.release = threading.Event(), threading.Event()
    SlowSMTPBackend.sent = 0
    result = {}

    def worker():
        try:
            result["state"] = outbox.deliver_one(email.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert SlowSMTPBackend.started.wait(timeout=20), "the worker never reached the SMTP server"
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        try:
            # A second worker does not send the delivery in flight again...
            assert outbox.deliver_one(email.pk) is None
            # ...but another delivery to the same recipient is not skipped as "locked".
            assert outbox.deliver_one(other.pk) == DeliveryState.SENT
            # A business transaction writing rows that reference the recipient does not wait for SMTP.
            with transaction.atomic():
                third = notify("accepted", [applicant], {"number": "SF-3"})
            assert third.deliveries.count() == 2
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
    finally:
        SlowSMTPBackend.release.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert result["state"] == DeliveryState.SENT
    assert SlowSMTPBackend.sent == 1
    assert InboxMessage.objects.filter(delivery=other).count() == 1
