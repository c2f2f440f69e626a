"""Domain errors raised by services. Interfaces translate them: ``Denied`` → 403, ``NotFound`` → 404,
``WrongState`` and ``Conflict`` → 409, ``Invalid`` → form errors / 400. A 500 is always a bug."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    http_status = 400

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message)
        self.message = str(message)
        self.details = details


class Invalid(DomainError):
    """Bad input; ``errors`` maps field names to messages."""

    http_status = 400

    def __init__(self, message: str = "", errors: dict[str, list[str]] | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.errors = errors or {}


class _Recorded(DomainError):
    """An error that is also an audit event (a denial), written once after the failed transaction rolled
    back: the interfaces call ``record()`` when they translate the error."""

    def __init__(self, message: str = "", *, actor=None, action: str = "", obj=None, **details: Any) -> None:
        super().__init__(message, **details)
        self.actor = actor
        self.action = action
        self.obj = obj
        self.recorded = False

    def record(self) -> None:
        """Write the denial to the audit log, once. Call outside the transaction that was rolled back."""
        if self.recorded or not self.action:
            return
        from filing.audit import audit_record
        from filing.models import AuditResult

        audit_record(
            actor=self.actor,
            action=self.action,
            obj=self.obj,
            result=AuditResult.DENIED,
            payload={"reason": self.message},
        )
        self.recorded = True


class NotFound(_Recorded):
    """The object does not exist or is outside the actor's scope (the two are indistinguishable to the
    actor). An object that exists outside the scope carries ``action="scope.probe"``: the probe is audited."""

    http_status = 404


class Denied(_Recorded):
    """The actor may not do this. Recorded in the audit log after the failed transaction rolled back."""

    http_status = 403


class WrongState(DomainError):
    """The transition is not allowed from the object's current state."""

    http_status = 409


class Conflict(DomainError):
    """Someone else changed the object first (lost race, stale form)."""

    http_status = 409
