"""What each 认定方式 (``PlanMethod``) means, in one table: who may use it, for which levels, which parts
are assessed, and how its people come into the plan. Plan creation, the roster, the parts a result needs
and the eligibility engine ask this module; none of them tests a method by name.

- 考核评价: the school's or enterprise's examination (the roster; the offering's parts).
- 直接认定 (DOMAIN.md §8): 高级工 and above, by an enterprise, for outstanding front-line workers added one by
  one with their evidence; the experts' 综合评审 of that evidence is the only part; the notice removes every
  limit of education, seniority, age and quota, so no eligibility rule applies.
- 以赛促评: the winners a competition's promotion decisions promote to the plan's level (``promotions``);
  the competition was the assessment, so there is no part to score.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from filing.models import AssessmentPart, EvaluationBody, EvaluationPlan, OrganisationKind, PlanMethod


@dataclass(frozen=True)
class Method:
    code: str
    #: Organisation kinds whose bodies may file a plan of this method (None: any).
    body_kinds: tuple[str, ...] | None
    #: The lowest level (highest number) the method may certify (None: any filed level).
    lowest_level: int | None
    #: How people come in: "roster" (file import), "evidence" (one by one with evidence), "promotion".
    intake: str
    #: The parts a result needs (None: the offering's own parts).
    parts: tuple[str, ...] | None
    #: Whether the eligibility rules (EligibilityRule, 申报条件) apply.
    eligibility_rules: bool


METHODS = {
    PlanMethod.EXAM: Method(PlanMethod.EXAM, None, None, "roster", None, True),
    PlanMethod.DIRECT: Method(
        PlanMethod.DIRECT, (OrganisationKind.ENTERPRISE,), 3, "evidence", (AssessmentPart.REVIEW,), False
    ),
    PlanMethod.COMPETITION: Method(PlanMethod.COMPETITION, None, None, "promotion", (), False),
}


def method_of(plan: EvaluationPlan) -> Method:
    return METHODS[plan.method]


def parts(plan: EvaluationPlan) -> list[str]:
    method = method_of(plan)
    return list(plan.line.offering.parts or []) if method.parts is None else list(method.parts)


def problems(method_code: str, body: EvaluationBody, offering, competition=None) -> dict[str, list[str]]:
    """Why a plan of this method cannot be made for this body and (occupation, level) offering
    (field → messages)."""
    from filing.models import CompetitionStatus

    method = METHODS.get(method_code)
    if method is None:
        return {"method": [_("请选择认定方式。")]}
    errors: dict[str, list[str]] = {}
    if method.body_kinds is not None and body.organisation.kind not in method.body_kinds:
        errors["method"] = [_("只有企业评价机构可以直接认定。")]
    if method.lowest_level is not None and offering.level > method.lowest_level:
        errors.setdefault("line", []).append(_("直接认定仅适用于三级/高级工及以上等级。"))
    if method.intake == "promotion":
        if competition is None:
            errors["competition"] = [_("以赛促评计划须选择已评定晋升的竞赛。")]
        elif competition.body_id != body.pk:
            errors["competition"] = [_("只能选择本机构登记的竞赛。")]
        elif competition.status != CompetitionStatus.DECIDED:
            errors["competition"] = [_("该竞赛尚未评定晋升。")]
        elif competition.occupation_id != offering.occupation_id:
            errors["competition"] = [_("竞赛职业与备案项目的职业不一致。")]
    elif competition is not None:
        errors["competition"] = [_("只有以赛促评计划关联竞赛。")]
    return errors


def takes_roster(plan: EvaluationPlan) -> bool:
    return method_of(plan).intake == "roster"


def takes_evidence(plan: EvaluationPlan) -> bool:
    return method_of(plan).intake == "evidence"


def takes_promotions(plan: EvaluationPlan) -> bool:
    return method_of(plan).intake == "promotion"


def intake_refusal(plan: EvaluationPlan, intake: str) -> str | None:
    """The message for a way in the plan's method does not take (None when it does)."""
    if method_of(plan).intake == intake:
        return None
    return {
        "roster": _("%(method)s计划不导入名册。"),
        "evidence": _("只有直接认定计划逐人添加认定对象。"),
        "promotion": _("只有以赛促评计划从竞赛晋升名单纳入人员。"),
    }[intake] % {"method": plan.get_method_display()}
