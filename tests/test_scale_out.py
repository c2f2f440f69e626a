"""The scale-out topology on this machine (docs/operations.md): 2 gunicorn instances and 3 Celery workers
sharing PostgreSQL and Redis. Concurrent issuance batches for the same (body, year, level) are issued by the
workers while both instances answer verification; then every certificate is verified on both instances.

Shown: gapless, unique numbers; every certificate verifiable on both instances; no failed request; the rate
limit's counter shared (in Redis, counting the requests of both instances). PostgreSQL and Redis only (a
skip in the SQLite run; a missing Redis fails in CI). Reduced by default (4 batches of 250);
SCALE_OUT_FULL=1 runs the issue's 20 batches of 2,500 (50,000 certificates), or set SCALE_OUT_BATCHES /
SCALE_OUT_BATCH_SIZE.
"""

from __future__ import annotations

import datetime
import http.client
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from filing.models import Certificate, IssuanceBatch
from tests import factories
from tests.conftest import require

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[1]
FULL = os.environ.get("SCALE_OUT_FULL") == "1"
BATCHES = int(os.environ.get("SCALE_OUT_BATCHES", "20" if FULL else "4"))
BATCH_SIZE = int(os.environ.get("SCALE_OUT_BATCH_SIZE", "2500" if FULL else "250"))
TIMEOUT = 1800 if FULL else 240
ISSUE = datetime.date(2026, 7, 1)


def _redis_url() -> str:
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    return base.rsplit("/", 1)[0] + "/12"


def _redis():
    import redis

    client = redis.Redis.from_url(_redis_url(), socket_connect_timeout=2)
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_READ_DOT_ENV": "false",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": _redis_url(),
        "CELERY_SEPARATE_QUEUES": "true",
        "VERIFY_RATE_PER_MINUTE": str(10**7),
        "DB_CONN_MAX_AGE": "60",
        "EMAIL_URL": "dummymail://",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("CELERY_BROKER_URL", "CACHE_URL", "DJANGO_DEBUG"):
        env.pop(name, None)
    return env


def _start(command: list[str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=out, stderr=subprocess.STDOUT)


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _wait_ready(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if _get(port, "/health/live/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"gunicorn on {port} did not answer:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def broker():
    """This process's Celery app sends to the test Redis instead of running tasks eagerly."""
    from config.celery import app

    client = _redis()
    require(client is not None, f"Redis is not reachable at {_redis_url()}")
    client.flushdb()
    amqp = app.amqp
    saved = (app.conf.task_always_eager, app.conf.broker_url, app._pool, amqp._producer_pool)
    app.conf.task_always_eager = False
    app.conf.broker_url = _redis_url()
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


def _verify_all(ports, tokens, failures: list, threads: int = 4) -> int:
    """Every token on every instance; returns the requests sent."""
    work = [(port, token, number) for token, number in tokens for port in ports]
    random.Random(1).shuffle(work)
    sent = [0] * threads

    def client(i: int) -> None:
        for port, token, number in work[i::threads]:
            sent[i] += 1
            try:
                status, body = _get(port, f"/verify/t/{token}/")
            except OSError as exc:
                failures.append(f"{port} {token}: {exc}")
                continue
            if status != 200 or number.encode() not in body:
                failures.append(f"{port} {token}: {status}")

    pool = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(sent)


def test_two_web_instances_and_three_workers_issue_gapless_and_verify_everywhere(
    on_postgres, roles, broker, tmp_path
):
    from filing.services import issuance as svc

    college = factories.organisation(district_code="310115", name="扩展测试学院")
    body = factories.filed_body(college)
    plans = [factories.plan_with_results(body, passed=BATCH_SIZE, title=f"扩展 {i}") for i in range(BATCHES)]

    python = sys.executable
    ports = [_free_port(), _free_port()]
    processes = []
    try:
        for i, port in enumerate(ports):
            log = tmp_path / f"web{i}.log"
            processes.append(
                (
                    _start(
                        [
                            python,
                            "-m",
                            "gunicorn",
                            "config.wsgi:application",
                            "--bind",
                            f"127.0.0.1:{port}",
                            "--workers",
                            "2",
                            "--log-level",
                            "warning",
                            "--error-logfile",
                            "-",
                        ],
                        log,
                    ),
                    log,
                )
            )
        for i in range(3):
            log = tmp_path / f"worker{i}.log"
            # PDFs go to their own queue, which no worker here serves (rendering 50,000 PDFs is not the
            # point); batches, notifications and the default queue are served by all three.
            processes.append(
                (
                    _start(
                        [
                            python,
                            "-m",
                            "celery",
                            "-A",
                            "config",
                            "worker",
                            "--pool=solo",
                            "-n",
                            f"w{i}@%h",
                            "-Q",
                            "celery,batches,notifications",
                            "--without-gossip",
                            "--without-mingle",
                            "-l",
                            "warning",
                        ],
                        log,
                    ),
                    log,
                )
            )
        for (server, log), port in zip(processes[:2], ports, strict=True):
            _wait_ready(server, port, log)

        started = time.monotonic()
        # Each request commits and queues its batch: the three workers take them concurrently.
        batches = [
            svc.issuance_request(actor=operator, plan=plan, idempotency_key=f"scale-{i}", issue_date=ISSUE)
            for i, (plan, operator) in enumerate(plans)
        ]
        # While the workers issue: verification load on both instances of what is already issued.
        failures: list[str] = []
        sent = 0
        deadline = started + TIMEOUT
        while time.monotonic() < deadline:
            for proc, log in processes:
                assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            done = IssuanceBatch.objects.filter(pk__in=[b.pk for b in batches]).exclude(
                state=IssuanceBatch.State.PENDING
            )
            if done.count() == len(batches):
                break
            sample = list(
                Certificate.objects.filter(batch__in=batches)
                .order_by("?")
                .values_list("verification_token", "number")[:20]
            )
            sent += _verify_all(ports, sample, failures)
            time.sleep(0.5)
        states = list(
            IssuanceBatch.objects.filter(pk__in=[b.pk for b in batches]).values_list("state", "error")
        )
        assert all(state == IssuanceBatch.State.DONE for state, _ in states), states
        issued_seconds = time.monotonic() - started

        total = BATCHES * BATCH_SIZE
        certificates = list(Certificate.objects.filter(batch__in=batches).values_list("number", flat=True))
        assert len(certificates) == total
        assert len(set(certificates)) == total  # unique
        serials = sorted(int(number[-6:]) for number in certificates)
        assert serials == list(range(serials[0], serials[0] + total))  # gapless

        tokens = list(
            Certificate.objects.filter(batch__in=batches).values_list("verification_token", "number")
        )
        sent += _verify_all(ports, tokens, failures)
        assert failures == []

        # The rate limit's counter lives in the shared Redis: it counted the requests of both instances.
        counted = sum(int(broker.get(key)) for key in broker.scan_iter(match="*rl:verify:*"))
        assert counted == sent
        print(
            f"scale-out: {total} certificates in {BATCHES} batches issued by 3 workers in "
            f"{issued_seconds:.1f} s; "
            f"{sent} verifications on 2 instances, 0 failures"
        )
    finally:
        for proc, _log in processes:
            proc.terminate()
        for proc, _log in processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        connection.close()
