"""Prometheus metrics (prometheus-client, Apache-2.0): requests, task durations, outbox lag, batch progress.

- Requests: ``filing_http_requests_total{method,route,status}`` and
  ``filing_http_request_duration_seconds{method,route}``; ``route`` is the URL pattern
  (``verify/t/<str:token>/``), never the path, so no token, number or identifier reaches a label.
- Tasks: ``filing_task_duration_seconds{task,state}`` (Celery's task_prerun / task_postrun signals, in the
  worker that ran the task).
- Read from the database at scrape time (so every instance reports the same figures):
  ``filing_outbox_oldest_due_seconds``, ``filing_outbox_deliveries{state}``,
  ``filing_issuance_batches{state}``, ``filing_issuance_pending_certificates{part}`` (total and issued of
  the batches still running: their progress).

Several processes (gunicorn workers, Celery workers on the same host): set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty directory shared by them (prometheus-client's multiprocess mode; ``config/gunicorn.py`` cleans up after
a dead worker). ``/metrics/`` answers only a trusted caller (``config.health.trusted``); others get 404.
"""

from __future__ import annotations

import os
import time

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REQUESTS = Counter("filing_http_requests", "HTTP requests answered", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "filing_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TASK_SECONDS = Histogram(
    "filing_task_duration_seconds",
    "Time a Celery task ran",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800),
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class MetricsMiddleware:
    """Outermost middleware: counts and times every answered request by its URL pattern."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None and match.route else "<unmatched>"
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(method, route).observe(time.perf_counter() - started)
        REQUESTS.labels(method, route, str(response.status_code)).inc()
        return response


_task_started: dict[str, float] = {}


def task_started(task_id=None, **kwargs):
    if task_id:
        _task_started[task_id] = time.perf_counter()


def task_finished(task_id=None, task=None, state=None, **kwargs):
    started = _task_started.pop(task_id, None)
    if started is not None and task is not None:
        TASK_SECONDS.labels(task.name, state or "UNKNOWN").observe(time.perf_counter() - started)


class DatabaseCollector:
    """Figures every instance reads alike from the database, at scrape time (a few aggregate queries)."""

    def collect(self):
        from django.db.models import Count, Sum

        from filing.models import IssuanceBatch
        from notifications.health import oldest_due_age
        from notifications.models import Delivery

        yield GaugeMetricFamily(
            "filing_outbox_oldest_due_seconds",
            "Seconds the oldest due notification delivery has waited",
            value=oldest_due_age(),
        )
        deliveries = GaugeMetricFamily(
            "filing_outbox_deliveries", "Notification deliveries", labels=["state"]
        )
        for row in Delivery.objects.values("state").annotate(n=Count("pk")).order_by():
            deliveries.add_metric([row["state"]], row["n"])
        yield deliveries
        batches = GaugeMetricFamily("filing_issuance_batches", "Issuance batches", labels=["state"])
        for row in IssuanceBatch.objects.values("state").annotate(n=Count("pk")).order_by():
            batches.add_metric([row["state"]], row["n"])
        yield batches
        running = IssuanceBatch.objects.filter(state=IssuanceBatch.State.PENDING).aggregate(
            total=Sum("total"), issued=Sum("issued")
        )
        pending = GaugeMetricFamily(
            "filing_issuance_pending_certificates",
            "Certificates of the running batches: their total and how many are issued",
            labels=["part"],
        )
        pending.add_metric(["total"], running["total"] or 0)
        pending.add_metric(["issued"], running["issued"] or 0)
        yield pending


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        process_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    database_registry = CollectorRegistry()
    database_registry.register(DatabaseCollector())
    return generate_latest(process_registry) + generate_latest(database_registry)


@login_not_required
@never_cache
def metrics(request):
    from config.health import trusted

    if not trusted(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
