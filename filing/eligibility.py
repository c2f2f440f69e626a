"""The eligibility engine: each rule is a function over (plan, candidate facts) returning a check with
the rule's name, whether it passed and why. The rule parameters are data (``EligibilityRule`` per
occupation, a default row otherwise); every decision keeps the list of checks it was made from."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from filing import methods
from filing.models import (
    EligibilityRule,
    EvaluationPlan,
    Major,
    MajorRelation,
    Organisation,
    PartnerAgreement,
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
        age = (
            on.year
            - facts.birth_date.year
            - ((on.month, on.day) < (facts.birth_date.month, facts.birth_date.day))
        )
        ok = age >= rule.min_age and (rule.max_age is None or age <= rule.max_age)
        checks.append(
            _check("age", ok, _("考核时年满%(age)d周岁（要求≥%(min)d）") % {"age": age, "min": rule.min_age})
        )
    return checks


def summarise(checks: list[dict]) -> tuple[bool, str]:
    failed = [c["detail"] for c in checks if not c["passed"]]
    return (not failed, "；".join(failed))
