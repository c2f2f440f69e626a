"""Fixtures for the notification tests: e-mail addresses for the personas, a spy on the deliver task,
shortcuts to a submitted application and its open review tasks."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from filing.services import applications as app_svc
from notifications.models import Delivery, OutboxEvent
from tests import factories


def give_email(*users) -> None:
    """The personas are created without an address; e-mail deliveries need one."""
    for user in users:
        user.email = f"{user.username}@example.cn"
        user.save(update_fields=["email"])


@pytest.fixture
def enqueued(monkeypatch):
    """Every call of ``notifications.tasks.deliver.delay``: (delivery ids, whether a transaction was still
    open). The real task still runs (eagerly, as configured when no broker is set)."""
    from notifications import tasks

    calls: list[tuple[list[int], bool]] = []
    real_delay = tasks.deliver.delay

    def spy(ids, *args, **kwargs):
        calls.append((list(ids), connection.in_atomic_block))
        return real_delay(ids, *args, **kwargs)

    monkeypatch.setattr(tasks.deliver, "delay", spy)
    return calls


def draft_for(applicant, legal_rep, college):
    return factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)


def submit(applicant, legal_rep, college):
    return app_svc.application_submit(actor=applicant, application=draft_for(applicant, legal_rep, college))


def return_items():
    return {
        "outcome": "return",
        "comment": "请补充质量管理制度",
        "correction_items": [{"kind": "attachment", "key": "quality", "label": "质量管理制度"}],
        "correction_deadline": timezone.localdate() + datetime.timedelta(days=30),
    }


def deliveries_by_kind() -> dict[str, set[tuple[str, str]]]:
    """{kind: {(username, channel), ...}} of every delivery in the database."""
    out: dict[str, set[tuple[str, str]]] = {}
    for d in Delivery.objects.select_related("event", "recipient"):
        out.setdefault(d.event.kind, set()).add((d.recipient.username, d.channel))
    return out


def kinds() -> list[str]:
    return sorted(OutboxEvent.objects.values_list("kind", flat=True))
