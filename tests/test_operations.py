"""Operations: health and readiness (database, cache, broker, outbox lag, dead letters), who sees their
details, the Prometheus metrics, and the read-replica router (docs/operations.md)."""

from __future__ import annotations

import datetime
import os
import socket

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.routers import ReplicaRouter, replica_reads
from notifications import outbox
from notifications.models import Delivery, DeliveryState, OutboxEvent
from tests import factories
from tests.conftest import require

TOKEN = "ops-token-for-tests-0123456789"  # noqa: S105
TRUSTED = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def _ops_token(settings):
    settings.OPS_TOKEN = TOKEN
    settings.OPS_ALLOWED_NETWORKS = []


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_at(settings, url: str) -> None:
    """The cache and the Celery broker on ``url`` (as REDIS_URL does in production)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = url


def checks(response) -> dict:
    return response.json()


# --- who sees what ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/health/live/", "/health/ready/", "/health/"])
def test_public_gets_the_status_and_nothing_else(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_token_or_an_allowed_network_gets_the_details(client, settings):
    detail = client.get("/health/?format=json", **TRUSTED)
    assert detail.status_code == 200
    assert set(detail.json()) == {
        "Database(alias='default')",
        "Cache(alias='default')",
        "Broker()",
        "OutboxLag()",
        "DeadLetters()",
    }
    assert client.get("/health/?format=json", HTTP_AUTHORIZATION="Bearer wrong").json() == {"status": "ok"}
    settings.OPS_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    assert client.get("/health/?format=json", REMOTE_ADDR="10.1.2.3").json()["Broker()"] == "OK"
    assert client.get("/health/?format=json", REMOTE_ADDR="10.2.2.3").json() == {"status": "ok"}
    # Behind a trusted proxy the address is the one the proxy saw, not what the client wrote.
    settings.TRUSTED_PROXY_COUNT = 1
    spoofed = client.get(
        "/health/?format=json", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3, 8.8.8.8"
    )
    assert spoofed.json() == {"status": "ok"}


@pytest.mark.django_db
def test_metrics_are_for_the_monitoring_only(client, settings):
    assert client.get("/metrics/").status_code == 404
    assert client.get("/metrics/", HTTP_AUTHORIZATION="Bearer nope").status_code == 404
    client.get("/health/live/")
    client.get("/verify/t/not-a-real-token-310101199001011234/")
    body = client.get("/metrics/", **TRUSTED).content.decode()
    assert 'filing_http_requests_total{method="GET",route="health/live/",status="200"}' in body
    assert 'route="verify/t/<str:token>/"' in body  # the pattern, never the token
    assert "310101199001011234" not in body
    for name in (
        "filing_http_request_duration_seconds_bucket",
        "filing_outbox_oldest_due_seconds",
        "filing_issuance_pending_certificates",
    ):
        assert name in body


@pytest.mark.django_db
def test_task_durations_are_measured(client):
    from notifications import tasks

    tasks.sweep.delay()  # eager: the same signals as in a worker
    body = client.get("/metrics/", **TRUSTED).content.decode()
    assert 'filing_task_duration_seconds_count{state="SUCCESS",task="notifications.sweep"}' in body


# --- Redis unreachable, then back ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_unhealthy_when_redis_is_unreachable_and_healthy_after(client, settings):
    redis_at(settings, f"redis://127.0.0.1:{closed_port()}/0")
    for path in ("/health/ready/", "/health/"):
        assert client.get(path).status_code == 503
        assert client.get(path).json() == {"status": "unhealthy"}
    detail = client.get("/health/ready/?format=json", **TRUSTED).json()
    assert detail["Database(alias='default')"] == "OK"
    assert detail["Cache(alias='default')"] != "OK"
    assert detail["Broker()"].startswith("Unavailable")
    assert client.get("/health/live/").status_code == 200  # the process itself is fine

    url = os.environ.get("TEST_REDIS_URL", "")
    require(bool(url), "TEST_REDIS_URL names the Redis server of the tests")
    redis_at(settings, url)
    for path in ("/health/ready/", "/health/"):
        response = client.get(path)
        assert response.status_code == 200, client.get(path + "?format=json", **TRUSTED).json()


# --- the outbox --------------------------------------------------------------------------------------------


def _pending_delivery(minutes_old: int) -> Delivery:
    user = factories.user()
    event = outbox.notify("accepted", [user], {"number": "SF-2026-0001"})
    OutboxEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_old)
    )
    Delivery.objects.filter(event=event).update(state=DeliveryState.PENDING, attempts=0, next_attempt_at=None)
    return Delivery.objects.get(event=event)


@pytest.mark.django_db
def test_unhealthy_while_the_outbox_lags_and_healthy_once_delivered(client, settings):
    settings.HEALTH_OUTBOX_MAX_LAG_SECONDS = 600
    delivery = _pending_delivery(minutes_old=30)
    assert client.get("/health/").status_code == 503
    assert client.get("/health/?format=json", **TRUSTED).json()["OutboxLag()"].startswith("Unavailable")
    assert client.get("/health/ready/").status_code == 200  # the instance still takes traffic
    assert outbox.deliver_many([delivery.pk]) == {DeliveryState.SENT: 1}
    assert client.get("/health/").status_code == 200


@pytest.mark.django_db
def test_a_delivery_waiting_for_its_retry_is_not_lag(client):
    delivery = _pending_delivery(minutes_old=120)
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=2, next_attempt_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert client.get("/health/").status_code == 200
    # Due again and not picked up for longer than the limit: lag.
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert client.get("/health/").status_code == 503


@pytest.mark.django_db
def test_dead_letters_make_it_unhealthy_until_retried(client, settings):
    delivery = _pending_delivery(minutes_old=0)
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.DEAD, attempts=5)
    assert client.get("/health/").status_code == 503
    assert client.get("/health/?format=json", **TRUSTED).json()["DeadLetters()"].startswith("Unavailable")
    settings.HEALTH_DEAD_LETTERS_MAX = 1
    assert client.get("/health/").status_code == 200
    settings.HEALTH_DEAD_LETTERS_MAX = 0
    assert outbox.retry_dead([delivery.pk]) == 1
    outbox.deliver_many([delivery.pk])
    assert client.get("/health/").status_code == 200


# --- the read replica ------------------------------------------------------------------------------------


def test_router_sends_only_marked_reads_outside_transactions_to_the_replica(settings):
    from django.contrib.auth import get_user_model

    from filing.models import Certificate

    router = ReplicaRouter()
    settings.REPLICA_DATABASE = ""
    with replica_reads():
        assert router.db_for_read(Certificate) is None  # off by default
    settings.REPLICA_DATABASE = "replica"
    assert router.db_for_read(Certificate) is None  # an unmarked request
    with replica_reads():
        assert router.db_for_read(Certificate) == "replica"
        assert router.db_for_read(get_user_model()) is None  # users and sessions: the primary
    assert router.db_for_write(Certificate) == "default"
    assert router.allow_migrate("replica", "filing") is False
    assert router.allow_migrate("default", "filing") is True


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_public_verification_reads_the_replica_when_configured(client, settings):
    from django.db import transaction

    from filing.models import Certificate

    settings.REPLICA_DATABASE = "replica"
    with replica_reads(), transaction.atomic():
        assert ReplicaRouter().db_for_read(Certificate) is None  # inside a transaction: the primary
    with CaptureQueriesContext(connections["replica"]) as replica:
        response = client.get("/verify/t/no-such-token-0123456789/")
    assert response.status_code in (200, 404)
    assert any("filing_certificate" in q["sql"] for q in replica.captured_queries)
    settings.REPLICA_DATABASE = ""
    with CaptureQueriesContext(connections["replica"]) as replica:
        client.get("/verify/t/no-such-token-0123456789/")
    assert replica.captured_queries == []
