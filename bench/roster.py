"""Roster import: a 10,000-row .xlsx through ``filing.services.roster.roster_import`` with full validation
(file defences, every row's ID checksum/birth date/area, majors, duplicates in the file and against other
plans, eligibility per row, encryption and HMAC index, bulk insert) into a plan in REGISTRATION_OPEN,
against the floor of "a bare openpyxl read" (read-only, every value visited) of the same file. Reports the
time ratio and the peak traced memory (tracemalloc) of each, and the SQL statements of the import."""

from __future__ import annotations

import datetime
import gc
import io
import json
import statistics
import time
import tracemalloc

from django.db import connection, transaction
from django.utils import timezone

ROWS = 10_000
FIRST_SITTING = datetime.date(2026, 6, 1)
FILED_ON = datetime.date(2026, 5, 11)  # 14 working days before the first sitting
AREAS = ("310104", "310115", "310101", "320102")
HEADER = [
    "姓名",
    "证件类型",
    "证件号码",
    "专业代码",
    "班级",
    "预计毕业时间",
    "是否全日制",
    "就读院校统一社会信用代码",
]


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _citizen_id(k: int) -> str:
    """The k-th distinct valid ID: 1000 sequence numbers per (area, birth date)."""
    from tests import factories

    block = k // 1000
    born = datetime.date(2004, 1, 1) + datetime.timedelta(days=block // len(AREAS))
    return factories.citizen_id(k % 1000, birth=born.strftime("%Y%m%d"), area=AREAS[block % len(AREAS)])


def roster_xlsx(first: int, rows: int = ROWS) -> bytes:
    """A realistic roster: mostly eligible, some ineligible (graduating next year, not full time)."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("考生名册")
    sheet.append(HEADER)
    for k in range(first, first + rows):
        graduation = "2027-06-30" if k % 50 == 0 else "2026-06-30"
        sheet.append(
            [
                f"考生{k}",
                "居民身份证",
                _citizen_id(k),
                "660103",
                f"数控{k % 8}班",
                graduation,
                "否" if k % 97 == 0 else "是",
                "",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _open_plan(body, operator, reviewer):
    """make_plan → plan_file → confirm_plan task → plan_open_registration (as tests/filing/test_plans.py)."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from filing.models import PlanStatus
    from filing.services import plans as svc
    from workflows import services as wf
    from workflows.flows import PlanFlow

    def at(hour):
        return timezone.make_aware(datetime.datetime.combine(FIRST_SITTING, datetime.time(hour)))

    plan = svc.plan_create(
        actor=operator,
        body=body,
        line=body.lines.get(offering__level=4),
        title="2026届数控车工四级（基准）",
        expected_headcount=ROWS,
        first_sitting_on=FIRST_SITTING,
    )
    for part, start, end in (("theory", 9, 11), ("skill", 13, 17)):
        svc.sitting_add(
            actor=operator,
            plan=plan,
            part=part,
            starts_at=at(start),
            ends_at=at(end),
            room="A101",
            candidates_expected=ROWS,
        )
    svc.plan_file(actor=operator, plan=plan, today=FILED_ON)
    task = Task.objects.get(
        process__planprocess__plan=plan,
        flow_task=PlanFlow.confirm_plan,
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    )
    wf.task_plan_review(actor=reviewer, task_pk=task.pk, approve=True, comment="同意")
    plan.refresh_from_db()
    svc.plan_open_registration(actor=operator, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REGISTRATION_OPEN
    return plan


def _bare_read(data: bytes) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = 0
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        for _value in row:
            cells += 1
    workbook.close()
    return cells


def _peak(fn) -> tuple[object, int]:
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run(results_dir) -> dict:
    from filing.models import Registration, RosterImport
    from filing.roles import Role
    from filing.roster import COLUMNS, TEMPLATE_COLUMNS, read_rows
    from filing.services import plans as plan_svc
    from filing.services import roster as roster_svc
    from tests import factories

    assert [COLUMNS[k] for k in TEMPLATE_COLUMNS] == HEADER
    college = factories.organisation(district_code="310115", name="基准技师学院")
    operator = factories.user(role=Role.BODY_OPERATOR, organisation=college)
    reviewer = factories.user(role=Role.MUNICIPAL_REVIEWER)
    with transaction.atomic():
        body = factories.filed_body(college)
    factories.major(college, code="660103")

    def do_import(plan, data):
        return roster_svc.roster_import(actor=operator, plan=plan, file_name="名册.xlsx", data=data)

    # Warm-up (imports, the stdnum area table, caches) outside the measurement; its plan is then cancelled.
    warm = _open_plan(body, operator, reviewer)
    assert do_import(warm, roster_xlsx(900_000, 200)).outcome == RosterImport.Outcome.ACCEPTED
    plan_svc.plan_cancel(actor=operator, plan=warm, reason="基准预热")

    data = roster_xlsx(0)
    cells = _bare_read(data)
    assert cells == (ROWS + 1) * len(HEADER)
    base_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        _bare_read(data)
        base_times.append(time.perf_counter() - t0)
    base_seconds = statistics.median(base_times)

    # Validation only (read + every row check + the duplicate query), no writes.
    plan = _open_plan(body, operator, reviewer)
    t0 = time.perf_counter()
    table, header_errors = read_rows("名册.xlsx", data)
    cleaned, errors = roster_svc.validate_rows(plan, table)
    validate_seconds = time.perf_counter() - t0
    assert not header_errors and not errors and len(cleaned) == ROWS

    counter = StatementCounter()
    t0 = time.perf_counter()
    with connection.execute_wrapper(counter):
        record = do_import(plan, data)
    import_seconds = time.perf_counter() - t0
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report[:5]
    assert Registration.objects.filter(plan=plan).count() == ROWS

    # Peak memory: a second roster (other people) into a second plan, and the bare read, each traced.
    memory_data = roster_xlsx(ROWS)
    memory_plan = _open_plan(body, operator, reviewer)
    memory_record, import_peak = _peak(lambda: do_import(memory_plan, memory_data))
    assert memory_record.outcome == RosterImport.Outcome.ACCEPTED
    _, base_peak = _peak(lambda: _bare_read(memory_data))

    mb = 1024 * 1024
    figures = {
        "database": connection.vendor,
        "rows": ROWS,
        "file_bytes": len(data),
        "import_seconds": round(import_seconds, 2),
        "import_rows_per_second": round(ROWS / import_seconds),
        "import_sql_statements": counter.count,
        "validate_only_seconds": round(validate_seconds, 2),
        "baseline_read_seconds": round(base_seconds, 3),
        "time_ratio_vs_baseline": round(import_seconds / base_seconds, 1),
        "validate_ratio_vs_baseline": round(validate_seconds / base_seconds, 1),
        "import_peak_mb": round(import_peak / mb, 1),
        "baseline_peak_mb": round(base_peak / mb, 1),
        "memory_ratio_vs_baseline": round(import_peak / base_peak, 1),
    }
    print(
        f"roster [{figures['database']}] {ROWS}-row .xlsx import with full validation: "
        f"{figures['import_seconds']} s ({figures['import_rows_per_second']} rows/s, "
        f"{figures['import_sql_statements']} SQL), peak {figures['import_peak_mb']} MB | validation only "
        f"{figures['validate_only_seconds']} s | baseline (bare openpyxl read-only read): "
        f"{figures['baseline_read_seconds']} s, peak {figures['baseline_peak_mb']} MB | ratio time "
        f"{figures['time_ratio_vs_baseline']}x (validation only {figures['validate_ratio_vs_baseline']}x), "
        f"memory {figures['memory_ratio_vs_baseline']}x"
    )
    (results_dir / f"roster-{connection.vendor}.json").write_text(json.dumps(figures, indent=2))
    return figures
