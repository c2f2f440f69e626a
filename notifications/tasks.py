"""Celery tasks: deliver after commit, the periodic sweep, reminders."""

from __future__ import annotations

from celery import shared_task

from . import outbox


@shared_task(name="notifications.deliver")
def deliver(delivery_ids: list[int]) -> dict:
    states: dict[str, int] = {}
    for pk in delivery_ids:
        state = outbox.deliver_one(pk)
        if state:
            states[state] = states.get(state, 0) + 1
    return states


@shared_task(name="notifications.sweep")
def sweep() -> dict:
    """Re-dispatch whatever is pending and due (a crash between commit and enqueue loses nothing)."""
    return deliver(outbox.due_deliveries())


@shared_task(name="notifications.remind")
def remind() -> dict:
    from .reminders import send_reminders

    return send_reminders()
