"""docs/api.md's worked example, run as written against a live server: the filing with a return for
correction, then the evaluation (plan, register, staffing, roster, sittings, scores, results, certificates,
verification). Nothing between the parts edits the database or calls a page: the publicity timer runs as
``run_timers --today``, and the project's clock (``timezone.localdate``, read by the live server in this
process) is moved the way a calendar would, as the browser journeys do."""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from filing import schedule
from filing.models import (
    ApplicationStatus,
    Certificate,
    EvaluationPlan,
    FilingApplication,
    OccupationLevel,
    PlanStatus,
)
from filing.roles import Role
from tests import factories
from tests.conftest import require

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def script(part: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- worked-example:{part} -->\s*```bash\n(.*?)```", text, re.S)
    assert match, f"docs/api.md has no worked-example:{part} block"
    return match.group(1)


def run(part: str, env: dict) -> str:
    result = subprocess.run(
        ["bash", "-c", script(part)], env={**os.environ, **env}, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, f"{part} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def printed(name: str, out: str) -> str:
    match = re.search(rf"^{name}=(\S+)$", out, re.M)
    assert match, f"the script printed no {name}=:\n{out}"
    return match.group(1)


@pytest.fixture
def clock(monkeypatch):
    """The project's clock, set to a given day (the live server runs in this process)."""
    real = timezone.localdate
    state = {"today": None}

    def localdate(value=None, timezone=None):
        if value is None and state["today"] is not None:
            return state["today"]
        return real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return state


def school_year_end(day: datetime.date) -> str:
    """The graduation of a graduating student on ``day``: 30 June ending the school year."""
    return f"{day.year + 1 if day.month >= 9 else day.year}-06-30"


@pytest.mark.django_db(transaction=True)
def test_worked_example(live_server, roles, tmp_path, clock):
    require(shutil.which("curl") is not None, "curl is not installed")
    college = factories.organisation(district_code="310115", name="示例技师学院")
    major = factories.major(college, code="660103")
    people = {
        "APPLICANT": factories.user("api_applicant", role=Role.APPLICANT, organisation=college),
        "LEGAL_REP": factories.user("api_legal", role=Role.LEGAL_REPRESENTATIVE, organisation=college),
        "OPERATOR": factories.user("api_operator", role=Role.BODY_OPERATOR, organisation=college),
        "DISTRICT": factories.user("api_district", role=Role.DISTRICT_REVIEWER, district_code="310115"),
        "DISTRICT_LEAD": factories.user(
            "api_district_lead", role=Role.DISTRICT_REVIEWER, district_code="310115"
        ),
        "MUNICIPAL": factories.user("api_municipal", role=Role.MUNICIPAL_REVIEWER),
        "MUNICIPAL_LEAD": factories.user("api_municipal_lead", role=Role.MUNICIPAL_REVIEWER),
        "EXPERT1": factories.user("api_e1", role=Role.EXPERT),
        "EXPERT2": factories.user("api_e2", role=Role.EXPERT),
        "EXPERT3": factories.user("api_e3", role=Role.EXPERT),
        "SUPERVISOR": factories.user("api_supervisor", role=Role.SUPERVISOR),
    }
    pdf = tmp_path / "material.pdf"
    pdf.write_bytes(factories.PDF_BYTES)
    env = {f"{k}_TOKEN": Token.objects.create(user=u).key for k, u in people.items()}
    env.update(
        BASE=live_server.url,
        ORG=str(college.pk),
        MAJOR=str(major.pk),
        PDF=str(pdf),
        OFFERING=str(OccupationLevel.objects.get(occupation__code="6-18-01-01", level=4, work_type=None).pk),
        EXPERT_IDS=",".join(str(people[k].pk) for k in ("EXPERT1", "EXPERT2", "EXPERT3")),
    )

    # Part 1: the filing, returned once for correction, to publicity.
    out = run("part1", env)
    assert "示例技师学院" in out and "summary" in out
    app = FilingApplication.objects.get(pk=int(printed("APP", out)))
    assert app.status == ApplicationStatus.PUBLICITY and app.corrections.count() == 1

    # The publicity timer on the first day after publicity files the application; the clock is that day.
    filed_on = datetime.date.fromisoformat(printed("PUBLICITY_ENDS", out)) + datetime.timedelta(days=1)
    clock["today"] = filed_on
    call_command("run_timers", today=filed_on.isoformat())
    app.refresh_from_db()
    assert app.status == ApplicationStatus.FILED

    # Part 2: the plan, the register, staffing and the roster, on the filing day.
    first = schedule.earliest_first_sitting(filed_on)
    rows = [
        [name, "居民身份证", factories.citizen_id(n, birth="20080315"), "660103", "数控1班", "", "是", ""]
        for n, name in ((21, "张一"), (23, "王二"), (25, "李三"))
    ]
    for row in rows:
        row[5] = school_year_end(first)
    roster = tmp_path / "roster.csv"
    roster.write_bytes(factories.roster_csv(rows))
    env.update(FIRST=first.isoformat(), ROSTER=str(roster))
    out = run("part2", env)
    plan = EvaluationPlan.objects.get(pk=int(printed("PLAN", out)))
    assert plan.status == PlanStatus.REGISTRATION_CLOSED and plan.registrations.count() == 3

    # Part 3: on the day of the sittings.
    clock["today"] = first
    env.update(PLAN=str(plan.pk))
    out = run("part3", env)
    ends = datetime.date.fromisoformat(printed("RESULTS_PUBLICITY_ENDS", out))

    # Part 4: after the results publicity.
    clock["today"] = ends + datetime.timedelta(days=1)
    out = run("part4", env)
    assert out.strip().endswith("有效")
    issued = Certificate.objects.filter(batch__plan=plan)
    assert issued.count() == 3 and {c.issue_date for c in issued} == {ends + datetime.timedelta(days=1)}
