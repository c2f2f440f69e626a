"""Certificate issuance under failure and concurrency, on PostgreSQL (row locks, real transactions, other
processes): a worker killed with SIGKILL in the middle of a 5,000-certificate batch leaves all or nothing
and a retry issues exactly the batch; parallel batches for the same (body, year, level) get gapless,
distinct numbers; a repeated idempotency key — also sent concurrently — creates one batch.

The issuing process is a real subprocess (``python -c``) against the test database, paused at a chosen SQL
statement inside the issuing transaction so that the kill lands mid-way deterministically. The Celery path
(acks_late redelivery of the unacknowledged message to a second worker) runs against Redis db 14."""

from __future__ import annotations

import datetime
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from filing import jobs
from filing.audit import verify_chain
from filing.models import (
    AuditEvent,
    Certificate,
    CertificateCounter,
    IssuanceBatch,
    PlanStatus,
    Registration,
    RegistrationStatus,
)
from filing.services import issuance
from notifications.models import OutboxEvent
from tests import factories
from tests.conftest import require

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ISSUE = datetime.date(2026, 7, 1)
BIG = 5_000
BROKER_URL = "redis://127.0.0.1:6379/14"
TIMEOUT = 120


@pytest.fixture
def body(on_postgres, college, roles):
    with transaction.atomic():  # the body serial is allocated under a row lock
        return factories.filed_body(college)


@pytest.fixture
def enqueued(monkeypatch):
    """No task runs in this process after commit: the issuing task and the PDF rendering are recorded."""
    calls = {"issue": [], "render": []}
    names = {"filing.issue_batch": "issue", "filing.render_batch_pdfs": "render"}
    monkeypatch.setattr(jobs, "enqueue", lambda name, *args: calls[names[name]].append(*args))
    return calls


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        from urllib.parse import quote

        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


def _env(**extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": "consolemail://",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        if name not in extra:
            env.pop(name, None)
    return env


# Installed in the subprocess: after the n-th statement starting with PAUSE_SQL, print PAUSED and sleep inside
# the open issuing transaction until killed. No PDF rendering after commit (5,000 renders: not the point).
HOOK = r"""
import os, sys, time
import django
django.setup()
from django.db import connection
from filing import jobs
from filing.services import issuance
_enqueue = jobs.enqueue
jobs.enqueue = lambda name, *args: None if name == "filing.render_batch_pdfs" else _enqueue(name, *args)
PAUSE_SQL, PAUSE_AT = os.environ.get("PAUSE_SQL", ""), int(os.environ.get("PAUSE_AT", "0"))
seen = 0
def hook(execute, sql, params, many, context):
    global seen
    result = execute(sql, params, many, context)
    if PAUSE_SQL and sql.startswith(PAUSE_SQL):
        seen += 1
        if seen == PAUSE_AT:
            with connection.cursor() as cursor:  # the same session, the same open transaction
                cursor.execute(
                    "SELECT pg_backend_pid(), txid_current_if_assigned(), count(*) FROM filing_certificate"
                )
                pid, txid, rows = cursor.fetchone()
            os.write(1, f"PAUSED {pid} {txid} {rows}\n".encode())  # fd 1: Celery redirects sys.stdout
            time.sleep(600)
    return result
connection.execute_wrappers.append(hook)
"""

ISSUE_SCRIPT = (
    HOOK
    + r"""
batch = issuance.issue(int(sys.argv[1]))
print("DONE", batch.state, batch.issued, flush=True)
"""
)

WORKER_SCRIPT = (
    HOOK
    + r"""
from config.celery import app
app.conf.broker_transport_options = {
    "visibility_timeout": float(os.environ["VISIBILITY_TIMEOUT"]),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
app.worker_main(["worker", "--pool=solo", "--concurrency=1", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "-l", "info"])
"""
)

# (statement, occurrence, certificate rows written by then)
MID_CERTIFICATES = ('INSERT INTO "filing_certificate"', 2, 4_000)  # bulk_create's batch_size is 2,000
BEFORE_COMMIT = ('INSERT INTO "notifications_delivery"', 1, BIG)  # all written, the COMMIT not sent


def _wait_paused(proc: subprocess.Popen, log: Path) -> tuple[int, int, int]:
    """Once the subprocess has paused: its PostgreSQL backend pid, transaction id, and the certificate rows
    its own open transaction sees."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("PAUSED "):
                _, pid, txid, rows = line.split()
                return int(pid), int(txid), int(rows)
        if proc.poll() is not None:
            pytest.fail(f"the issuing process exited ({proc.returncode}):\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"the issuing process never reached the pause:\n{log.read_text(errors='replace')}")


def _kill(proc: subprocess.Popen, backend_pid: int) -> None:
    """SIGKILL while it is still running; then wait until PostgreSQL has ended its session (and so rolled the
    open transaction back and released its locks)."""
    assert proc.poll() is None, "the issuing process had already finished: nothing was killed mid-way"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    deadline = time.monotonic() + 30
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend_pid])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)
    pytest.fail("PostgreSQL kept the killed process's session")


def _serials(numbers) -> list[int]:
    return sorted(int(n[-6:]) for n in numbers)


def _assert_nothing_issued(plan, batch, counter_before):
    assert Certificate.objects.count() == 0
    counter = CertificateCounter.objects.filter(body=plan.body, year=ISSUE.year, level=4).first()
    assert (counter.next_serial if counter else None) == counter_before
    assert Registration.objects.filter(plan=plan, status=RegistrationStatus.PASSED).count() == BIG
    assert not Registration.objects.filter(plan=plan, status=RegistrationStatus.CERTIFIED).exists()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RESULTS_CONFIRMED
    batch.refresh_from_db()
    assert (batch.state, batch.issued) == (IssuanceBatch.State.PENDING, 0)
    assert not AuditEvent.objects.filter(action="certificate.issue").exists()
    assert not OutboxEvent.objects.filter(kind="certificates_issued").exists()
    assert verify_chain() is None


def _assert_exactly_issued(plan, batch):
    batch.refresh_from_db()
    assert (batch.state, batch.issued, batch.total) == (IssuanceBatch.State.DONE, BIG, BIG)
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == BIG and len(set(numbers)) == BIG
    assert _serials(numbers) == list(range(1, BIG + 1))
    assert Certificate.objects.values("registration").distinct().count() == BIG
    assert CertificateCounter.objects.get(body=plan.body, year=ISSUE.year, level=4).next_serial == BIG + 1
    assert Registration.objects.filter(plan=plan, status=RegistrationStatus.CERTIFIED).count() == BIG
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CERTIFICATES_ISSUED
    assert AuditEvent.objects.filter(action="certificate.issue").count() == BIG
    assert OutboxEvent.objects.filter(kind="certificates_issued").count() == 1
    assert verify_chain() is None


@pytest.mark.parametrize(
    "pause", [MID_CERTIFICATES, BEFORE_COMMIT], ids=["mid-certificates", "before-commit"]
)
def test_sigkill_mid_batch_leaves_nothing_and_a_retry_issues_exactly_the_batch(
    body, enqueued, tmp_path, pause
):
    plan, operator = factories.plan_with_results(body, passed=BIG)
    batch = issuance.issuance_request(actor=operator, plan=plan, idempotency_key="kill-9", issue_date=ISSUE)
    assert enqueued["issue"] == [batch.pk]  # committed, and the task not run here
    counter_before = None  # the first batch of (body, 2026, level 4): not even the counter row exists yet

    log = tmp_path / "issue.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", ISSUE_SCRIPT, str(batch.pk)],
            cwd=ROOT,
            env=_env(PAUSE_SQL=pause[0], PAUSE_AT=str(pause[1])),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        backend_pid, txid, written = _wait_paused(proc, log)
        assert txid, "the pause is inside the issuing transaction, after it wrote"
        assert written == pause[2]
        # Mid-way: its rows exist only inside its open transaction; nobody else sees any of them.
        assert Certificate.objects.count() == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", [backend_pid])
            assert cursor.fetchone()[0] == "idle in transaction"
        _kill(proc, backend_pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert "DONE" not in log.read_text(errors="replace")
    _assert_nothing_issued(plan, batch, counter_before)

    # The retry (what the redelivered task does) issues the whole batch from scratch.
    assert issuance.issue(batch.pk).state == IssuanceBatch.State.DONE
    _assert_exactly_issued(plan, batch)
    assert enqueued["render"] == [batch.pk]

    # A third call is a no-op.
    assert issuance.issue(batch.pk).state == IssuanceBatch.State.DONE
    _assert_exactly_issued(plan, batch)
    assert enqueued["render"] == [batch.pk]


# --- the real Celery path: acks_late redelivery to a second worker ------------------------------------------


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


@pytest.fixture
def broker():
    """This process's Celery app sends to Redis db 14 instead of running tasks eagerly; restored after."""
    from config.celery import app

    client = _redis()
    require(client is not None, f"Redis is not reachable at {BROKER_URL}")
    client.flushdb()
    amqp = app.amqp
    saved = (app.conf.task_always_eager, app.conf.broker_url, app._pool, amqp._producer_pool)
    app.conf.task_always_eager = False
    app.conf.broker_url = BROKER_URL
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


def _start_worker(log: Path, **env) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT],
            cwd=ROOT,
            env=_env(CELERY_BROKER_URL=BROKER_URL, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


@pytest.mark.redis
def test_a_killed_celery_worker_redelivers_and_the_batch_is_issued_once(body, broker, tmp_path):
    plan, operator = factories.plan_with_results(body, passed=BIG)
    batch = issuance.issuance_request(
        actor=operator, plan=plan, idempotency_key="celery-kill", issue_date=ISSUE
    )
    assert broker.llen("celery") == 1, "the issuing task is on the queue after the commit"

    first_log, second_log = tmp_path / "worker1.log", tmp_path / "worker2.log"
    first = _start_worker(
        first_log,
        VISIBILITY_TIMEOUT="3600",
        PAUSE_SQL=MID_CERTIFICATES[0],
        PAUSE_AT=str(MID_CERTIFICATES[1]),
    )
    second = None
    try:
        backend_pid, _, written = _wait_paused(first, first_log)
        assert written == MID_CERTIFICATES[2]
        # Received but not acknowledged (acks_late): the message waits in the unacked set, not the queue.
        assert broker.llen("celery") == 0 and broker.hlen("unacked") == 1
        _kill(first, backend_pid)
        _assert_nothing_issued(plan, batch, None)
        assert broker.hlen("unacked") == 1
        time.sleep(1.5)  # older than the second worker's visibility timeout
        second = _start_worker(second_log, VISIBILITY_TIMEOUT="1")
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and second.poll() is None:
            batch.refresh_from_db()
            if batch.state == IssuanceBatch.State.DONE and broker.hlen("unacked") == 0:
                break
            time.sleep(0.5)
        assert second.poll() is None, f"the second worker exited:\n{second_log.read_text(errors='replace')}"
        batch.refresh_from_db()
        assert batch.state == IssuanceBatch.State.DONE, second_log.read_text(errors="replace")
        _assert_exactly_issued(plan, batch)
    finally:
        for worker in (first, second):
            if worker is not None:
                _stop(worker)
    # The second worker ran the very message the first one had received: a redelivery, not a new request.
    received = re.compile(r"Task filing\.issue_batch\[([0-9a-f-]+)\] received")
    first_ids = received.findall(first_log.read_text(errors="replace"))
    second_ids = received.findall(second_log.read_text(errors="replace"))
    assert len(first_ids) == 1 and second_ids == first_ids
    assert broker.llen("celery") == 0 and broker.hlen("unacked") == 0


# --- concurrency --------------------------------------------------------------------------------------------


def _in_threads(n: int, target) -> tuple[list, list[BaseException]]:
    """Run ``target(i)`` in n threads released together, each on its own database connection."""
    from django.db import connections

    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            connections["default"].ensure_connection()
            barrier.wait(timeout=30)
            results[i] = target(i)
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return results, errors


@pytest.mark.parametrize("counter_exists", [False, True], ids=["new-counter", "existing-counter"])
def test_parallel_batches_for_one_series_get_gapless_distinct_numbers(body, enqueued, counter_exists):
    plans, sizes = [], [150 + 17 * i for i in range(10)]  # different sizes: the blocks must still tile
    batches = []
    for i, size in enumerate(sizes):
        plan, operator = factories.plan_with_results(body, passed=size)
        plans.append(plan)
        batches.append(
            issuance.issuance_request(actor=operator, plan=plan, idempotency_key=f"par-{i}", issue_date=ISSUE)
        )
    if counter_exists:
        CertificateCounter.objects.create(body=body, year=ISSUE.year, level=4, next_serial=1)
    total = sum(sizes)

    results, errors = _in_threads(10, lambda i: issuance.issue(batches[i].pk))
    assert not errors, errors
    assert all(b.state == IssuanceBatch.State.DONE for b in results)
    for batch, size in zip(batches, sizes, strict=True):
        batch.refresh_from_db()
        assert (batch.state, batch.issued) == (IssuanceBatch.State.DONE, size)
        # One locked counter per batch: each batch's serials are one contiguous block.
        serials = _serials(Certificate.objects.filter(batch=batch).values_list("number", flat=True))
        assert serials == list(range(serials[0], serials[0] + size))
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == total == len(set(numbers))
    assert _serials(numbers) == list(range(1, total + 1))
    assert CertificateCounter.objects.get(body=body, year=ISSUE.year, level=4).next_serial == total + 1
    assert CertificateCounter.objects.count() == 1
    assert AuditEvent.objects.filter(action="certificate.issue").count() == total
    assert verify_chain() is None  # the audit chain did not fork under concurrent bulk appends
    assert sorted(enqueued["render"]) == sorted(b.pk for b in batches)


def test_a_repeated_idempotency_key_creates_nothing(body, enqueued):
    plan, operator = factories.plan_with_results(body, passed=3)
    batch = issuance.issuance_request(actor=operator, plan=plan, idempotency_key="same", issue_date=ISSUE)
    again = issuance.issuance_request(actor=operator, plan=plan, idempotency_key="same", issue_date=ISSUE)
    assert again.pk == batch.pk and IssuanceBatch.objects.count() == 1
    assert enqueued["issue"] == [batch.pk]  # enqueued once
    issuance.issue(batch.pk)
    after = issuance.issuance_request(actor=operator, plan=plan, idempotency_key="same", issue_date=ISSUE)
    assert after.pk == batch.pk and after.state == IssuanceBatch.State.DONE
    assert IssuanceBatch.objects.count() == 1 and Certificate.objects.count() == 3
    assert enqueued["issue"] == [batch.pk]
    assert AuditEvent.objects.filter(action="certificate.request").count() == 1


def test_the_same_key_sent_concurrently_creates_one_batch(body, enqueued):
    plan, operator = factories.plan_with_results(body, passed=3)

    results, errors = _in_threads(
        5,
        lambda i: issuance.issuance_request(
            actor=operator, plan=plan, idempotency_key="double-click", issue_date=ISSUE
        ),
    )
    assert not errors, errors  # every caller gets the batch, none an error
    assert IssuanceBatch.objects.count() == 1
    assert {b.pk for b in results} == {IssuanceBatch.objects.get().pk}
    assert len(enqueued["issue"]) == 1
    assert AuditEvent.objects.filter(action="certificate.request").count() == 1
