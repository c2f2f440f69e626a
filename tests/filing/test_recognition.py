"""直接认定 and 以赛促评 on the plan engine: an enterprise's 直接认定 plan takes workers one by one with their
evidence, imposes no education, seniority, age or quota limit, is reviewed by experts (综合评审), publicised,
audited by the authority and ends in a certificate of the right level and number that verifies publicly; a
competition's results are promoted under the rule table (data), a second promotion in the same year is
refused naming the rule, and the promoted people are certified through a 以赛促评 plan."""

import datetime

import pytest
from django.urls import reverse

from filing.errors import Denied, Invalid, WrongState
from filing.models import (
    AssessmentPart,
    Certificate,
    CertificateStatus,
    Competition,
    CompetitionStatus,
    PlanMethod,
    PromotionRule,
    RegistrationStatus,
)
from filing.services import competitions, plans, recognition
from tests import factories
from tests.filing.issued import issue
from workflows import scenarios
from workflows.scenarios import SittingSpec

pytestmark = pytest.mark.django_db
FILED_ON = datetime.date(2026, 5, 11)
REVIEW_ON = datetime.date(2026, 6, 1)
HELD_ON = datetime.date(2026, 4, 20)


def make_enterprise():
    org = factories.organisation(kind="enterprise", name="上海机床厂有限公司", new_type=False, batch=None)
    body = factories.filed_body(org, levels=(4, 3, 2))
    operator = factories.user("ent_op", role="body_operator", organisation=org)
    occupation = body.lines.first().offering.occupation
    for i in range(4):
        factories.evaluator(f"评审专家{i}", body=body, occupation=occupation, level=1)
    factories.evaluator("督导甲", supervisor=True)
    factories.evaluator("督导乙", supervisor=True)
    return body, operator


@pytest.fixture
def enterprise(roles):
    return make_enterprise()


def worker(seq: int, **overrides) -> dict:
    return {
        "name": f"工匠{seq}",
        "document_type": "citizen_id",
        # born 1999: nothing about age or years is asked
        "document_number": factories.citizen_id(seq, birth="19990101"),
        "post": "数控车工",
        "employee_number": f"E{seq:03d}",
        "achievements": "主持主轴精密加工工艺改进，良品率提高12%",
        "awards": "2025年市级技术能手",
        **overrides,
    }


def direct_plan(enterprise, reviewer, level=3, **kwargs):
    body, operator = enterprise
    return scenarios.plan_to_registration(
        body,
        operator,
        reviewer,
        title="2026年高级工直接认定",
        sittings=[SittingSpec(AssessmentPart.REVIEW, REVIEW_ON, "评审室", 2)],
        filed_on=FILED_ON,
        line=body.lines.get(offering__level=level),
        method=PlanMethod.DIRECT,
        photos_waived=True,
        **kwargs,
    )


def test_direct_recognition_ends_in_a_verifiable_certificate_of_its_level(
    client, enterprise, municipal_reviewer
):
    body, operator = enterprise
    plan = direct_plan(enterprise, municipal_reviewer)
    assert plan.method == PlanMethod.DIRECT
    first = recognition.recognition_add(actor=operator, plan=plan, values=worker(1))
    # no years, no education, an age of 27: nothing is imposed
    recognition.recognition_add(actor=operator, plan=plan, values=worker(2, years_in_occupation=""))
    assert first.status == RegistrationStatus.ELIGIBLE
    assert [c["rule"] for c in first.eligibility] == ["no_limits"]
    assert first.evidence.achievements.startswith("主持")
    scenarios.staff_from_pool(plan, operator)
    plan.refresh_from_db()
    scenarios.hold_and_publish(plan, operator, held_on=REVIEW_ON)
    assert set(plan.registrations.values_list("status", flat=True)) == {RegistrationStatus.PASSED}
    scenarios.confirm_results(plan, operator, municipal_reviewer)
    batch = issue(plan, operator, "direct-1", issue_date=plan.results_confirmed_on)
    certificate = batch.certificates.order_by("number").first()
    assert certificate.level == 3 and certificate.level_label == "三级/高级工"
    assert certificate.number[-7] == "3"  # the level digit of the national number
    page = client.post(
        reverse("verify"), {"number": certificate.number, "name": certificate.holder_name}, follow=True
    )
    assert certificate.number in page.content.decode() and "有效" in page.content.decode()


def test_direct_recognition_is_only_for_enterprises_and_three_or_above(
    enterprise, college, body_operator, municipal_reviewer
):
    body, operator = enterprise
    with pytest.raises(Invalid) as caught:
        plans.plan_create(
            actor=operator,
            body=body,
            line=body.lines.get(offering__level=4),
            title="中级工直接认定",
            expected_headcount=3,
            first_sitting_on=REVIEW_ON,
            method=PlanMethod.DIRECT,
        )
    assert "三级/高级工及以上" in str(caught.value.errors)
    school_body = factories.filed_body(college)
    with pytest.raises(Invalid) as caught:
        plans.plan_create(
            actor=body_operator,
            body=school_body,
            line=school_body.lines.get(offering__level=3),
            title="学校直接认定",
            expected_headcount=3,
            first_sitting_on=REVIEW_ON,
            method=PlanMethod.DIRECT,
        )
    assert "只有企业" in str(caught.value.errors)


def test_evidence_intake_allowed_and_denied(enterprise, municipal_reviewer, outsider):
    body, operator = enterprise
    plan = direct_plan(enterprise, municipal_reviewer)
    with pytest.raises(Denied):
        recognition.recognition_add(actor=outsider, plan=plan, values=worker(1))
    with pytest.raises(Invalid) as caught:
        recognition.recognition_add(actor=operator, plan=plan, values=worker(1, achievements=" "))
    assert "achievements" in caught.value.errors
    with pytest.raises(Invalid) as caught:
        recognition.recognition_add(actor=operator, plan=plan, values=worker(1, document_number="abc"))
    assert "document_number" in caught.value.errors
    with pytest.raises(Invalid):
        recognition.recognition_add(actor=operator, plan=plan, values=worker(1, years_in_occupation="x"))
    registration = recognition.recognition_add(actor=operator, plan=plan, values=worker(1))
    with pytest.raises(Invalid):  # the same person twice
        recognition.recognition_add(actor=operator, plan=plan, values=worker(1))
    with pytest.raises(Invalid):  # the same number under another name
        recognition.recognition_add(actor=operator, plan=plan, values=worker(1, name="别人"))
    recognition.evidence_update(
        actor=operator, registration=registration, values=worker(1, achievements="修订后的业绩")
    )
    registration.evidence.refresh_from_db()
    assert registration.evidence.achievements == "修订后的业绩"
    # a roster is not how a 直接认定 plan takes people
    from filing.services import roster

    with pytest.raises(WrongState):
        roster.roster_import(actor=operator, plan=plan, file_name="r.csv", data=b"x")
    plans.plan_close_registration(actor=operator, plan=plan)
    with pytest.raises(WrongState):
        recognition.recognition_add(actor=operator, plan=plan, values=worker(3))


def test_an_examination_plan_takes_no_evidence(college, body_operator, municipal_reviewer):
    body = factories.filed_body(college)
    plan = scenarios.plan_to_registration(
        body,
        body_operator,
        municipal_reviewer,
        title="考核",
        sittings=[SittingSpec("theory", REVIEW_ON, "A1", 2), SittingSpec("skill", REVIEW_ON, "B1", 2, 13)],
        filed_on=FILED_ON,
    )
    with pytest.raises(WrongState):
        recognition.recognition_add(actor=body_operator, plan=plan, values=worker(1))


# --- 以赛促评 ------------------------------------------------------------------------------------------


def results_csv(rows) -> bytes:
    lines = ["姓名,证件类型,证件号码,名次,奖项"] + [",".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def competition(enterprise, level="city_1", participants=40, name="2026年上海市数控车工技能大赛"):
    body, operator = enterprise
    return competitions.competition_create(
        actor=operator,
        body=body,
        name=name,
        level=level,
        organiser="上海市人力资源和社会保障局",
        occupation=body.lines.first().offering.occupation,
        held_on=HELD_ON,
        participants=participants,
        today=FILED_ON,
    )


def entrant(seq, rank):
    return [f"选手{seq}", "居民身份证", factories.citizen_id(seq, birth="19950101"), rank, "一等奖"]


def holding(body, seq, level):
    """Give the entrant ``seq`` a valid certificate of ``level`` in the body's occupation."""
    from filing import pii

    plan, operator = factories.plan_with_results(body, passed=1, level=level)
    registration = plan.registrations.get()
    number = factories.citizen_id(seq, birth="19950101")
    candidate = registration.candidate
    candidate.name = f"选手{seq}"
    candidate.document_encrypted = pii.encrypt(number)
    candidate.document_index = pii.index("citizen_id", number)
    candidate.save()
    return issue(plan, operator, f"hold-{seq}-{level}").certificates.get()


def test_promotion_by_the_rule_table_with_a_reason_per_person(enterprise):
    body, operator = enterprise
    holding(body, 1, 4)  # 中级工 → 高级工
    holding(body, 2, 2)  # already 技师: the rule's highest
    contest = competition(enterprise)
    report = competitions.results_import(
        actor=operator,
        competition=contest,
        file_name="成绩.csv",
        data=results_csv([entrant(1, 1), entrant(2, 2), entrant(3, 3), entrant(4, 11)]),
    )
    assert report == []
    decisions = {
        d.result.candidate.name: d
        for d in competitions.competition_decide(actor=operator, competition=contest)
    }
    assert decisions["选手1"].promoted and (decisions["选手1"].from_level, decisions["选手1"].to_level) == (
        4,
        3,
    )
    assert not decisions["选手2"].promoted and "最高等级" in decisions["选手2"].reason
    # no certificate: the rule's level for people without one (市级一类 → 高级工)
    assert decisions["选手3"].promoted and decisions["选手3"].to_level == 3
    assert not decisions["选手4"].promoted and "前10名" in decisions["选手4"].reason
    contest.refresh_from_db()
    assert contest.status == CompetitionStatus.DECIDED
    with pytest.raises(WrongState):
        competitions.competition_decide(actor=operator, competition=contest)
    with pytest.raises(WrongState):  # decided: the results stand
        competitions.results_import(
            actor=operator, competition=contest, file_name="again.csv", data=results_csv([entrant(1, 1)])
        )
    # The annual-task indicators read the same register: entries, awards, promotions of the year.
    from filing import indicators
    from filing.models import Organisation

    figures = indicators.computed(
        ["competition_entries", "competition_awards", "competition_promotions"],
        Organisation.objects.filter(pk=body.organisation_id),
        HELD_ON.year,
    )
    org = body.organisation_id
    assert [
        figures[k][org] for k in ("competition_entries", "competition_awards", "competition_promotions")
    ] == [
        4,
        4,
        2,
    ]


def test_a_second_promotion_in_the_same_year_is_refused_naming_the_rule(enterprise):
    body, operator = enterprise
    first = competition(enterprise)
    competitions.results_import(
        actor=operator, competition=first, file_name="a.csv", data=results_csv([entrant(5, 1)])
    )
    competitions.competition_decide(actor=operator, competition=first)
    second = competition(enterprise, level="city_2", name="2026年区数控车工比武")
    competitions.results_import(
        actor=operator, competition=second, file_name="b.csv", data=results_csv([entrant(5, 1)])
    )
    (decision,) = competitions.competition_decide(actor=operator, competition=second)
    assert not decision.promoted
    assert "每人每年至多晋升1次" in decision.reason and "2026年已因本机构竞赛" in decision.reason
    assert "市级二类" in decision.reason  # the rule that refused it


def test_the_rule_table_changes_the_outcome_without_code(enterprise):
    body, operator = enterprise
    PromotionRule.objects.filter(competition_level="city_1").update(top_ranks=None, top_percent=50)
    contest = competition(enterprise, participants=10)
    competitions.results_import(
        actor=operator,
        competition=contest,
        file_name="a.csv",
        data=results_csv([entrant(6, 5), entrant(7, 6)]),
    )
    decisions = {
        d.result.candidate.name: d.promoted
        for d in competitions.competition_decide(actor=operator, competition=contest)
    }
    assert decisions == {"选手6": True, "选手7": False}
    PromotionRule.objects.filter(competition_level="city_1").update(per_person_per_year=2)
    again = competition(enterprise, participants=10, name="又一场")
    competitions.results_import(
        actor=operator, competition=again, file_name="b.csv", data=results_csv([entrant(6, 1)])
    )
    (decision,) = competitions.competition_decide(actor=operator, competition=again)
    assert decision.promoted  # two a year now allowed


def test_results_import_is_all_or_nothing_and_hostile_cells_are_row_errors(enterprise):
    body, operator = enterprise
    contest = competition(enterprise, participants=5)
    report = competitions.results_import(
        actor=operator,
        competition=contest,
        file_name="坏.csv",
        data=results_csv(
            [
                entrant(8, 1),
                entrant(8, 2),
                ["某", "居民身份证", "abc", 1, ""],
                entrant(9, 99),
                entrant(10, "=1+1"),
            ]
        ),
    )
    columns = {(e["row"], e["column"]) for e in report}
    assert (
        (3, "证件号码") in columns
        and (4, "证件号码") in columns
        and (5, "名次") in columns
        and (6, "名次") in columns
    )
    contest.refresh_from_db()
    assert contest.status == CompetitionStatus.RECORDED and not contest.results.exists()
    assert competitions.results_import(
        actor=operator, competition=contest, file_name="x.xlsx", data=b"PK\x03\x04junk"
    )
    with pytest.raises(WrongState):
        competitions.competition_decide(actor=operator, competition=contest)


def test_competition_register_allowed_and_denied(enterprise, outsider, municipal_reviewer):
    body, operator = enterprise
    with pytest.raises(Denied):
        competitions.competition_create(
            actor=outsider,
            body=body,
            name="x",
            level="city_1",
            organiser="y",
            occupation=body.lines.first().offering.occupation,
            held_on=HELD_ON,
            participants=3,
            today=FILED_ON,
        )
    with pytest.raises(Invalid) as caught:  # not yet held
        competitions.competition_create(
            actor=operator,
            body=body,
            name="x",
            level="city_1",
            organiser="y",
            occupation=body.lines.first().offering.occupation,
            held_on=FILED_ON + datetime.timedelta(1),
            participants=3,
            today=FILED_ON,
        )
    assert "held_on" in caught.value.errors
    for bad in ({"level": "galactic"}, {"participants": "abc"}, {"held_on": "2026-02-30"}):
        fields = (
            dict(
                name="x",
                level="city_1",
                organiser="y",
                occupation=body.lines.first().offering.occupation,
                held_on=HELD_ON,
                participants=3,
            )
            | bad
        )
        with pytest.raises(Invalid):
            competitions.competition_create(actor=operator, body=body, today=FILED_ON, **fields)
    contest = competition(enterprise)
    with pytest.raises(Denied):
        competitions.results_import(
            actor=municipal_reviewer, competition=contest, file_name="a.csv", data=b""
        )


def test_promoted_people_are_certified_through_a_competition_plan(enterprise, municipal_reviewer):
    body, operator = enterprise
    holding(body, 11, 4)
    contest = competition(enterprise)
    competitions.results_import(
        actor=operator,
        competition=contest,
        file_name="a.csv",
        data=results_csv([entrant(11, 1), entrant(12, 2)]),
    )
    competitions.competition_decide(actor=operator, competition=contest)
    with pytest.raises(Invalid):  # a competition plan needs its competition
        plans.plan_create(
            actor=operator,
            body=body,
            line=body.lines.get(offering__level=3),
            title="以赛促评",
            expected_headcount=2,
            first_sitting_on=REVIEW_ON,
            method=PlanMethod.COMPETITION,
        )
    plan = scenarios.plan_to_registration(
        body,
        operator,
        municipal_reviewer,
        title="2026年市赛晋升高级工",
        sittings=[],
        filed_on=FILED_ON,
        line=body.lines.get(offering__level=3),
        method=PlanMethod.COMPETITION,
        competition=contest,
        first_sitting_on=REVIEW_ON,
        photos_waived=True,
    )
    assert competitions.promotion_enrol(actor=operator, plan=plan) == 2
    with pytest.raises(WrongState):  # nobody left to enrol
        competitions.promotion_enrol(actor=operator, plan=plan)
    registration = plan.registrations.order_by("row_number").first()
    assert registration.promotion.result.rank == 1 and registration.eligibility[0]["rule"] == "rank"
    scenarios.hold_and_publish(plan, operator, held_on=REVIEW_ON)
    scenarios.confirm_results(plan, operator, municipal_reviewer)
    batch = issue(plan, operator, "promo-1", issue_date=plan.results_confirmed_on)
    assert sorted(batch.certificates.values_list("level", flat=True)) == [3, 3]
    assert Certificate.objects.filter(status=CertificateStatus.VALID, level=3).count() == 2
    assert Competition.objects.get(pk=contest.pk).plans.get() == plan


@pytest.fixture
def recorded(enterprise):
    return enterprise, competition(enterprise, participants=20)


def test_hostile_results_files_are_reports_never_crashes(recorded):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    (body, operator), contest = recorded
    cell = st.one_of(st.text(max_size=30), st.integers(-10, 10**20).map(str), st.just("=HYPERLINK(1)"))

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.lists(st.lists(cell, min_size=5, max_size=5), min_size=1, max_size=4), st.binary(max_size=64))
    def check(rows, junk):
        data = results_csv([[c.replace(",", " ").replace("\n", " ") for c in r] for r in rows])
        for payload in (data, junk, b"PK\x03\x04" + junk):
            report = competitions.results_import(
                actor=operator, competition=contest, file_name="f.csv", data=payload
            )
            assert isinstance(report, list)
        contest.refresh_from_db()

    check()
