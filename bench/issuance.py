"""Certificate issuance: N certificates through ``filing.services.issuance.issue`` — one transaction with
the counter row locked ``FOR UPDATE``, gapless numbers, the certificates, the registrations' status, one
audit row per certificate on the HMAC chain, the outbox event — against the floors of writing the same
Certificate rows with a plain ``bulk_create`` and (PostgreSQL only) with a psycopg ``COPY``.

N = 1,000 and 10,000 (and 100,000 with BENCH_LARGE=1). The plans are built in bulk beforehand and are not
timed; the issuing task's enqueue and the PDF rendering after commit are switched off (measured elsewhere)."""

from __future__ import annotations

import datetime
import json
import os
import time

from django.db import connection, transaction

ISSUE = datetime.date(2026, 7, 1)


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _sizes() -> list[int]:
    sizes = [1_000, 10_000]
    if os.environ.get("BENCH_LARGE") == "1":
        sizes.append(100_000)
    return sizes


def _baseline_values(batch) -> list[dict]:
    """The issued rows' field values as a plain insert would get them: another number series (S instead of
    Y) and new tokens, so they sit next to the issued rows without touching the unique constraints."""
    from filing.models import Certificate
    from filing.services.issuance import new_token

    skip = {"id", "created_at"}
    names = [f.attname for f in Certificate._meta.concrete_fields if f.name not in skip]
    rows = []
    for values in Certificate.objects.filter(batch=batch).values(*names).iterator(chunk_size=5000):
        values["number"] = "S" + values["number"][1:]
        values["verification_token"] = new_token()
        values["batch_id"] = None
        rows.append(values)
    return rows


def _drop_baseline_rows() -> None:
    from filing.models import Certificate

    Certificate.objects.filter(number__startswith="S", batch__isnull=True).delete()


def _time_bulk_create(values: list[dict]) -> float:
    from filing.models import Certificate

    started = time.perf_counter()
    with transaction.atomic():
        Certificate.objects.bulk_create([Certificate(**v) for v in values], batch_size=2000)
    elapsed = time.perf_counter() - started
    _drop_baseline_rows()
    return elapsed


def _time_copy(values: list[dict]) -> float:
    from django.utils import timezone

    from filing.models import Certificate

    fields = [f for f in Certificate._meta.concrete_fields if f.name != "id"]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(Certificate._meta.db_table)
    started = time.perf_counter()
    now = timezone.now()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for v in values:
            copy.write_row(
                [
                    now if f.name == "created_at" else f.get_db_prep_save(v[f.attname], connection)
                    for f in fields
                ]
            )
    elapsed = time.perf_counter() - started
    _drop_baseline_rows()
    return elapsed


def _issue(body, n: int, key: str) -> tuple[float, int, object]:
    from filing.models import AuditEvent, Certificate, IssuanceBatch
    from filing.services import issuance as svc
    from notifications.models import OutboxEvent
    from tests import factories

    plan, operator = factories.plan_with_results(body, passed=n, title=f"bench {key}")
    batch = svc.issuance_request(actor=operator, plan=plan, idempotency_key=key, issue_date=ISSUE)
    audit_before = AuditEvent.objects.filter(action="certificate.issue").count()
    outbox_before = OutboxEvent.objects.filter(kind="certificates_issued").count()
    counter = StatementCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        batch = svc.issue(batch.pk)
    elapsed = time.perf_counter() - started
    assert batch.state == IssuanceBatch.State.DONE and batch.issued == n
    assert Certificate.objects.filter(batch=batch).count() == n
    assert AuditEvent.objects.filter(action="certificate.issue").count() - audit_before == n
    assert OutboxEvent.objects.filter(kind="certificates_issued").count() - outbox_before == 1
    return elapsed, counter.count, batch


def run(results_dir) -> dict:
    from filing import jobs
    from tests import factories

    saved = jobs.enqueue
    jobs.enqueue = lambda *args: None  # issue in this process, render no PDF
    try:
        college = factories.organisation(district_code="310115", name="发证基准测试学院")
        with transaction.atomic():
            body = factories.filed_body(college)
        _issue(body, 200, "bench-warm-up")  # imports, caches, the counter row
        runs = []
        for n in _sizes():
            issue_seconds, statements, batch = _issue(body, n, f"bench-{n}")
            values = _baseline_values(batch)
            bulk_seconds = _time_bulk_create(values)
            copy_seconds = _time_copy(values) if connection.vendor == "postgresql" else None
            row = {
                "certificates": n,
                "issue_seconds": round(issue_seconds, 3),
                "issue_us_per_certificate": round(issue_seconds / n * 1e6, 1),
                "issue_sql_statements": statements,
                "bulk_create_us_per_certificate": round(bulk_seconds / n * 1e6, 1),
                "copy_us_per_certificate": round(copy_seconds / n * 1e6, 1) if copy_seconds else None,
                "ratio_issue_vs_bulk_create": round(issue_seconds / bulk_seconds, 1),
                "ratio_issue_vs_copy": round(issue_seconds / copy_seconds, 1) if copy_seconds else None,
                "ratio_bulk_create_vs_copy": round(bulk_seconds / copy_seconds, 1) if copy_seconds else None,
            }
            runs.append(row)
            copy_text = (
                f" | COPY {row['copy_us_per_certificate']} µs/cert | ratio issue/COPY "
                f"{row['ratio_issue_vs_copy']}x, bulk_create/COPY {row['ratio_bulk_create_vs_copy']}x"
                if copy_seconds
                else ""
            )
            print(
                f"issuance [{connection.vendor}] {n} certificates: issuance.issue "
                f"{row['issue_us_per_certificate']} µs/cert ({row['issue_seconds']} s, {statements} SQL; "
                f"numbering + audit chain + outbox, one transaction) | plain bulk_create "
                f"{row['bulk_create_us_per_certificate']} µs/cert | ratio issue/bulk_create "
                f"{row['ratio_issue_vs_bulk_create']}x{copy_text}"
            )
    finally:
        jobs.enqueue = saved
    figures = {"database": connection.vendor, "issue_date": str(ISSUE), "runs": runs}
    (results_dir / f"issuance-{connection.vendor}.json").write_text(json.dumps(figures, indent=2))
    return figures
