"""Celery tasks of the notifications: deliver after commit, and the periodic sweep (each a one-line call)."""

from __future__ import annotations

from celery import shared_task

from . import complaints, holders, outbox


@shared_task(name="notifications.deliver")
def deliver(delivery_ids: list[int]) -> dict:
    return outbox.deliver_many(delivery_ids)


@shared_task(name="notifications.sweep")
def sweep() -> dict:
    """Re-dispatch whatever is pending and due (a crash between commit and enqueue loses nothing)."""
    return outbox.deliver_many(outbox.due_deliveries())


@shared_task(
    name="notifications.holder_decision",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=6 * 3600,
    max_retries=8,
)
def holder_decision(request_id: int) -> str:
    """Tell the holder how their correction request was decided (retried while the mail or SMS gateway
    fails)."""
    return holders.send_decision(request_id)


@shared_task(
    name="notifications.complaint_message",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=6 * 3600,
    max_retries=8,
)
def complaint_message(complaint_id: int) -> str:
    """Tell the complainant their complaint's number, then its outcome (retried while the gateway fails)."""
    return complaints.send_message(complaint_id)
