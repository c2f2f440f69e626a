"""Reads of public verification and statistics from a read replica (off unless ``DATABASE_REPLICA_URL``).

``REPLICA_DATABASE`` names the replica's alias ("replica" when ``DATABASE_REPLICA_URL`` is set, else empty:
off). The replica serves only what may be a little behind the primary: the requests whose view is named in
``REPLICA_VIEW_NAMES`` (public verification, the statistics) are marked (``ReplicaRoutingMiddleware``), and
during such a request the router sends reads of the models of ``REPLICA_APPS`` to the replica. Everything
else reads the primary, and so does every read inside a transaction (a service that locks, counts or checks
before it writes sees the primary's rows) and every write. Sessions, users and the login lockout are not in
``REPLICA_APPS``: a user who has just logged in is never logged out by replication lag.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

_reading = contextvars.ContextVar("reading_from_replica", default=False)


@contextlib.contextmanager
def replica_reads():
    """Reads in this block (outside transactions, of ``REPLICA_APPS``) go to the replica when there is one."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        replica = settings.REPLICA_DATABASE
        if not replica or not _reading.get():
            return None
        if model._meta.app_label not in settings.REPLICA_APPS:
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return replica

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica gets its schema by replication


class ReplicaRoutingMiddleware:
    """Runs the requests of ``REPLICA_VIEW_NAMES`` under ``replica_reads`` (nothing without a replica)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REPLICA_DATABASE and _view_name(request) in settings.REPLICA_VIEW_NAMES:
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)


def _view_name(request) -> str | None:
    from django.urls import Resolver404, get_resolver

    try:
        return get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info).view_name
    except Resolver404:
        return None
