"""Liveness, readiness and health endpoints (django-health-check), and who may read their details.

- ``/health/live/``: the process answers (no dependency touched): for a supervisor's restart decision.
- ``/health/ready/``: database (and the read replica when configured), cache, broker: for the proxy's
  decision to send traffic to this instance.
- ``/health/``: readiness plus the outbox (oldest due delivery, dead letters): for monitoring and alerts.

Everyone gets the status code (200 healthy, 503 unhealthy) and ``{"status": ...}``; the per-check details
(which service failed, how old the outbox is) only a trusted caller: a client address in
``OPS_ALLOWED_NETWORKS`` (as ``filing.ratelimit.client_ip`` sees it behind the trusted proxies) or a request
with ``Authorization: Bearer <OPS_TOKEN>``. The metrics (``config.metrics``) use the same rule.
"""

from __future__ import annotations

import dataclasses
import datetime
import hmac
import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from filing.ratelimit import client_ip


def trusted(request) -> bool:
    """True for the monitoring system: an allowed network or the operations token."""
    token = getattr(settings, "OPS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    networks = getattr(settings, "OPS_ALLOWED_NETWORKS", [])
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (tasks can be queued). Skipped when tasks run in-process."""

    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=2), repr=False)

    def run(self):
        from celery import current_app as app

        if settings.CELERY_TASK_ALWAYS_EAGER:
            return  # the embedded set-up: no broker to reach
        try:
            with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
                conn.ensure_connection(max_retries=1, timeout=self.timeout.total_seconds())
        except Exception as exc:  # kombu raises OperationalError, redis its own, sockets OSError
            raise ServiceUnavailable(type(exc).__name__) from exc


def readiness_checks() -> list:
    aliases = ["default", *([settings.REPLICA_DATABASE] if settings.REPLICA_DATABASE else [])]
    checks: list = [("health_check.checks.Database", {"alias": alias}) for alias in aliases]
    checks += ["health_check.checks.Cache", "config.health.Broker"]
    return checks


@login_not_required
@never_cache
def live(request):
    return JsonResponse({"status": "ok"})


@method_decorator(login_not_required, name="dispatch")
class ReadinessView(HealthCheckView):
    """The checks of django-health-check, answered 503 when one fails, in detail only to a trusted caller."""

    def get_checks(self):
        self.checks = self.all_checks()
        return super().get_checks()

    def all_checks(self) -> list:
        return readiness_checks()

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        healthy = not any(result.error for result in self.results)
        if not trusted(request):
            response = JsonResponse(
                {"status": "ok" if healthy else "unhealthy"}, status=200 if healthy else 503
            )
        elif response.status_code == 500:
            response.status_code = 503
        add_never_cache_headers(response)
        return response


class HealthView(ReadinessView):
    def all_checks(self) -> list:
        return [*readiness_checks(), "notifications.health.OutboxLag", "notifications.health.DeadLetters"]
