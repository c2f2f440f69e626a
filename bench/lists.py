"""List pages at 100 and at 10,000 rows: the statements each page runs (the target: the same count) and
the time to answer it (the target: at most 1.2x from 100 to 10,000 rows), in this process through Django's
test client (the same views, middleware and templates as under gunicorn; the median of a few requests).

Pages: applications (an applicant), tasks (a district reviewer's queue), plans and certificates (a body
operator), registrations (a plan's page, the operator). The first 100 applications come through the review
flow's start; the rest are copies of the last one (application, process and its open task) written by one
``INSERT ... SELECT`` each, as are the extra plans. Registrations and certificates come from a plan with
results and a real issuance. Rows are not timed; BENCH_LIST_ROWS changes the large size.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import time

from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client

from bench.review import StatementCounter

SMALL = 100
ISSUE = datetime.date(2026, 7, 1)
REQUESTS = 5


def _large() -> int:
    return int(os.environ.get("BENCH_LIST_ROWS", "10000"))


def _clone(model, template_pk: int, count: int, overrides: dict[str, str]) -> None:
    """``count`` copies of one row, ids following the table's largest, columns from ``overrides`` (SQL over
    ``x``, 1..count, and ``b``, the largest id before) or else the template's."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({pk}) FROM {table}")
        base = cursor.fetchone()[0] or 0
        columns, values = [], []
        for field in model._meta.local_concrete_fields:
            columns.append(connection.ops.quote_name(field.column))
            if field.column == pk and field.column not in overrides:
                values.append(f"{base} + x")
            else:
                expr = overrides.get(field.column, f"t.{connection.ops.quote_name(field.column)}")
                values.append(expr.replace("{b}", str(base)))
        cursor.execute(
            f"WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < {int(count)}) "
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {table} t, cnt "
            f"WHERE t.{pk} = %s",
            [template_pk],
        )
    return base


def _reset_sequences(*models) -> None:
    sql = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)


def _more_applications(template, count: int) -> None:
    """``count`` copies of a submitted application with its review process and open task."""
    from viewflow.workflow.models import Process, Task

    from filing.models import FilingApplication
    from workflows.models import FilingReviewProcess

    process = template.review_process
    task = Task.objects.filter(process=process).order_by("-pk").first()
    with transaction.atomic():
        app_base = _clone(FilingApplication, template.pk, count, {})
        process_base = _clone(Process, process.pk, count, {})
        _clone(
            FilingReviewProcess,
            process.pk,
            count,
            {"process_ptr_id": f"{process_base} + x", "application_id": f"{app_base} + x"},
        )
        _clone(Task, task.pk, count, {"process_id": f"{process_base} + x"})
        _reset_sequences(FilingApplication, Process, Task)


def _more_plans(template, count: int) -> None:
    from filing.models import EvaluationPlan

    with transaction.atomic():
        _clone(EvaluationPlan, template.pk, count, {})
        _reset_sequences(EvaluationPlan)


def _measure(client: Client, path: str) -> tuple[int, float]:
    client.get(path)  # warm-up (templates, the session's activity write)
    counter = StatementCounter()
    with connection.execute_wrapper(counter):
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(REQUESTS):
        t0 = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - t0)
    return counter.count, statistics.median(times)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _world():
    from filing.models import ApplicationStatus, EvaluationPlan, FilingApplication, PlanStatus
    from filing.roles import Role
    from tests import factories
    from workflows.flows import FilingReviewFlow

    college = factories.organisation(district_code="310115", name="列表基准测试学院")
    applicant = factories.user(role=Role.APPLICANT, organisation=college)
    reviewer = factories.user(role=Role.DISTRICT_REVIEWER, district_code="310115")
    with transaction.atomic():
        body = factories.filed_body(college)
    operator = factories.user(role=Role.BODY_OPERATOR, organisation=college)
    last = None
    for _ in range(SMALL):
        with transaction.atomic():
            last = FilingApplication.objects.create(
                organisation=college,
                kind="initial",
                body_category="Y",
                created_by=applicant,
                submitted_by=applicant,
                district=college.district,
                status=ApplicationStatus.SUBMITTED,
            )
            FilingReviewFlow.start.run(application=last)
    EvaluationPlan.objects.bulk_create(
        [
            EvaluationPlan(
                body=body,
                line=body.lines.first(),
                title=f"列表计划{i}",
                expected_headcount=30,
                first_sitting_on=datetime.date(2026, 9, 1),
                created_by=operator,
                status=PlanStatus.DRAFT,
            )
            for i in range(SMALL - 2)
        ]
    )
    return {
        "college": college,
        "applicant": applicant,
        "reviewer": reviewer,
        "body": body,
        "operator": operator,
        "last_application": last,
    }


def _issued_plan(body, n: int, key: str):
    from filing import jobs
    from filing.services import issuance as svc
    from tests import factories

    plan, operator = factories.plan_with_results(body, passed=n, title=f"列表 {key}")
    saved = jobs.enqueue
    jobs.enqueue = lambda *args: None  # no PDFs: the list shows rows, not files
    try:
        batch = svc.issuance_request(
            actor=operator, plan=plan, idempotency_key=f"bench-lists-{key}", issue_date=ISSUE
        )
        svc.issue(batch.pk)
    finally:
        jobs.enqueue = saved
    return plan, operator


def run(results_dir) -> dict:
    from filing.models import EvaluationPlan

    large = _large()
    w = _world()
    small_plan, small_operator = _issued_plan(w["body"], SMALL, "small")
    pages = {
        "applications": (_client(w["applicant"]), "/applications/"),
        "tasks": (_client(w["reviewer"]), "/tasks/"),
        "plans": (_client(small_operator), "/plans/"),
        "certificates": (_client(small_operator), "/certificates/"),
    }
    small = {name: _measure(client, path) for name, (client, path) in pages.items()}
    small["registrations"] = _measure(_client(small_operator), f"/plans/{small_plan.pk}/")

    _more_applications(w["last_application"], large - SMALL)
    _more_plans(EvaluationPlan.objects.filter(body=w["body"]).order_by("-pk").first(), large - SMALL)
    large_plan, large_operator = _issued_plan(w["body"], large, "large")
    big = {name: _measure(client, path) for name, (client, path) in pages.items()}
    big["registrations"] = _measure(_client(large_operator), f"/plans/{large_plan.pk}/")

    rows = {}
    for name in ("applications", "tasks", "plans", "registrations", "certificates"):
        (q_small, t_small), (q_large, t_large) = small[name], big[name]
        rows[name] = {
            "queries_small": q_small,
            "queries_large": q_large,
            "ms_small": round(t_small * 1000, 1),
            "ms_large": round(t_large * 1000, 1),
            "time_ratio": round(t_large / t_small, 2),
        }
    text = "; ".join(
        f"{name} {r['queries_small']}→{r['queries_large']} SQL, {r['ms_small']}→{r['ms_large']} ms "
        f"({r['time_ratio']}x)"
        for name, r in rows.items()
    )
    print(f"lists [{connection.vendor}] {SMALL} → {large:,} rows (target: same SQL, time <= 1.2x): {text}")
    figures = {"database": connection.vendor, "small": SMALL, "large": large, "pages": rows}
    (results_dir / f"lists-{connection.vendor}.json").write_text(json.dumps(figures, indent=2))
    return figures
