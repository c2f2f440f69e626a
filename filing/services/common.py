"""Helpers shared by services: authorisation that audits its denials, state guards, stale-form checks."""

from __future__ import annotations

from django_fsm import ConcurrentTransition, can_proceed

from filing.errors import Conflict, Denied, WrongState


def deny_unless(condition: bool, *, actor, action: str, obj=None, message: str) -> None:
    if not condition:
        raise Denied(message, actor=actor, action=action, obj=obj)


def require_transition(instance, transition, message: str) -> None:
    """Wrong state → ``WrongState`` (409), checked before any permission so the two stay distinct."""
    if not can_proceed(transition):
        raise WrongState(message, status=getattr(instance, "status", None))


def require_version(instance, version: int | None) -> None:
    """A form posts the version it loaded; if someone saved since, the form is stale."""
    if version is not None and int(version) != instance.version:
        raise Conflict("该申请已被他人修改，请刷新页面后重试。", current_version=instance.version)


def save_transition(instance, update_fields: list[str] | None = None) -> None:
    """Save a transitioned instance; a concurrent transition of the same row becomes ``Conflict`` (409)."""
    try:
        instance.save(update_fields=update_fields)
    except ConcurrentTransition as exc:
        raise Conflict("该事项已被他人处理，请刷新页面。") from exc
