"""docs/api.md's worked example, run as written against a live server."""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from filing.models import ApplicationStatus, FilingApplication, OccupationLevel
from filing.roles import Role
from filing.services import publicity as publicity_svc
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
        ["bash", "-c", script(part)], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{part} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_worked_example(live_server, roles, tmp_path):
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
    out = run("part1", env)
    assert "示例技师学院" in out
    app = FilingApplication.objects.get(pk=int(re.search(r"APP=(\d+)", out).group(1)))
    assert app.status == ApplicationStatus.PUBLICITY
    # The publicity timer, then an evaluation whose results are confirmed (tests/filing/test_plans.py
    # walks that path through the services).
    # Time travel: let publicity have ended yesterday, so the body is effective today.
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    FilingApplication.objects.filter(pk=app.pk).update(publicity_ends_on=yesterday)
    assert publicity_svc.close_ended_publicity() == [app.pk]
    app.refresh_from_db()
    plan, _ = factories.plan_with_results(app.body, passed=2, level=4)
    env.update(PLAN=str(plan.pk))
    out = run("part2", env)
    assert out.strip().endswith("有效")
