"""Delivering from the outbox: at-least-once without duplicates in the inbox, bounded retries with
exponential backoff, dead letters and their manual retry."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from notifications import outbox, tasks
from notifications.models import Channel, Delivery, DeliveryState, InboxMessage
from notifications.outbox import notify

from .backends import RefusingSMTPBackend
from .conftest import give_email

pytestmark = pytest.mark.django_db
PAYLOAD = {"number": "SF-2026-0001", "district": "浦东新区", "date": "2026-03-02"}


class WorkerKilled(BaseException):
    """The worker process dies (SIGKILL, OOM): nothing after this line runs, nothing is caught."""


def _event_for(user):
    give_email(user)
    event = notify("accepted", [user], PAYLOAD)
    email = event.deliveries.get(channel=Channel.EMAIL)
    inapp = event.deliveries.get(channel=Channel.INAPP)
    return event, email, inapp


# --- killed after sending, before marking sent ----------------------------------------------------------


def test_killed_between_send_and_mark_sent_resends_once_and_shows_once(applicant, monkeypatch):
    event, email, inapp = _event_for(applicant)
    ids = [email.pk, inapp.pk]

    killed: list[int] = []
    real_save = Delivery.save

    def save(self, *args, **kwargs):
        if self.state == DeliveryState.SENT and self.pk not in killed:
            killed.append(self.pk)  # once per delivery: the first attempt dies here
            raise WorkerKilled
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Delivery, "save", save)

    for pk in ids:
        with pytest.raises(WorkerKilled):
            outbox.deliver_one(pk)
    assert killed == ids
    # The e-mail left the building; the in-app message was rolled back with the delivery's state.
    assert len(mail.outbox) == 1
    assert InboxMessage.objects.count() == 0
    assert set(Delivery.objects.filter(pk__in=ids).values_list("state", "attempts")) == {
        (DeliveryState.PENDING, 0)
    }

    # The periodic sweep finds both again: the e-mail goes out a second (and last) time.
    assert tasks.sweep() == {DeliveryState.SENT: 2}
    assert len(mail.outbox) == 2
    assert mail.outbox[0].subject == mail.outbox[1].subject
    assert InboxMessage.objects.filter(recipient=applicant).count() == 1

    # Nothing more, however often the sweep or the task runs.
    for _ in range(3):
        assert tasks.sweep() == {}
        assert tasks.deliver(ids) == {}
        assert [outbox.deliver_one(pk) for pk in ids] == [None, None]
    assert len(mail.outbox) == 2
    assert InboxMessage.objects.count() == 1
    assert set(Delivery.objects.filter(pk__in=ids).values_list("state", "attempts")) == {
        (DeliveryState.SENT, 1)
    }


def test_in_app_message_that_survived_a_crash_is_not_duplicated(applicant):
    """Keyed by its delivery: a message already written for a delivery still pending is not shown twice."""
    event, email, inapp = _event_for(applicant)
    InboxMessage.objects.create(delivery=inapp, recipient=applicant, title="t", body="b")

    assert outbox.deliver_one(inapp.pk) == DeliveryState.SENT
    assert InboxMessage.objects.filter(recipient=applicant).count() == 1


# --- SMTP failures -----------------------------------------------------------------------------------------


@pytest.fixture
def refusing_smtp(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingSMTPBackend"
    RefusingSMTPBackend.attempts = 0
    return RefusingSMTPBackend


def test_smtp_failures_back_off_exponentially_then_dead_letter_without_retry_storm(
    applicant, refusing_smtp, settings
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 4  # read at call time: the override takes effect
    max_attempts = outbox.max_attempts()
    assert max_attempts == 4
    event, email, inapp = _event_for(applicant)
    assert outbox.deliver_one(inapp.pk) == DeliveryState.SENT  # the in-app channel is unaffected

    now = timezone.now()
    delays = []
    for attempt in range(1, max_attempts + 1):
        state = outbox.deliver_one(email.pk, now=now)
        email.refresh_from_db()
        assert refusing_smtp.attempts == attempt
        assert email.attempts == attempt
        assert email.last_error.startswith("SMTPServerDisconnected")
        if attempt == max_attempts:
            break
        assert state == DeliveryState.PENDING
        delays.append((email.next_attempt_at - now).total_seconds())

        # No retry storm: however often the task or the sweep runs before the backoff has elapsed, the
        # SMTP server is not contacted again.
        for _ in range(10):
            assert outbox.deliver_one(email.pk, now=now) is None
            assert (
                outbox.deliver_one(email.pk, now=email.next_attempt_at - datetime.timedelta(seconds=1))
                is None
            )
            assert tasks.deliver([email.pk]) == {}
        for _ in range(3):
            assert tasks.sweep() == {}  # the real clock is before next_attempt_at too
        assert email.pk not in outbox.due_deliveries(now)
        assert refusing_smtp.attempts == attempt
        email.refresh_from_db()
        assert email.attempts == attempt

        now = email.next_attempt_at  # the backoff elapses

    assert delays[:3] == [30.0, 60.0, 120.0]
    assert delays == [30.0 * 2**i for i in range(max_attempts - 1)]
    assert state == DeliveryState.DEAD
    assert email.state == DeliveryState.DEAD and email.next_attempt_at is None

    # Dead letters are never picked up again by themselves.
    later = now + datetime.timedelta(days=30)
    for _ in range(5):
        assert outbox.deliver_one(email.pk, now=later) is None
        assert tasks.sweep() == {}
    assert email.pk not in outbox.due_deliveries(later)
    assert refusing_smtp.attempts == max_attempts
    assert mail.outbox == []

    # An administrator retries them once the server is back: only dead ones are reset.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.retry_dead([email.pk, inapp.pk]) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts, email.next_attempt_at) == (DeliveryState.PENDING, 0, None)
    inapp.refresh_from_db()
    assert inapp.state == DeliveryState.SENT
    assert tasks.sweep() == {DeliveryState.SENT: 1}
    assert [m.to for m in mail.outbox] == [[applicant.email]]
    assert InboxMessage.objects.count() == 1


def test_backoff_is_capped():
    assert outbox.backoff(1) == datetime.timedelta(seconds=30)
    assert outbox.backoff(2) == datetime.timedelta(seconds=60)
    assert outbox.backoff(3) == datetime.timedelta(seconds=120)
    assert outbox.backoff(30) == datetime.timedelta(hours=6)


def test_a_transient_smtp_failure_is_sent_after_the_backoff(applicant, refusing_smtp, settings):
    event, email, inapp = _event_for(applicant)
    now = timezone.now()
    assert outbox.deliver_one(email.pk, now=now) == DeliveryState.PENDING
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back

    assert outbox.deliver_one(email.pk, now=now + datetime.timedelta(seconds=29)) is None
    assert mail.outbox == []
    assert outbox.deliver_one(email.pk, now=now + datetime.timedelta(seconds=30)) == DeliveryState.SENT
    email.refresh_from_db()
    assert (email.state, email.attempts) == (DeliveryState.SENT, 2)
    assert len(mail.outbox) == 1
    assert outbox.deliver_one(email.pk, now=now + datetime.timedelta(hours=1)) is None
    assert len(mail.outbox) == 1
