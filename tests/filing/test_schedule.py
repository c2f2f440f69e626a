"""The rules of time (filing.schedule): each refused the day before its date and allowed on it, with a
message naming the date it waits for; the plan form states the filing lead rule and checks it at entry."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filing import schedule
from filing.forms import PlanForm
from filing.models import PlanStatus
from filing.schedule import NotYet
from filing.services import issuance, photos, results
from filing.services import plans as svc
from tests import factories
from workflows import scenarios
from workflows.scenarios import SittingSpec

pytestmark = pytest.mark.django_db
THEORY_ON = datetime.date(2026, 6, 1)  # Monday
SKILL_ON = datetime.date(2026, 6, 3)
FILED_ON = datetime.date(2026, 5, 11)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def body(college):
    return factories.filed_body(college)


@pytest.fixture
def pool(body):
    occupation = body.lines.first().offering.occupation
    people = [factories.evaluator(f"考评{i}", body=body, occupation=occupation, level=3) for i in range(3)]
    people += [factories.evaluator(f"督导{i}", supervisor=True) for i in range(2)]
    return people


@pytest.fixture
def closed_plan(body, body_operator, municipal_reviewer, pool, college):
    factories.major(college, code="660103")
    plan = scenarios.plan_to_registration(
        body,
        body_operator,
        municipal_reviewer,
        title="2026届数控车工四级",
        sittings=[
            SittingSpec("theory", THEORY_ON, "A101", 2),
            SittingSpec("skill", SKILL_ON, "实训楼3-1", 2),
        ],
        filed_on=FILED_ON,
    )
    rows = [
        ["张一", "居民身份证", factories.citizen_id(11), "660103", "数控1班", "2026-06-30", "是", ""],
        ["王二", "居民身份证", factories.citizen_id(13), "660103", "数控1班", "2026-06-30", "是", ""],
    ]
    from filing.services import roster

    record = roster.roster_import(
        actor=body_operator, plan=plan, file_name="r.csv", data=factories.roster_csv(rows)
    )
    assert record.outcome == "accepted", record.report
    scenarios.staff_from_pool(plan, body_operator)
    svc.plan_close_registration(actor=body_operator, plan=plan)
    plan.refresh_from_db()
    return plan


def test_the_sittings_start_on_the_first_sittings_day_not_before(closed_plan, body_operator):
    with pytest.raises(NotYet) as refused:
        svc.plan_start(actor=body_operator, plan=closed_plan, today=THEORY_ON - DAY)
    assert refused.value.message == "考试日期为2026年6月1日，当日起方可开考。"
    assert refused.value.waits_for == THEORY_ON
    assert refused.value.http_status == 409
    closed_plan.refresh_from_db()
    assert closed_plan.status == PlanStatus.REGISTRATION_CLOSED
    svc.plan_start(actor=body_operator, plan=closed_plan, today=THEORY_ON)
    closed_plan.refresh_from_db()
    assert closed_plan.status == PlanStatus.IN_PROGRESS


def test_scores_of_a_part_wait_for_its_last_sitting(closed_plan, body_operator):
    svc.plan_start(actor=body_operator, plan=closed_plan, today=THEORY_ON)
    svc.plan_finish_sittings(actor=body_operator, plan=closed_plan)
    zhang = closed_plan.registrations.get(candidate__name="张一")
    results.score_enter(actor=body_operator, registration=zhang, part="theory", score="75", today=THEORY_ON)
    with pytest.raises(NotYet) as refused:
        results.score_enter(
            actor=body_operator, registration=zhang, part="skill", score="75", today=SKILL_ON - DAY
        )
    assert "2026年6月3日" in refused.value.message
    assert not zhang.scores.filter(part="skill").exists()
    results.score_enter(actor=body_operator, registration=zhang, part="skill", score="75", today=SKILL_ON)
    assert zhang.scores.filter(part="skill").exists()


def test_results_are_published_from_the_last_sittings_day(closed_plan, body_operator):
    svc.plan_start(actor=body_operator, plan=closed_plan, today=THEORY_ON)
    svc.plan_finish_sittings(actor=body_operator, plan=closed_plan)
    for registration in closed_plan.registrations.all():
        for part in ("theory", "skill"):
            results.score_enter(
                actor=body_operator, registration=registration, part=part, score="80", today=SKILL_ON
            )
    with pytest.raises(NotYet) as refused:
        results.plan_publish_results(actor=body_operator, plan=closed_plan, today=SKILL_ON - DAY)
    assert refused.value.message == "最后一场考核为2026年6月3日，考核全部结束后方可公示结果。"
    closed_plan.refresh_from_db()
    assert closed_plan.status == PlanStatus.SCORING
    results.plan_publish_results(actor=body_operator, plan=closed_plan, today=SKILL_ON)
    closed_plan.refresh_from_db()
    assert closed_plan.status == PlanStatus.RESULTS_PUBLICITY


def test_certificates_are_never_dated_before_the_results_were_confirmed(
    closed_plan, body_operator, municipal_reviewer
):
    svc.plan_start(actor=body_operator, plan=closed_plan, today=THEORY_ON)
    svc.plan_finish_sittings(actor=body_operator, plan=closed_plan)
    for registration in closed_plan.registrations.all():
        for part in ("theory", "skill"):
            results.score_enter(
                actor=body_operator, registration=registration, part=part, score="80", today=SKILL_ON
            )
    results.plan_publish_results(actor=body_operator, plan=closed_plan, today=SKILL_ON)
    closed_plan.refresh_from_db()
    plan = scenarios.confirm_results(closed_plan, body_operator, municipal_reviewer)
    for registration in plan.registrations.filter(status="passed"):  # the photos the certificates carry
        photos.registration_photo_upload(
            actor=body_operator, registration=registration, data=factories.photo_jpeg(size=(300, 390))
        )
    confirmed = plan.results_publicity_ends_on + DAY
    assert plan.results_confirmed_on == confirmed
    with pytest.raises(NotYet) as refused:
        issuance.issuance_request(
            actor=body_operator, plan=plan, idempotency_key="early", issue_date=confirmed - DAY
        )
    assert schedule.chinese_date(confirmed) in refused.value.message
    assert not plan.issuance_batches.exists()
    batch = issuance.issuance_request(
        actor=body_operator, plan=plan, idempotency_key="on", issue_date=confirmed
    )
    assert batch.issue_date == confirmed


def test_the_plan_form_states_the_lead_rule_and_checks_it_at_entry(body, body_operator):
    earliest = schedule.earliest_first_sitting()
    line = body.lines.first()
    form = PlanForm(user=body_operator)
    help_text = str(form.fields["first_sitting_on"].help_text)
    assert "10个工作日" in help_text and schedule.chinese_date(earliest) in help_text
    assert form.fields["first_sitting_on"].widget.attrs["min"] == earliest.isoformat()
    data = {"line": line.pk, "title": "计划", "expected_headcount": 30}
    too_early = PlanForm({**data, "first_sitting_on": (earliest - DAY).isoformat()}, user=body_operator)
    assert not too_early.is_valid()
    assert schedule.chinese_date(earliest) in str(too_early.errors["first_sitting_on"])
    on_time = PlanForm({**data, "first_sitting_on": earliest.isoformat()}, user=body_operator)
    assert on_time.is_valid(), on_time.errors
    # The same function the filing service refuses with: one rule, one place.
    assert schedule.first_sitting_problem(earliest - DAY) == too_early.errors["first_sitting_on"][0]
    assert schedule.first_sitting_problem(earliest) is None


def test_the_page_and_the_api_refuse_an_early_start_with_the_date(
    client, body, body_operator, municipal_reviewer, pool, college
):
    first = schedule.earliest_first_sitting() + datetime.timedelta(days=7)
    factories.major(college, code="660103")
    plan = scenarios.plan_to_registration(
        body,
        body_operator,
        municipal_reviewer,
        title="将来的计划",
        sittings=[SittingSpec("theory", first, "A101", 2), SittingSpec("skill", first, "实训楼", 2, 13)],
        filed_on=schedule.today(),
    )
    svc.plan_close_registration(actor=body_operator, plan=plan)
    client.force_login(body_operator)
    page = client.post(f"/plans/{plan.pk}/start/")
    assert page.status_code == 409
    text = page.content.decode()
    assert f"考试日期为{schedule.chinese_date(first)}，当日起方可开考。" in text
    assert "未到规定日期" in text
    api = client.post(f"/api/v1/plans/{plan.pk}/actions/start/", {}, content_type="application/json")
    assert api.status_code == 409
    assert schedule.chinese_date(first) in api.content.decode()


KNOWN = (datetime.date(2025, 1, 1), datetime.date(2026, 11, 30))  # years chinese-calendar ships


@given(
    on=st.dates(min_value=KNOWN[0], max_value=KNOWN[1]),
    offset=st.integers(min_value=-30, max_value=40),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_earliest_date_the_form_states_is_exactly_where_the_rule_starts_to_allow(on, offset):
    earliest = schedule.earliest_first_sitting(on)
    first = on + datetime.timedelta(days=offset)
    if first.year > 2026:
        return
    allowed = schedule.first_sitting_problem(first, on) is None
    assert allowed == (first >= earliest)
    if not allowed:
        assert schedule.chinese_date(earliest) in schedule.first_sitting_problem(first, on)
