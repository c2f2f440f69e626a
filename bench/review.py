"""Review throughput: full filing reviews (submission → filed, through the same services and viewflow
tasks the pages use) per second and SQL statements per review, against two floors measured in the same run:

- the same number of plain django-fsm transitions with a log row each ("a state machine plus an audit
  trail");
- a bare viewflow flow of the same shape (``bench/flows.py``: 11 steps, the same lock, no domain work): SQL
  and steps per second per human step, the figure the review step is held to.

Notification delivery is left to the worker, as in production: the deliveries the reviews queue are collected
instead of delivered in-process, then delivered after the measurement and counted on their own line."""

from __future__ import annotations

import json
import statistics
import time

from django.db import connection, models, transaction
from django_fsm import FSMField, transition


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class BaselineDoc(models.Model):
    status = FSMField(default="draft", protected=True)

    class Meta:
        app_label = "bench_baseline"

    @transition(field=status, source="*", target="next")
    def step(self):
        pass


class BaselineLog(models.Model):
    doc = models.ForeignKey(BaselineDoc, on_delete=models.CASCADE)
    action = models.CharField(max_length=40)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "bench_baseline"


TRANSITIONS_PER_REVIEW = 7  # submit, accept, district pass, municipal pass, experts done, decide, file


def _baseline(n: int) -> tuple[float, float]:
    with connection.schema_editor() as editor:
        editor.create_model(BaselineDoc)
        editor.create_model(BaselineLog)
    counter = StatementCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        for _ in range(n):
            doc = BaselineDoc.objects.create()
            for i in range(TRANSITIONS_PER_REVIEW):
                with transaction.atomic():
                    doc.step()
                    doc.save()
                    BaselineLog.objects.create(doc=doc, action=f"step{i}")
    return time.perf_counter() - started, counter.count / n


STEPS_PER_REVIEW = (
    11  # submission + 7 human steps + 3 expert scoring tasks (as the table of issue #19 counts)
)


def _bare_viewflow(n: int, user) -> dict:
    """``n`` processes of the bare flow, every human task claimed and completed in one activation (as
    ``workflows.services.task_complete`` does); the start counts as a step."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from bench.flows import HUMAN_STEPS, BareReviewFlow

    def one() -> None:
        with transaction.atomic():
            process = BareReviewFlow.start.run()
        for _ in range(HUMAN_STEPS):
            task = Task.objects.filter(process=process, status=STATUS.NEW).order_by("pk").first()
            with task.activation() as activation:
                activation.assign(user)
                activation.start(None)
                activation.execute()
        assert Task.objects.filter(process=process, status=STATUS.NEW).count() == 0

    one()  # warm-up
    counter = StatementCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        for _ in range(n):
            one()
    seconds = time.perf_counter() - started
    steps = n * (HUMAN_STEPS + 1)
    return {"steps_per_second": round(steps / seconds, 1), "sql_per_step": round(counter.count / steps, 1)}


class DeferredDeliveries:
    """Collects the notification deliveries queued meanwhile instead of delivering them in-process."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def __enter__(self):
        from filing import jobs

        self._jobs, self._real = jobs, jobs.enqueue

        def enqueue(task_name, *args):
            if task_name == "notifications.deliver":
                self.ids.extend(args[0])
            else:
                self._real(task_name, *args)

        jobs.enqueue = enqueue
        return self

    def __exit__(self, *exc):
        self._jobs.enqueue = self._real


def _people():
    from filing.roles import Role
    from tests import factories

    college = factories.organisation(district_code="310115")
    return {
        "college": college,
        "applicant": factories.user(role=Role.APPLICANT, organisation=college),
        "legal_rep": factories.user(role=Role.LEGAL_REPRESENTATIVE, organisation=college),
        "d1": factories.user(role=Role.DISTRICT_REVIEWER, district_code="310115"),
        "d2": factories.user(role=Role.DISTRICT_REVIEWER, district_code="310115"),
        "m1": factories.user(role=Role.MUNICIPAL_REVIEWER),
        "m2": factories.user(role=Role.MUNICIPAL_REVIEWER),
        "experts": [factories.user(role=Role.EXPERT) for _ in range(3)],
    }


def _one_review(p, draft) -> None:
    from workflows import scenarios

    people = scenarios.Reviewers(p["d1"], p["d2"], p["m1"], p["m2"], experts=p["experts"], score=80)
    scenarios.submit(p["applicant"], draft)
    scenarios.review_to_filed(draft, people)


def run(n: int, results_dir) -> dict:
    from filing.models import ApplicationStatus, FilingApplication
    from tests import factories

    p = _people()
    drafts = [
        factories.complete_draft(
            applicant=p["applicant"], legal_rep=p["legal_rep"], organisation=p["college"]
        )
        for _ in range(n)
    ]
    # Warm-up (imports, caches) outside the measurement.
    warm = factories.complete_draft(
        applicant=p["applicant"], legal_rep=p["legal_rep"], organisation=p["college"]
    )
    _one_review(p, warm)

    counter = StatementCounter()
    durations = []
    with DeferredDeliveries() as deferred, connection.execute_wrapper(counter):
        for draft in drafts:
            t0 = time.perf_counter()
            _one_review(p, draft)
            durations.append(time.perf_counter() - t0)
    from notifications import outbox

    delivery_counter = StatementCounter()
    t0 = time.perf_counter()
    with connection.execute_wrapper(delivery_counter):
        outbox.deliver_many(deferred.ids)
    delivery_seconds = time.perf_counter() - t0
    filed = FilingApplication.objects.filter(
        pk__in=[d.pk for d in drafts], status=ApplicationStatus.FILED
    ).count()
    assert filed == n, f"only {filed} of {n} reviews reached FILED"
    review_seconds = sum(durations)
    review_statements = counter.count / n

    base_seconds, base_statements = _baseline(n)
    bare = _bare_viewflow(n, p["m1"])
    steps_per_second = n * STEPS_PER_REVIEW / review_seconds
    sql_per_step = review_statements / STEPS_PER_REVIEW
    figures = {
        "database": connection.vendor,
        "reviews": n,
        "reviews_per_second": round(n / review_seconds, 2),
        "ms_per_review_p50": round(statistics.median(durations) * 1000, 1),
        "sql_per_review": round(review_statements, 1),
        "baseline_reviews_per_second": round(n / base_seconds, 2),
        "baseline_sql_per_review": round(base_statements, 1),
        "time_ratio_vs_baseline": round(review_seconds / base_seconds, 1),
        "sql_ratio_vs_baseline": round(review_statements / base_statements, 1),
        "steps_per_review": STEPS_PER_REVIEW,
        "steps_per_second": round(steps_per_second, 1),
        "sql_per_step": round(sql_per_step, 1),
        "bare_viewflow_steps_per_second": bare["steps_per_second"],
        "bare_viewflow_sql_per_step": bare["sql_per_step"],
        "steps_per_second_ratio_vs_bare_viewflow": round(steps_per_second / bare["steps_per_second"], 2),
        "sql_per_step_ratio_vs_bare_viewflow": round(sql_per_step / bare["sql_per_step"], 1),
        "deliveries_after": len(deferred.ids),
        "delivery_sql_per_review": round(delivery_counter.count / n, 1),
        "delivery_ms_per_review": round(delivery_seconds * 1000 / n, 1),
    }
    print(
        f"review [{figures['database']}] {n} full reviews (submit→filed, 7 human steps + 3 expert tasks): "
        f"{figures['reviews_per_second']}/s, {figures['sql_per_review']} SQL/review | baseline "
        f"(7 django-fsm transitions + log row): {figures['baseline_reviews_per_second']}/s, "
        f"{figures['baseline_sql_per_review']} SQL | ratio time {figures['time_ratio_vs_baseline']}x, "
        f"SQL {figures['sql_ratio_vs_baseline']}x"
    )
    print(
        f"review step [{figures['database']}] {figures['sql_per_step']} SQL/step, "
        f"{figures['steps_per_second']} steps/s (notifications left to the worker) | "
        f"bare viewflow flow of the same shape: {bare['sql_per_step']} SQL/step, "
        f"{bare['steps_per_second']} steps/s | ratio steps/s "
        f"{figures['steps_per_second_ratio_vs_bare_viewflow']}x (target >= 0.5), SQL/step "
        f"{figures['sql_per_step']} (target <= 20) | worker delivery afterwards: {len(deferred.ids)} "
        f"deliveries, {figures['delivery_sql_per_review']} SQL and {figures['delivery_ms_per_review']} ms "
        f"per review"
    )
    (results_dir / f"review-{connection.vendor}.json").write_text(json.dumps(figures, indent=2))
    return figures
