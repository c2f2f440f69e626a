"""The demo's enterprise stage (DOMAIN.md §8): 申江机床, an enterprise filed as a 用人单位 body through the
review, with its experts in the evaluator register, a 直接认定 of two outstanding workers to 技师 reviewed by
the experts and now under results publicity, and a city competition whose winners were promoted under the
rule table (one refused, with its reason) and certified through a 以赛促评 plan — certificates a visitor can
verify. Everything through the services, on the dates they allow."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model

WORKERS = [
    (
        "张建国",
        "19780312",
        "数控车工班组长",
        "主持发动机主轴精密车削工艺改进，单件工时缩短30%，良品率由92%提升至99.2%（演示）",
        "2024年上海市技术能手；全国机械工业劳动模范（演示）",
        "实用新型专利2项：一种薄壁件车削夹具（演示）",
    ),
    (
        "刘海燕",
        "19850607",
        "数控车工",
        "攻克钛合金深孔车削振刀难题，为企业年节约刀具成本80万元（演示）",
        "2025年集团职工技能大赛一等奖（演示）",
        "",
    ),
]
ENTRANTS = [("陈志强", 1), ("杨帆", 2), ("赵磊", 3), ("黄雨婷", 8), ("周明", 12)]


def _id(seq: int, birth: str) -> str:
    """A syntactically valid (fictional) 居民身份证号码, as the rest of the demo makes them."""
    from filing.demo import demo_citizen_id

    return demo_citizen_id(seq, birth)


def _staff(organisation, operator, today) -> str:
    """The enterprise's staff register (职工名册): the workers of the demo's 直接认定 and competition and a
    few more, in two workshops; 人人持证 then counts the certificates the demo issues them."""
    from filing.services import staff

    people = [(name, 700 + i, birth, "精密加工车间") for i, (name, birth, *_rest) in enumerate(WORKERS)]
    people += [(name, 800 + i, f"1996{i + 1:02d}10", "数控车间") for i, (name, _rank) in enumerate(ENTRANTS)]
    people += [("孙立", 900, "19900505", "数控车间"), ("吴静", 901, "19920808", "精密加工车间")]
    lines = ["工号,姓名,证件类型,证件号码,部门,岗位,是否技能岗位,岗位对应职业,入职日期,从事本职业年限"]
    for n, (name, seq, birth, department) in enumerate(people):
        lines.append(
            f"SJ{1001 + n},{name},居民身份证,{_id(seq, birth)},{department},数控车工,是,6-18-01-01,"
            f"{today.year - 6}-07-01,6"
        )
    lines.append(
        f"SJ{1001 + len(people)},钱芳,居民身份证,{_id(902, '19880303')},质量部,质检员,否,,2015-03-01,"
    )
    record = staff.staff_import(
        actor=operator,
        organisation=organisation,
        file_name="职工名册（演示）.csv",
        data=("\n".join(lines) + "\n").encode(),
        today=today,
    )
    assert not record.report, record.report
    return f"{organisation.name} 职工名册{len(people) + 1}人（技能岗位{len(people)}人）"


def _pool(body, operator, until) -> None:
    from filing.services import staffing

    occupation = body.lines.first().offering.occupation
    for i, name in enumerate(["申江专家甲", "申江专家乙", "申江专家丙", "申江专家丁"]):
        staffing.evaluator_create(
            actor=operator,
            body=body,
            name=name,
            certificate_no=f"DEMO-SJ-{i:03d}",
            occupation=occupation,
            level=1,
            can_evaluate=True,
            valid_until=until,
            can_invigilate=True,
            is_supervisor=False,
        )


def _direct_recognition(body, operator, authority, today) -> str:
    from filing.models import AssessmentPart, PlanMethod
    from filing.schedule import chinese_date, latest_filing_day
    from filing.services import recognition
    from workflows import scenarios
    from workflows.scenarios import SittingSpec

    held = today - datetime.timedelta(days=3)
    plan = scenarios.plan_to_registration(
        body,
        operator,
        authority,
        title=f"{held.year}年数控车工技师直接认定（演示）",
        sittings=[SittingSpec(AssessmentPart.REVIEW, held, "技能大师工作室", len(WORKERS), start_hour=14)],
        filed_on=latest_filing_day(held) - datetime.timedelta(days=3),
        line=body.lines.get(offering__level=2),
        headcount=len(WORKERS),
        method=PlanMethod.DIRECT,
        photos_waived=True,
    )
    for i, (name, birth, post, achievements, awards, patents) in enumerate(WORKERS):
        recognition.recognition_add(
            actor=operator,
            plan=plan,
            values={
                "name": name,
                "document_type": "citizen_id",
                "document_number": _id(700 + i, birth),
                "post": post,
                "employee_number": f"SJ{1001 + i}",
                "achievements": achievements,
                "awards": awards,
                "patents": patents,
                "apprentices": "带徒5名，其中3名已取得高级工证书（演示）",
                "work_sample": "精密主轴样件1件，现场展示（演示）",
            },
        )
    scenarios.staff_from_pool(plan, operator)
    scenarios.hold_and_publish(plan, operator, held_on=held, score=lambda r, part: 88)
    return f"直接认定“{plan.title}”专家评审通过，结果公示至{chinese_date(plan.results_publicity_ends_on)}"


def _competition(body, operator, authority, today) -> list[str]:
    from filing import signing
    from filing.models import PlanMethod, PromotionRule
    from filing.reference.loader import load_promotion_rules
    from filing.schedule import latest_filing_day
    from filing.services import competitions, issuance
    from workflows import scenarios

    held_on = today - datetime.timedelta(days=80)
    contest = competitions.competition_create(
        actor=operator,
        body=body,
        name=f"{held_on.year}年上海市数控车工职业技能竞赛（演示）",
        level="city_1",
        organiser="上海市人力资源和社会保障局（演示）",
        occupation=body.lines.first().offering.occupation,
        held_on=held_on,
        participants=48,
        today=today,
    )
    rows = "\n".join(
        f"{name},居民身份证,{_id(800 + i, f'1996{i + 1:02d}10')},{rank},{'一等奖' if rank <= 3 else '优胜奖'}"
        for i, (name, rank) in enumerate(ENTRANTS)
    )
    report = competitions.results_import(
        actor=operator,
        competition=contest,
        file_name="竞赛成绩（演示）.csv",
        data=("姓名,证件类型,证件号码,名次,奖项\n" + rows + "\n").encode(),
    )
    assert report == [], report
    load_promotion_rules(PromotionRule)  # the published rules (a flushed test database has none)
    decisions = competitions.competition_decide(actor=operator, competition=contest)
    first = today - datetime.timedelta(days=45)
    plan = scenarios.plan_to_registration(
        body,
        operator,
        authority,
        title=f"{held_on.year}年市赛获奖选手晋升高级工（以赛促评，演示）",
        sittings=[],
        filed_on=latest_filing_day(first) - datetime.timedelta(days=3),
        line=body.lines.get(offering__level=3),
        headcount=len(ENTRANTS),
        method=PlanMethod.COMPETITION,
        competition=contest,
        first_sitting_on=first,
        photos_waived=True,
    )
    competitions.promotion_enrol(actor=operator, plan=plan)
    scenarios.hold_and_publish(plan, operator, held_on=first)
    plan = scenarios.confirm_results(plan, operator, authority)
    signing.generate(bodies=[body])
    batch = issuance.issuance_request(
        actor=operator, plan=plan, idempotency_key=f"demo-{plan.pk}", issue_date=plan.results_confirmed_on
    )
    issuance.issue(batch.pk)
    promoted = sum(d.promoted for d in decisions)
    return [
        f"竞赛“{contest.name}”按规则评定：{promoted}人晋升，{len(decisions) - promoted}人不予晋升（附理由）",
        f"以赛促评计划“{plan.title}”已发证{batch.certificates.count()}本",
    ]


def seed_enterprise(people, today, filed_long_ago, draft) -> list[str]:
    """The enterprise filed (review dated ``filed_long_ago``), then its 直接认定 and 以赛促评."""
    from filing.demo import ORGS
    from filing.models import OccupationLevel, Organisation
    from filing.services import applications as svc
    from workflows import scenarios

    User = get_user_model()
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["applicant_sj", "ent_legalrep", "ent_operator", "municipal"]
        )
    }
    if len(users) < 4:
        return []
    shenjiang = Organisation.objects.get(name=ORGS[4].name)
    offerings = list(
        OccupationLevel.objects.filter(occupation__code="6-18-01-01", level__in=[4, 3, 2]).order_by("-level")
    )
    app = draft(
        users["applicant_sj"],
        users["ent_legalrep"],
        shenjiang,
        offerings,
        "申请备案为用人单位评价机构，开展职工自主评价（演示）",
    )
    svc.application_submit(actor=users["applicant_sj"], application=app)
    scenarios.review_to_publicity(app, people, decided_on=filed_long_ago)
    body = scenarios.end_publicity(app)
    done = [f"{app.number} 企业已备案为评价机构 {body.code}"]
    operator, authority = users["ent_operator"], users["municipal"]
    done.append(_staff(shenjiang, operator, today))
    _pool(body, operator, datetime.date(today.year + 3, 12, 31))
    done += _competition(body, operator, authority, today)
    done.append(_direct_recognition(body, operator, authority, today))
    return done
