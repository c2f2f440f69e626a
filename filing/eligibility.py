"""The eligibility engine: each rule is a function over (plan, candidate facts) returning a check with
the rule's name, whether it passed and why. The rule parameters are data (``EligibilityRule`` per
occupation, a default row otherwise); every decision keeps the list of checks it was made from."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from filing import methods
from filing.models import (
    EligibilityRule,
    EvaluationPlan,
    Level,
    Major,
    MajorRelation,
    Occupation,
    Organisation,
    PartnerAgreement,
    StaffMember,
    WorkerCondition,
)


@dataclass(frozen=True)
class Facts:
    school: Organisation
    major: Major | None
    expected_graduation: datetime.date | None
    full_time: bool
    birth_date: datetime.date | None


def rule_for(plan: EvaluationPlan) -> EligibilityRule:
    occupation = plan.line.offering.occupation
    return (
        EligibilityRule.objects.filter(occupation=occupation).first()
        or EligibilityRule.objects.filter(occupation__isnull=True).first()
        or EligibilityRule()
    )


def academic_year_end(day: datetime.date) -> datetime.date:
    """毕业学年: the academic year runs September to August."""
    return datetime.date(day.year + (1 if day.month >= 9 else 0), 8, 31)


def _check(rule: str, passed: bool, detail: str) -> dict:
    return {"rule": rule, "passed": bool(passed), "detail": detail}


def _memo(memo: dict | None, key: tuple, compute):
    """Look-ups that are the same for many rows of one roster (a major's relations, a school's agreement)."""
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def evaluate(
    plan: EvaluationPlan,
    facts: Facts,
    rule: EligibilityRule | None = None,
    on=None,
    memo: dict | None = None,
) -> list[dict]:
    """The checks for one candidate. Pass the same ``memo`` dict for every row of one roster: the database
    look-ups are then made once per major and per school instead of once per row."""
    if not methods.method_of(plan).eligibility_rules:
        return [
            _check(
                "no_limits",
                True,
                _("%(method)s：不设学历、资历、年龄和比例限制") % {"method": plan.get_method_display()},
            )
        ]
    rule = rule or rule_for(plan)
    on = on or plan.first_sitting_on
    offering = plan.line.offering
    checks = []
    if rule.require_graduating_year:
        end = academic_year_end(on)
        start = datetime.date(end.year - 1, 9, 1)
        checks.append(
            _check(
                "graduating_year",
                facts.expected_graduation is not None and start <= facts.expected_graduation <= end,
                _("预计毕业时间%(graduation)s，考核所在学年为%(start)s至%(end)s")
                % {"graduation": facts.expected_graduation, "start": start, "end": end},
            )
        )
    if rule.require_full_time:
        checks.append(
            _check("full_time", facts.full_time, _("全日制在校生") if facts.full_time else _("非全日制"))
        )
    if facts.major is None:
        checks.append(_check("major_relation", False, _("名册中的专业代码不是该校专业")))
    else:
        relations = _memo(
            memo,
            ("relations", facts.major.pk, offering.occupation_id),
            lambda: set(
                facts.major.occupation_links.filter(occupation=offering.occupation).values_list(
                    "relation", flat=True
                )
            ),
        )
        allowed = {MajorRelation.SAME} | ({MajorRelation.RELATED} if rule.allow_related_major else set())
        checks.append(
            _check(
                "major_relation",
                bool(relations & allowed),
                (
                    _("专业“%(major)s”与职业“%(occupation)s”对应")
                    if relations & allowed
                    else _("专业“%(major)s”与职业“%(occupation)s”无对应关系")
                )
                % {"major": facts.major.name, "occupation": offering.occupation.name},
            )
        )
    body_org = plan.body.organisation
    if body_org.is_school:
        cap = settings.FILING["SCHOOL_LEVEL_CAP"]
        checks.append(
            _check("level_cap", offering.level >= cap, _("院校评价机构最高可认定%(cap)d级") % {"cap": cap})
        )
    if facts.school.pk != body_org.pk:
        agreement = _memo(
            memo,
            ("agreement", facts.school.pk, on),
            lambda: (
                PartnerAgreement.objects.in_force(on)
                .filter(school=facts.school, partner=plan.body, offerings=offering)
                .first()
            ),
        )
        checks.append(
            _check(
                "partner_agreement",
                agreement is not None,
                _("合作协议%(number)s有效") % {"number": agreement.agreement_no}
                if agreement
                else _("外校学生须有覆盖该职业等级的有效合作协议"),
            )
        )
    if facts.birth_date is not None:
        checks.append(_age_check(rule, facts.birth_date, on))
    return checks


def _age_check(rule: EligibilityRule, birth: datetime.date, on: datetime.date) -> dict:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    ok = age >= rule.min_age and (rule.max_age is None or age <= rule.max_age)
    return _check("age", ok, _("考核时年满%(age)d周岁（要求≥%(min)d）") % {"age": age, "min": rule.min_age})


# --- workers of an enterprise body (企业自主评价, DOMAIN.md §8) ---------------------------------------


@dataclass(frozen=True)
class WorkerFacts:
    """What a worker row of an enterprise body's roster says (and our register adds: the issue date of a
    current certificate that is ours)."""

    employee_number: str
    document_index: str
    years: Decimal | None
    education: str
    certificate_level: int | None
    certificate_occupation_id: int | None
    certificate_occupation: str
    certificate_issued: datetime.date | None
    birth_date: datetime.date | None


def worker_facts(worker: dict, document_index: str, birth_date: datetime.date | None) -> WorkerFacts:
    """The facts of a cleaned worker row (``filing.services.roster``)."""
    certificate = worker.get("certificate")
    return WorkerFacts(
        employee_number=worker["employee_number"],
        document_index=document_index,
        years=worker["years"],
        education=worker["education"],
        certificate_level=worker["certificate_level"],
        certificate_occupation_id=worker["certificate_occupation_id"],
        certificate_occupation=certificate.occupation_code
        if certificate
        else worker["certificate_occupation"],
        certificate_issued=certificate.issue_date if certificate else None,
        birth_date=birth_date,
    )


def conditions_for(occupation_id: int, level: int) -> list[WorkerCondition]:
    """The 申报条件 of an occupation and level: its own rows, else the default rows (no occupation)."""
    own = list(WorkerCondition.objects.filter(occupation_id=occupation_id, level=level))
    return own or list(WorkerCondition.objects.filter(occupation__isnull=True, level=level))


def _years_between(start: datetime.date, end: datetime.date) -> Decimal:
    return (Decimal((end - start).days) / Decimal("365.25")).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def _alternative(condition: WorkerCondition, facts: WorkerFacts, occupation: Occupation, on) -> dict:
    """One alternative of the 申报条件: every requirement it names, each with what the row showed."""
    parts: list[tuple[bool, str]] = []
    years = facts.years
    if condition.prior_level is not None:
        same_occupation = (
            facts.certificate_occupation_id == occupation.pk
            or facts.certificate_occupation
            in (
                occupation.code,
                occupation.name,
            )
        )
        level_ok = facts.certificate_level is not None and facts.certificate_level <= condition.prior_level
        parts.append(
            (
                same_occupation and level_ok,
                _("须持本职业%(level)s或以上证书") % {"level": Level(condition.prior_level).label},
            )
        )
        if facts.certificate_issued and years is not None:
            # Years after the certificate: no more than the time since it was issued (our register knows).
            years = min(years, _years_between(facts.certificate_issued, on))
    if condition.years is not None:
        parts.append(
            (
                years is not None and years >= condition.years,
                _("从事本职业%(years)s年（要求%(need)s年以上）") % {"years": years, "need": condition.years},
            )
        )
    if condition.education:
        parts.append((facts.education in condition.education, _("学历符合")))
    return {
        "condition": condition.description,
        "passed": all(ok for ok, _text in parts),
        "detail": "；".join(f"{'✓' if ok else '✗'}{text}" for ok, text in parts),
    }


def _staff_check(plan: EvaluationPlan, facts: WorkerFacts, on, memo: dict | None) -> dict:
    organisation_id = plan.body.organisation_id
    register = _memo(
        memo,
        ("staff", organisation_id),
        lambda: {s.employee_number: s for s in StaffMember.objects.filter(organisation_id=organisation_id)},
    )
    member = register.get(facts.employee_number)
    if member is None or member.document_index != facts.document_index:
        return _check(
            "staff_register", False, _("工号%(n)s不在本企业职工名册中") % {"n": facts.employee_number}
        )
    if not member.employed_on(on):
        return _check("staff_register", False, _("考核时（%(on)s）不在职") % {"on": on})
    return _check("staff_register", True, _("本企业在职职工（工号%(n)s）") % {"n": facts.employee_number})


def evaluate_worker(
    plan: EvaluationPlan,
    facts: WorkerFacts,
    rule: EligibilityRule | None = None,
    on=None,
    memo: dict | None = None,
) -> list[dict]:
    """The checks for one worker of an enterprise body's plan: on the enterprise's staff register and in
    post on the first sitting day; the 申报条件 of the occupation and level (any one alternative, each
    alternative's outcome kept in the check); the age rule as for everyone."""
    rule = rule or rule_for(plan)
    on = on or plan.first_sitting_on
    offering = plan.line.offering
    checks = [_staff_check(plan, facts, on, memo)]
    conditions = _memo(
        memo,
        ("conditions", offering.occupation_id, offering.level),
        lambda: conditions_for(offering.occupation_id, offering.level),
    )
    alternatives = [_alternative(c, facts, offering.occupation, on) for c in conditions]
    met = [a for a in alternatives if a["passed"]]
    if met:
        detail = _("符合申报条件：%(condition)s") % {"condition": met[0]["condition"]}
    elif alternatives:
        detail = _("不符合%(level)s的任一申报条件") % {"level": Level(offering.level).label}
    else:
        detail = _("未设置%(level)s的申报条件") % {"level": Level(offering.level).label}
    check = _check("worker_condition", bool(met), detail)
    check["alternatives"] = alternatives
    checks.append(check)
    if facts.birth_date is not None:
        checks.append(_age_check(rule, facts.birth_date, on))
    return checks


def summarise(checks: list[dict]) -> tuple[bool, str]:
    failed = [c["detail"] for c in checks if not c["passed"]]
    return (not failed, "；".join(failed))
