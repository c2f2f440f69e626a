"""Writing to the outbox (inside the caller's transaction) and delivering from it (after commit)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from filing import jobs
from filing.validators import scrub_identifiers

from .catalogue import KINDS
from .models import Channel, Delivery, DeliveryState, InboxMessage, OutboxEvent, Preference

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 3600


def max_attempts() -> int:
    """Read at call time, so that a changed setting (or a test's override) takes effect without a restart."""
    return settings.NOTIFICATION_MAX_ATTEMPTS


def notify(kind: str, recipients: Iterable, payload: dict, *, link: str = "", dedupe_key: str | None = None):
    """Record one event and a delivery per recipient and channel, in the current transaction; schedule the
    delivery after commit. ``dedupe_key`` makes a repeated event (e.g. a reminder) a no-op."""
    recipients = {u.pk: u for u in recipients if u is not None and u.is_active}
    if not recipients:
        return None
    spec = KINDS[kind]
    payload = {k: scrub_identifiers(str(v)) if isinstance(v, str) else v for k, v in payload.items()}
    payload["link"] = link
    if dedupe_key is None:
        event = OutboxEvent.objects.create(kind=kind, payload=payload)
    else:
        try:
            with transaction.atomic():  # a savepoint only where a duplicate can be refused
                event = OutboxEvent.objects.create(kind=kind, payload=payload, dedupe_key=dedupe_key)
        except IntegrityError:
            return None  # already notified
    muted = {
        p.user_id
        for p in Preference.objects.filter(user_id__in=recipients)
        if kind in (p.muted_kinds or []) and not spec.legally_required
    }
    rows = []
    for user in recipients.values():
        state = DeliveryState.MUTED if user.pk in muted else DeliveryState.PENDING
        rows.append(Delivery(event=event, recipient=user, channel=Channel.INAPP, state=state))
        if user.email:
            rows.append(Delivery(event=event, recipient=user, channel=Channel.EMAIL, state=state))
    Delivery.objects.bulk_create(rows)
    ids = [d.pk for d in rows if d.state == DeliveryState.PENDING and d.pk]
    if not ids:  # backends that do not return primary keys from bulk_create
        ids = list(event.deliveries.filter(state=DeliveryState.PENDING).values_list("pk", flat=True))
    transaction.on_commit(lambda: _enqueue(ids))
    return event


def _enqueue(ids: list[int]) -> None:
    try:
        jobs.enqueue("notifications.deliver", ids)
    except Exception:  # broker down: the periodic sweep will pick them up
        log.warning("could not enqueue %d deliveries; the sweep will retry", len(ids))


def render(delivery: Delivery) -> tuple[str, str]:
    spec = KINDS[delivery.event.kind]
    language = (
        Preference.objects.filter(user=delivery.recipient).values_list("language", flat=True).first()
        or settings.LANGUAGE_CODE
    )
    values = {k: v for k, v in delivery.event.payload.items()}
    with translation.override(language):
        title = str(spec.title).format_map(_Missing(values))
        body = str(spec.body).format_map(_Missing(values))
    return title, body


class _Missing(dict):
    def __missing__(self, key):
        return "—"


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_CAP_SECONDS))


def send(delivery: Delivery) -> None:
    title, body = render(delivery)
    link = delivery.event.payload.get("link", "")
    if delivery.channel == Channel.INAPP:
        # The delivery row is locked, so nobody else writes its message meanwhile: a look-up and an insert
        # (no get_or_create savepoint). A message that survived an earlier crash is not written twice.
        if not InboxMessage.objects.filter(delivery=delivery).exists():
            InboxMessage.objects.create(
                delivery=delivery, recipient=delivery.recipient, title=title, body=body, link=link
            )
    else:
        base = getattr(settings, "SITE_URL", "")
        text = f"{body}\n\n{base}{link}" if link else body
        send_mail(title, text, settings.DEFAULT_FROM_EMAIL, [delivery.recipient.email])


def deliver_one(pk: int, now: datetime.datetime | None = None) -> str | None:
    """Send one pending delivery that is due; returns its new state (None when not due or taken)."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            # of=("self",): lock the delivery row only. Without it PostgreSQL also locks the joined event and
            # user rows FOR UPDATE for as long as the SMTP send takes, which blocks every business
            # transaction inserting rows that reference the recipient (FOR KEY SHARE) and makes concurrent
            # deliveries to the same recipient skip theirs as "locked".
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "recipient")
            .filter(pk=pk, state=DeliveryState.PENDING)
            .first()
        )
        if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > now):
            return None
        try:
            with transaction.atomic():
                send(delivery)
        except Exception as exc:  # any transport failure: retry later, then dead-letter
            delivery.attempts += 1
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if delivery.attempts >= max_attempts():
                delivery.state = DeliveryState.DEAD
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
        else:
            delivery.attempts += 1
            delivery.state = DeliveryState.SENT
            delivery.sent_at = now
        delivery.save(update_fields=["attempts", "last_error", "state", "next_attempt_at", "sent_at"])
        return delivery.state


def due_deliveries(now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    from django.db.models import Q

    return list(
        Delivery.objects.filter(state=DeliveryState.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_many(delivery_ids: list[int]) -> dict[str, int]:
    """Deliver each due delivery; the count of the states they ended in."""
    states: dict[str, int] = {}
    for pk in delivery_ids:
        state = deliver_one(pk)
        if state:
            states[state] = states.get(state, 0) + 1
    return states


def retry_dead(delivery_ids: list[int]) -> int:
    """An administrator sends dead-lettered deliveries again (from the admin)."""
    return Delivery.objects.filter(pk__in=delivery_ids, state=DeliveryState.DEAD).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=None
    )


def application_link(application_id: int) -> str:
    try:
        return reverse("applications:detail", args=[application_id])
    except NoReverseMatch:
        return ""
