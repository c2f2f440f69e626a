"""Writing and verifying the audit chain (see :mod:`filing.models.audit`)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from filing.models import AuditChainHead, AuditEvent, AuditResult
from filing.validators import ID_LIKE, mask_document_number, scrub_identifiers

# Payload keys whose values are always masked whatever they look like.
SENSITIVE_KEYS = frozenset({"id_number", "document_number", "password", "token"})
# Secrets are replaced outright: the document-number mask would keep up to 8 of their characters.
SECRET_KEYS = frozenset({"password", "token"})
SECRET_MASK = "********"  # noqa: S105 - a placeholder, not a password


def mask_payload(value: Any, key: str = "") -> Any:
    """Return a copy of ``value`` with identifiers masked (PIPL: never keep ID numbers in logs)."""
    if isinstance(value, dict):
        return {str(k): mask_payload(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_payload(v, key) for v in value]
    if key in SECRET_KEYS and value not in (None, ""):
        return SECRET_MASK
    if key in SENSITIVE_KEYS and value not in (None, ""):
        return mask_document_number(str(value))
    if isinstance(value, str):
        return scrub_identifiers(value)
    if isinstance(value, int) and not isinstance(value, bool) and ID_LIKE.fullmatch(str(value)):
        return mask_document_number(str(value))  # an ID number that a spreadsheet turned into an integer
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub_identifiers(str(value))


def _mac(fields: dict[str, Any]) -> str:
    message = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(settings.AUDIT_HMAC_KEY.encode(), message, hashlib.sha256).hexdigest()


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "created_at": event.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "result": event.result,
        "payload": event.payload,
        "prev_mac": event.prev_mac,
    }


def compute_mac(event: AuditEvent) -> str:
    return _mac(_content(event))


@dataclass(frozen=True)
class AuditEntry:
    """One event to append; ``obj`` may be any model instance (its label and pk are stored)."""

    action: str
    actor: Any = None
    obj: Any = None
    object_type: str = ""
    object_id: str = ""
    result: str = AuditResult.OK
    payload: dict | None = None
    role: str = ""


def _build(entry: AuditEntry, now) -> AuditEvent:
    object_type, object_id = entry.object_type, entry.object_id
    if entry.obj is not None:
        object_type = object_type or entry.obj._meta.label_lower
        object_id = object_id or str(entry.obj.pk)
    actor = entry.actor if getattr(entry.actor, "is_authenticated", False) else None
    return AuditEvent(
        created_at=now,
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        role=entry.role,
        action=entry.action,
        object_type=object_type,
        object_id=object_id,
        result=entry.result,
        payload=mask_payload(entry.payload or {}),
    )


def audit_record_many(entries: Iterable[AuditEntry]) -> list[AuditEvent]:
    """Append several events in one statement (bulk issuance). Takes the chain head's row lock, which the
    caller's transaction holds until it commits, so chains never fork."""
    entries = list(entries)
    if not entries:
        return []
    # No savepoint inside a caller's transaction: an audit row that cannot be written must doom the whole
    # business change with it (denials are recorded after the rollback, in a transaction of their own).
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        now = timezone.now()
        events = []
        prev_mac, seq = head.last_mac, head.last_seq
        for entry in entries:
            event = _build(entry, now)
            seq += 1
            event.seq, event.prev_mac = seq, prev_mac
            event.mac = compute_mac(event)
            prev_mac = event.mac
            events.append(event)
        AuditEvent.objects.bulk_create(events, batch_size=2000)
        head.last_seq, head.last_mac = seq, prev_mac
        head.save(update_fields=["last_seq", "last_mac"])
    return events


def audit_record(
    *,
    action: str,
    actor: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    result: str = AuditResult.OK,
    payload: dict | None = None,
    role: str = "",
) -> AuditEvent:
    """Append one event. Every service calls this for every state change and every denial."""
    return audit_record_many([AuditEntry(action, actor, obj, object_type, object_id, result, payload, role)])[
        0
    ]


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    event_id: int | None
    kind: str  # edited | missing | inserted | reordered | truncated
    detail: str

    def __str__(self) -> str:
        return f"seq={self.seq} id={self.event_id}: {self.kind}: {self.detail}"


def verify_chain(*, chunk_size: int = 5000) -> ChainProblem | None:
    """Walk the chain in ``seq`` order and return the first problem, or None when it is intact."""
    expected_seq, prev_mac = 1, ""
    last_seq = 0
    events: Iterator[AuditEvent] = AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size)
    for event in events:
        if event.seq > expected_seq:
            return ChainProblem(
                expected_seq, None, "missing", f"events {expected_seq}..{event.seq - 1} are missing"
            )
        if event.seq < expected_seq:  # cannot happen with the unique constraint, but a restore might drop it
            return ChainProblem(event.seq, event.id, "inserted", "duplicate sequence number")
        if event.prev_mac != prev_mac:
            kind = "reordered" if compute_mac(event) == event.mac else "inserted"
            return ChainProblem(event.seq, event.id, kind, "does not follow the previous event")
        if not hmac.compare_digest(compute_mac(event), event.mac):
            return ChainProblem(event.seq, event.id, "edited", "content does not match its MAC")
        prev_mac, last_seq = event.mac, event.seq
        expected_seq += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq != last_seq or head.last_mac != prev_mac):
        return ChainProblem(last_seq + 1, None, "truncated", f"chain head expects {head.last_seq} events")
    return None
