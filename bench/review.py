"""Review throughput: full filing reviews (submission → filed, through the same services and viewflow
tasks the pages use) per second and SQL statements per review, against the same number of plain
django-fsm transitions with a log row each (the cost floor of "a state machine plus an audit trail")."""

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
    with connection.execute_wrapper(counter):
        for draft in drafts:
            t0 = time.perf_counter()
            _one_review(p, draft)
            durations.append(time.perf_counter() - t0)
    filed = FilingApplication.objects.filter(
        pk__in=[d.pk for d in drafts], status=ApplicationStatus.FILED
    ).count()
    assert filed == n, f"only {filed} of {n} reviews reached FILED"
    review_seconds = sum(durations)
    review_statements = counter.count / n

    base_seconds, base_statements = _baseline(n)
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
    }
    print(
        f"review [{figures['database']}] {n} full reviews (submit→filed, 7 human steps + 3 expert tasks): "
        f"{figures['reviews_per_second']}/s, {figures['sql_per_review']} SQL/review | baseline "
        f"(7 django-fsm transitions + log row): {figures['baseline_reviews_per_second']}/s, "
        f"{figures['baseline_sql_per_review']} SQL | ratio time {figures['time_ratio_vs_baseline']}x, "
        f"SQL {figures['sql_ratio_vs_baseline']}x"
    )
    (results_dir / f"review-{connection.vendor}.json").write_text(json.dumps(figures, indent=2))
    return figures
