"""Health checks of the outbox (django-health-check): how long due deliveries have waited, and dead letters.

A delivery is *due* from its event's creation, or from its next attempt after a failure; the outbox lags when
the oldest due delivery has waited longer than ``HEALTH_OUTBOX_MAX_LAG_SECONDS`` (no worker, or a worker that
cannot keep up). Dead letters (deliveries that gave up after ``NOTIFICATION_MAX_ATTEMPTS``) wait for an
administrator; more than ``HEALTH_DEAD_LETTERS_MAX`` of them make the check fail.
"""

from __future__ import annotations

import dataclasses
import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from .models import Delivery, DeliveryState


def oldest_due_age(now: datetime.datetime | None = None) -> float:
    """Seconds the oldest due pending delivery has waited (0 when none is due)."""
    now = now or timezone.now()
    due_since = (
        Delivery.objects.filter(state=DeliveryState.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .aggregate(since=Min(Coalesce("next_attempt_at", "event__created_at")))["since"]
    )
    return max(0.0, (now - due_since).total_seconds()) if due_since else 0.0


def dead_letters() -> int:
    return Delivery.objects.filter(state=DeliveryState.DEAD).count()


@dataclasses.dataclass
class OutboxLag(HealthCheck):
    """Fails when the oldest due delivery waited longer than the setting allows."""

    async def run(self):
        # thread_sensitive: the request's own database connection (and, in tests, its transaction).
        age = await sync_to_async(oldest_due_age, thread_sensitive=True)()
        limit = settings.HEALTH_OUTBOX_MAX_LAG_SECONDS
        if age > limit:
            raise ServiceUnavailable(f"oldest due delivery waited {age:.0f} s (limit {limit} s)")


@dataclasses.dataclass
class DeadLetters(HealthCheck):
    """Fails when more deliveries are dead-lettered than the setting tolerates."""

    async def run(self):
        count = await sync_to_async(dead_letters, thread_sensitive=True)()
        limit = settings.HEALTH_DEAD_LETTERS_MAX
        if count > limit:
            raise ServiceUnavailable(f"{count} dead-lettered deliveries (limit {limit})")
