"""Public verification under a real WSGI server: requests per second and p50/p99 latency of
``/verify/t/<token>/`` (rate limiter, one indexed lookup, the masked result page) served by gunicorn on
loopback, against two floors of the same server and middleware stack: a bare lookup view
(``/bench/lookup/<token>/``, bench/urls.py: one indexed ``SELECT`` of the same row, the number as plain
text) and a trivial view (``/i18n/en/``, a redirect that touches neither the database nor a template). The
statements of one verification are counted in-process (the target: exactly one). Each phase is bounded in
time (BENCH_SECONDS, default 10).

BENCH_LARGE=1 (PostgreSQL) adds the size run: the certificate table filled to 100,000 and then 1,000,000 rows
(copies of an issued row under other numbers and tokens, written by one ``INSERT ... SELECT``), verification
measured at each size, and the ratio.
With the default DB_CONN_MAX_AGE=0 (a new database connection per request) the verification phase is
repeated on a server with persistent connections (DB_CONN_MAX_AGE=60), to show what that setting costs.

The server uses the benchmark's scratch database; the rate limit is raised out of the way
(VERIFY_RATE_PER_MINUTE) and its counter lives in Redis db 14 when Redis answers (as in production: every
worker shares it), otherwise in each worker's local memory."""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection, transaction

ISSUE = datetime.date(2026, 7, 1)
CERTIFICATES = 500
REDIS_URL = "redis://127.0.0.1:6379/14"
ROOT = Path(__file__).resolve().parent.parent


def _seconds() -> float:
    return float(os.environ.get("BENCH_SECONDS", "10"))


def _tokens() -> list[tuple[str, str]]:
    """(token, number) of a freshly issued batch in the scratch database."""
    from filing import jobs
    from filing.models import Certificate
    from filing.services import issuance as svc
    from tests import factories

    saved = jobs.enqueue
    jobs.enqueue = lambda *args: None  # issue in this process, render no PDF
    try:
        college = factories.organisation(district_code="310115", name="查验基准测试学院")
        with transaction.atomic():
            body = factories.filed_body(college)
        plan, operator = factories.plan_with_results(body, passed=CERTIFICATES, title="bench verification")
        batch = svc.issuance_request(
            actor=operator, plan=plan, idempotency_key="bench-verification", issue_date=ISSUE
        )
        svc.issue(batch.pk)
    finally:
        jobs.enqueue = saved
    return list(Certificate.objects.filter(batch=batch).values_list("verification_token", "number"))


def _redis_answers() -> bool:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        client.close()
        return True
    except Exception:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _start_server(
    port: int, workers: int, log: Path, redis_cache: bool, conn_max_age: int
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        "VERIFY_RATE_PER_MINUTE": str(10**9),
        "DB_CONN_MAX_AGE": str(conn_max_age),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL"):
        env.pop(name, None)
    if redis_cache:
        env["REDIS_URL"] = REDIS_URL  # the cache (and an unused broker): Django's RedisCache
    # The interpreter running the benchmark, so the server has this checkout's packages (a copied venv's
    # console scripts may point at another interpreter).
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
        "--error-logfile",
        "-",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_ready(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log.read_text(errors='replace')}")
        try:
            if _get(port, "/i18n/en/?next=/")[0] == 302:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer:\n{log.read_text(errors='replace')}")


def _load(port: int, paths, expected: int, threads: int, seconds: float) -> dict:
    """``threads`` clients in a closed loop for ``seconds``: each request on a new connection."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures = [0] * threads
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        rng = random.Random(i)
        while time.monotonic() < stop:
            path, marker = paths(rng)
            t0 = time.perf_counter()
            try:
                status, body = _get(port, path)
            except OSError:
                failures[i] += 1
                continue
            latencies[i].append(time.perf_counter() - t0)
            if status != expected or (marker and marker not in body):
                failures[i] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    all_latencies = sorted(x for per in latencies for x in per)
    n = len(all_latencies)
    return {
        "requests": n,
        "failures": sum(failures),
        "seconds": round(elapsed, 2),
        "requests_per_second": round(n / elapsed, 1),
        "p50_ms": round(statistics.median(all_latencies) * 1000, 1) if n else None,
        "p99_ms": round(all_latencies[min(n - 1, int(n * 0.99))] * 1000, 1) if n else None,
    }


def _verify_path(tokens):
    def path(rng):
        token, number = rng.choice(tokens)
        return f"/verify/t/{token}/", number.encode()  # the answer names the certificate

    return path


def _trivial_path(rng):
    return "/i18n/en/?next=/", None


def _bare_path(tokens):
    def path(rng):
        token, number = rng.choice(tokens)
        return f"/bench/lookup/{token}/", number.encode()

    return path


def _statements_per_verification(tokens) -> int:
    """SQL statements of one ``/verify/t/<token>/`` answered in this process (same view, same middleware)."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get(f"/verify/t/{tokens[1][0]}/")  # warm-up: content types, first-use caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/verify/t/{tokens[2][0]}/")
    assert response.status_code == 200, response.status_code
    return len(queries.captured_queries)


def _fill(total: int) -> int:
    """Copies of an issued certificate row until the table holds ``total`` rows (PostgreSQL)."""
    from filing.models import Certificate

    have = Certificate.objects.count()
    if have >= total:
        return have
    template = Certificate.objects.filter(batch__isnull=False).order_by("pk").first()
    columns, values = [], []
    for field in Certificate._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.name == "number":
            values.append("'F' || lpad(g::text, 21, '0')")
        elif field.name == "verification_token":
            values.append("'f' || md5(g::text) || substr(md5((g + 7)::text), 1, 31)")
        elif field.name in ("batch", "corrects", "report", "revoked_by"):
            values.append("NULL")
        else:
            values.append(f't."{field.column}"')
    table = Certificate._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {table} t, generate_series(%s, %s) g WHERE t.id = %s",
            [have + 1, total, template.pk],
        )
        cursor.execute(f"ANALYZE {table}")
    return Certificate.objects.count()


def _measure(results_dir, tokens, *, conn_max_age: int, trivial: bool, **shape) -> dict:
    """One gunicorn server; the verification phase, then (``trivial``) the trivial view's."""
    port = _free_port()
    log = results_dir / "verification-gunicorn.log"
    server = _start_server(port, shape["workers"], log, shape["redis_cache"], conn_max_age)
    threads, seconds = shape["threads"], shape["seconds"]
    out = {}
    try:
        _wait_ready(server, port, log)
        status, body = _get(port, f"/verify/t/{tokens[0][0]}/")
        assert status == 200 and tokens[0][1].encode() in body, (status, body[:500])
        _load(port, _verify_path(tokens), 200, threads, 1.0)  # warm-up: imports, connections, templates
        out["verify"] = _load(port, _verify_path(tokens), 200, threads, seconds)
        if trivial:
            _load(port, _bare_path(tokens), 200, threads, 1.0)
            out["bare"] = _load(port, _bare_path(tokens), 200, threads, seconds)
            _load(port, _trivial_path, 302, threads, 1.0)
            out["trivial"] = _load(port, _trivial_path, 302, threads, seconds)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    return out


def _large(results_dir, tokens, conn_max_age: int, shape: dict) -> dict | None:
    """Verification with 100,000 and with 1,000,000 certificates in the table (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        print("verification: BENCH_LARGE size run skipped (PostgreSQL only)")
        return None
    out = {}
    for key, total in (("small", 100_000), ("large", 1_000_000)):
        t0 = time.perf_counter()
        rows = _fill(total)
        print(f"verification: {rows:,} certificates in the table ({time.perf_counter() - t0:.0f} s to fill)")
        connection.close()
        out[f"rows_{key}"] = rows
        out[key] = _measure(results_dir, tokens, conn_max_age=conn_max_age, trivial=False, **shape)["verify"]
    # Per-request time at equal concurrency: the inverse ratio of the throughputs.
    out["time_ratio"] = round(out["small"]["requests_per_second"] / out["large"]["requests_per_second"], 2)
    return out


def _text(r: dict) -> str:
    return (
        f"{r['requests_per_second']} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
        f"{r['failures']} failures"
    )


def run(results_dir) -> dict:
    from django.conf import settings

    tokens = _tokens()
    statements = _statements_per_verification(tokens)
    connection.close()  # the server's workers are the database's clients now
    shape = {
        "workers": max(2, os.cpu_count() or 2),
        "redis_cache": _redis_answers(),
        "seconds": _seconds(),
    }
    shape["threads"] = 2 * shape["workers"]
    configured_age = settings.DATABASES["default"]["CONN_MAX_AGE"] or 0
    main = _measure(results_dir, tokens, conn_max_age=configured_age, trivial=True, **shape)
    verify, trivial, bare = main["verify"], main["trivial"], main["bare"]
    persistent = None
    if not configured_age:  # the default closes the connection after every request: what does that cost?
        persistent = _measure(results_dir, tokens, conn_max_age=60, trivial=False, **shape)["verify"]
    figures = {
        "database": connection.vendor,
        "server": f"gunicorn {shape['workers']} sync workers, 127.0.0.1",
        "client_threads": shape["threads"],
        "seconds_per_phase": shape["seconds"],
        "rate_limit_cache": "redis" if shape["redis_cache"] else "local memory per worker",
        "db_conn_max_age": configured_age,
        "verify_token": verify,
        "statements_per_verification": statements,
        "bare_lookup_view": bare,
        "throughput_ratio_verify_vs_bare": round(
            verify["requests_per_second"] / bare["requests_per_second"], 2
        ),
        "trivial_view": trivial,
        "verify_token_persistent_connections": persistent,
        "throughput_ratio_trivial_vs_verify": round(
            trivial["requests_per_second"] / verify["requests_per_second"], 1
        ),
        "p50_ratio_verify_vs_trivial": round(verify["p50_ms"] / trivial["p50_ms"], 1),
    }
    persistent_text = (
        f" | verify with DB_CONN_MAX_AGE=60: {_text(persistent)}, "
        f"{round(persistent['requests_per_second'] / verify['requests_per_second'], 1)}x the throughput"
        if persistent
        else ""
    )
    large = (
        _large(results_dir, tokens, configured_age, shape) if os.environ.get("BENCH_LARGE") == "1" else None
    )
    figures["large"] = large
    large_text = ""
    if large:
        large_text = (
            f" | size run: {large['rows_small']:,} certificates "
            f"{large['small']['requests_per_second']} req/s, "
            f"{large['rows_large']:,}: {large['large']['requests_per_second']} req/s, time per request "
            f"{large['time_ratio']}x (target <= 1.1)"
        )
    print(
        f"verification [{connection.vendor}] gunicorn {shape['workers']} workers, "
        f"{shape['threads']} clients, {shape['seconds']:g} s each, "
        f"limit counter in {figures['rate_limit_cache']}, DB_CONN_MAX_AGE={configured_age}: "
        f"/verify/t/<token>/ {_text(verify)}, {statements} SQL statement(s) | "
        f"bare lookup view {_text(bare)} | "
        f"verify/bare {figures['throughput_ratio_verify_vs_bare']}x (target >= 0.8) | trivial view "
        f"{_text(trivial)} | ratio throughput {figures['throughput_ratio_trivial_vs_verify']}x, "
        f"p50 {figures['p50_ratio_verify_vs_trivial']}x{persistent_text}{large_text}"
    )
    (results_dir / f"verification-{connection.vendor}.json").write_text(json.dumps(figures, indent=2))
    return figures
