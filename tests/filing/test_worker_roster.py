"""The roster of an enterprise body's plan (企业自主评价): worker rows (工号, 技能岗位, years in the
occupation, the current certificate) validated like the student columns; a current certificate whose number
is ours is checked against the register (valid, same person, same occupation and level) and linked, another
is kept as declared; each worker's 申报条件 (data per occupation and level, any alternative) and register
check are recorded in the registration's eligibility; partner schools' students in the same file keep
working."""

import csv
import datetime
import io
import uuid
from decimal import Decimal

import pytest

from filing import pii
from filing.models import (
    Certificate,
    EvaluationPlan,
    Level,
    Occupation,
    PlanStatus,
    Registration,
    StaffMember,
    WorkerCondition,
)
from filing.services import roster as roster_svc
from tests import factories

pytestmark = pytest.mark.django_db
SITTING = datetime.date(2026, 9, 1)
HEADER = [
    "姓名",
    "证件号码",
    "工号",
    "是否技能岗位",
    "从事本职业年限",
    "学历",
    "现持证书编号",
    "现持证书等级",
    "现持证书职业",
    "专业代码",
    "预计毕业时间",
    "是否全日制",
    "就读院校统一社会信用代码",
]


def person(n):
    return factories.citizen_id(n, birth="19880808", area="310115")


def worker(n, years="5", education="", cert=("", "", ""), skilled="是", number=None):
    return [f"职工{n}", person(n), number or f"E{n:03d}", skilled, years, education, *cert, "", "", "", ""]


def file(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def setting(roles):
    org = factories.organisation(kind="enterprise", name="上海精密机床有限公司", new_type=False, batch=None)
    body = factories.filed_body(org, levels=(4, 3))
    operator = factories.user("ent_roster_op", role="body_operator", organisation=org)
    plan = EvaluationPlan.objects.create(
        body=body,
        line=body.lines.get(offering__level=4),
        title="2026年数控车工四级职工自主评价",
        expected_headcount=10,
        first_sitting_on=SITTING,
        created_by=operator,
        status=PlanStatus.REGISTRATION_OPEN,
    )
    lathe = Occupation.objects.get(code="6-18-01-01")
    for n in range(1, 9):
        number = person(n)
        StaffMember.objects.create(
            organisation=org,
            employee_number=f"E{n:03d}",
            name=f"职工{n}",
            document_type="citizen_id",
            document_encrypted=pii.encrypt(number),
            document_index=pii.index("citizen_id", number),
            document_masked=pii.mask(number),
            department="机加工",
            post="数控车工",
            skilled_post=True,
            occupation=lathe,
            hired_on=datetime.date(2015, 3, 1),
            left_on=datetime.date(2026, 1, 31) if n == 8 else None,
        )
    return org, body, plan, operator, lathe


def our_certificate(body, n, level, issued, lathe, status="valid"):
    """A certificate of our register for person n (registered in an older plan of the body)."""
    old_plan, _op = factories.plan_with_results(body, passed=0, level=3, photos=False)
    from filing.models import Candidate

    number = person(n)
    candidate, _ = Candidate.objects.get_or_create(
        document_index=pii.index("citizen_id", number),
        defaults={
            "name": f"职工{n}",
            "document_type": "citizen_id",
            "document_encrypted": pii.encrypt(number),
            "document_masked": pii.mask(number),
        },
    )
    registration = Registration.objects.create(
        plan=old_plan, candidate=candidate, school=body.organisation, status="certified"
    )
    certificate = Certificate.objects.create(
        number=f"Y00003100000124{level}{n:06d}",
        registration=registration,
        body=body,
        holder_name=candidate.name,
        document_type="citizen_id",
        document_masked=candidate.document_masked,
        document_index=candidate.document_index,
        occupation_code=lathe.code,
        occupation_name=lathe.name,
        level=level,
        level_label=str(Level(level).label),
        body_name=body.name,
        issue_date=issued,
        verification_token=uuid.uuid4().hex,
    )
    if status != "valid":
        Certificate.objects.filter(pk=certificate.pk).update(status=status, revoked_on=issued)
    return certificate


def checks_of(plan, employee_number):
    registration = plan.registrations.get(employee_number=employee_number)
    return registration, {c["rule"]: c for c in registration.eligibility}


def test_worker_rows_are_registered_with_their_checks(setting):
    org, body, plan, operator, lathe = setting
    ours = our_certificate(body, 2, 5, datetime.date(2024, 3, 1), lathe)
    rows = [
        worker(1, years="4"),  # 累计从事本职业4年以上
        worker(2, years="3", cert=(ours.number, "五级", "车工")),  # 五级 + 2 years after it (ours: 2.5 years)
        worker(3, years="3", cert=("S000031000009245000001", "5", "6-18-01-01")),  # declared elsewhere
        worker(4, years="1"),  # fails every alternative
        worker(5, years="0", education="技工院校"),  # 技工院校本专业毕业
        worker(6, years="9", number="E999"),  # not on the register
        worker(8, years="9"),  # left in January
    ]
    record = roster_svc.roster_import(actor=operator, plan=plan, file_name="职工.csv", data=file(rows))
    assert record.outcome == "accepted", record.report
    outcome = {r.employee_number: r.status for r in plan.registrations.all()}
    assert outcome == {
        "E001": "eligible",
        "E002": "eligible",
        "E003": "eligible",
        "E004": "ineligible",
        "E005": "eligible",
        "E999": "ineligible",
        "E008": "ineligible",
    }
    registration, checks = checks_of(plan, "E002")
    assert registration.current_certificate == ours and registration.skilled_post is True
    assert registration.years_in_occupation == Decimal("3.0") and registration.expected_graduation is None
    assert checks["worker_condition"]["passed"] and checks["staff_register"]["passed"]
    assert "五级" in checks["worker_condition"]["detail"]
    declared, _ = checks_of(plan, "E003")
    assert declared.current_certificate is None and declared.current_certificate_level == 5
    failed, checks = checks_of(plan, "E004")
    alternatives = checks["worker_condition"]["alternatives"]
    assert len(alternatives) == 3 and not any(a["passed"] for a in alternatives)
    assert "任一申报条件" in failed.ineligible_reason
    assert "不在本企业职工名册" in plan.registrations.get(employee_number="E999").ineligible_reason
    assert "不在职" in plan.registrations.get(employee_number="E008").ineligible_reason


def test_the_years_after_our_certificate_are_counted_from_its_issue(setting):
    org, body, plan, operator, lathe = setting
    recent = our_certificate(body, 2, 5, datetime.date(2025, 12, 1), lathe)  # 0.7 years before the sitting
    rows = [worker(2, years="3", cert=(recent.number, "五级", "车工"))]
    roster_svc.roster_import(actor=operator, plan=plan, file_name="职工.csv", data=file(rows))
    registration, checks = checks_of(plan, "E002")
    assert registration.status == "ineligible"
    assert "0.7" in checks["worker_condition"]["alternatives"][0]["detail"]


def test_the_condition_table_changes_the_outcome_without_code(setting):
    org, body, plan, operator, lathe = setting
    WorkerCondition.objects.create(
        occupation=lathe, level=4, position=1, years=Decimal("10"), description="累计从事本职业10年以上"
    )
    rows = [worker(1, years="5")]
    roster_svc.roster_import(actor=operator, plan=plan, file_name="职工.csv", data=file(rows))
    registration, checks = checks_of(plan, "E001")
    assert registration.status == "ineligible"
    assert [a["condition"] for a in checks["worker_condition"]["alternatives"]] == ["累计从事本职业10年以上"]


def test_bad_worker_cells_and_certificates_reject_the_file(setting):
    org, body, plan, operator, lathe = setting
    someone_else = our_certificate(body, 7, 5, datetime.date(2023, 1, 1), lathe)
    revoked = our_certificate(body, 2, 5, datetime.date(2023, 1, 1), lathe, status="revoked")
    other_level = our_certificate(body, 3, 4, datetime.date(2023, 1, 1), lathe)
    rows = [
        worker(1, skilled="也许"),
        worker(2, cert=(revoked.number, "五级", "车工")),
        worker(3, cert=(other_level.number, "五级", "车工")),
        worker(4, cert=(someone_else.number, "五级", "车工")),
        worker(5, years="七十"),
        worker(6, cert=("S000031000009245000001", "", "")),
        worker(1, education="私塾", number="E010"),
    ]
    record = roster_svc.roster_import(actor=operator, plan=plan, file_name="职工.csv", data=file(rows))
    assert record.outcome == "rejected"
    got = {(e["row"], e["column"]) for e in record.report}
    assert {
        (2, "是否技能岗位"),
        (3, "现持证书编号"),
        (4, "现持证书编号"),
        (5, "现持证书编号"),
        (6, "从事本职业年限"),
        (7, "现持证书等级"),
        (7, "现持证书职业"),
        (8, "学历"),
        (8, "证件号码"),  # the same person twice
    } <= got
    reasons = {(e["row"]): e["reason"] for e in record.report if e["column"] == "现持证书编号"}
    assert "已撤销" in reasons[3] and "四级" in reasons[4] and "不属于本行人员" in reasons[5]
    assert "职工7" not in str(record.report)
    assert plan.registrations.count() == 0


def test_partner_school_students_in_an_enterprise_plan_keep_working(setting):
    org, body, plan, operator, lathe = setting
    school = factories.organisation()
    major = factories.major(school, code="660103")
    student = ["学生1", factories.citizen_id(5, birth="20050612"), "", "", "", "", "", "", "", major.code]
    student += ["2027-06-30", "是", school.uscc]
    record = roster_svc.roster_import(
        actor=operator, plan=plan, file_name="混合.csv", data=file([worker(1), student])
    )
    assert record.outcome == "accepted", record.report
    registration = plan.registrations.get(employee_number="")
    assert registration.school == school and registration.expected_graduation == datetime.date(2027, 6, 30)
    assert "partner_agreement" in {c["rule"] for c in registration.eligibility}


def test_a_school_plan_still_needs_its_columns(roles):
    college = factories.organisation()
    factories.major(college, code="660103")
    body = factories.filed_body(college, levels=(4,))
    operator = factories.user("school_roster_op", role="body_operator", organisation=college)
    plan = EvaluationPlan.objects.create(
        body=body,
        line=body.lines.get(),
        title="学生计划",
        expected_headcount=1,
        first_sitting_on=SITTING,
        created_by=operator,
        status=PlanStatus.REGISTRATION_OPEN,
    )
    only_workers = file([worker(1)]).decode().replace(",专业代码,预计毕业时间,是否全日制", ",a,b,c").encode()
    record = roster_svc.roster_import(actor=operator, plan=plan, file_name="x.csv", data=only_workers)
    assert record.outcome == "rejected" and {e["column"] for e in record.report} >= {
        "预计毕业时间",
        "是否全日制",
    }
