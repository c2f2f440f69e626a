"""End to end through a real Celery worker: a committed submission is enqueued on Redis after the commit
and a separate worker process (solo pool) delivers it. PostgreSQL only — the worker must see the test
database, and SQLite's test database lives in this process's memory — and Redis required (a failure,
not a skip, in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from filing.services import applications as app_svc
from notifications.models import Delivery, DeliveryState, InboxMessage, OutboxEvent
from tests.conftest import require

from .conftest import draft_for, give_email

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
BROKER_URL = "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def _redis():
    try:
        import redis
    except ImportError:  # pragma: no cover - celery[redis] brings it
        return None
    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        return None
    return client


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        from urllib.parse import quote

        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


@pytest.fixture
def broker():
    """This process's Celery app sends to Redis db 15 instead of running tasks eagerly; restored after."""
    from config.celery import app

    client = _redis()
    require(client is not None, f"Redis is not reachable at {BROKER_URL}")
    client.flushdb()
    amqp = app.amqp
    saved = (app.conf.task_always_eager, app.conf.broker_url, app._pool, amqp._producer_pool)
    app.conf.task_always_eager = False
    app.conf.broker_url = BROKER_URL
    # Connection and producer pools built earlier (eager runs build one for memory://) must not be reused.
    app._pool = amqp._producer_pool = None
    try:
        yield client
    finally:
        for pool in (amqp._producer_pool, app._pool):
            if pool is not None and pool not in saved:
                pool.force_close_all()
        app.conf.task_always_eager, app.conf.broker_url, app._pool, amqp._producer_pool = saved
        client.flushdb()
        client.close()


def _start_worker(log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_URL": "consolemail://",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "info",
    ]
    log = log_path.open("wb")
    try:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def test_a_real_worker_delivers_a_committed_submission(
    on_postgres, broker, applicant, legal_rep, college, district_reviewer, tmp_path
):
    give_email(applicant, legal_rep, district_reviewer)
    draft = draft_for(applicant, legal_rep, college)

    application = app_svc.application_submit(actor=applicant, application=draft)  # commits

    # Enqueued on Redis after the commit, not delivered in this process.
    assert sorted(OutboxEvent.objects.values_list("kind", flat=True)) == ["submitted", "submitted_receipt"]
    deliveries = Delivery.objects.all()
    assert deliveries.count() == 6
    assert set(deliveries.values_list("state", flat=True)) == {DeliveryState.PENDING}
    assert broker.llen("celery") == 2, "expected one deliver task per event on the queue"

    log_path = tmp_path / "worker.log"
    worker = _start_worker(log_path)
    ok = False
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                break  # died: reported below
            states = set(deliveries.values_list("state", flat=True))
            if states == {DeliveryState.SENT} and InboxMessage.objects.count() == 3:
                break
            time.sleep(0.5)
        states = sorted(deliveries.values_list("state", flat=True))
        assert worker.poll() is None, f"the worker exited with {worker.returncode}"
        assert states == [DeliveryState.SENT] * 6, states
        assert sorted(InboxMessage.objects.values_list("recipient__username", flat=True)) == [
            "applicant",
            "district_pd",
            "legalrep",
        ]
        assert all(
            application.number in title for title in InboxMessage.objects.values_list("title", flat=True)
        )
        assert broker.llen("celery") == 0
        ok = True
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        if not ok:
            print(log_path.read_text(errors="replace"))
    # The worker's console e-mail backend wrote each message once.
    log = log_path.read_text(errors="replace")
    for address in ("applicant@example.cn", "legalrep@example.cn", "district_pd@example.cn"):
        assert log.count(f"To: {address}") == 1, address
