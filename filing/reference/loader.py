"""Idempotent loaders for the shipped reference data. They take the model classes as arguments so that the
data migration can pass its historical models and ``load_reference`` the current ones.

Sources: districts — GB/T 2260 codes of Shanghai's 16 districts (国家统计局 / 民政部 行政区划代码);
occupations — ``occupations.json``, each entry naming where its 2022 大典 code was found (see README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

THEORY, SKILL, REVIEW = "theory", "skill", "review"


def parts_for(level: int) -> list[str]:
    """Levels 5–3: theory + skill; levels 2–1 add the comprehensive review (DOMAIN.md §4)."""
    return [THEORY, SKILL, REVIEW] if level <= 2 else [THEORY, SKILL]


def load_districts(District) -> int:
    rows = json.loads((HERE / "districts.json").read_text(encoding="utf-8"))
    for row in rows:
        District.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "bureau_name": f"{row['name']}人力资源和社会保障局"},
        )
    return len(rows)


def load_occupations(Occupation, WorkType, OccupationLevel) -> int:
    path = HERE / "occupations.json"
    if not path.exists():
        return 0
    rows = json.loads(path.read_text(encoding="utf-8"))
    for row in rows:
        occupation, _ = Occupation.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "standard": row.get("standard", "")[:120],
                "source": row.get("source", "")[:300],
            },
        )
        work_types = row.get("work_types") or []
        if work_types:
            for wt in work_types:
                work_type, _ = WorkType.objects.get_or_create(occupation=occupation, name=wt["name"])
                for level in wt.get("levels") or row.get("levels") or []:
                    OccupationLevel.objects.get_or_create(
                        occupation=occupation,
                        work_type=work_type,
                        level=level,
                        defaults={"parts": wt.get("parts") or parts_for(level)},
                    )
        else:
            for level in row.get("levels") or []:
                OccupationLevel.objects.get_or_create(
                    occupation=occupation,
                    work_type=None,
                    level=level,
                    defaults={"parts": row.get("parts") or parts_for(level)},
                )
    return len(rows)


STAFFING_BASIS = (
    "职业技能等级认定工作规程：监考人员与考生配比不低于1:15且每考场不少于2名；技能考评人员与考生配比不低于1:5"
    "且不少于3人（单数）；综合评审委员不少于3人（单数）；每场考核配备督导员"
)
STAFFING_RULES = [
    ("theory", "invigilator", 15, 2, False),
    ("theory", "supervisor", None, 1, False),
    ("skill", "skill_evaluator", 5, 3, True),
    ("skill", "supervisor", None, 1, False),
    ("review", "review_panel", None, 3, True),
    ("review", "supervisor", None, 1, False),
]


def load_evaluation_defaults(StaffingRule, EligibilityRule) -> None:
    """Staffing ratios (DOMAIN.md §4) and the default eligibility rule, as editable data."""
    for part, role, per, minimum, odd in STAFFING_RULES:
        StaffingRule.objects.update_or_create(
            part=part,
            role=role,
            defaults={"candidates_per_person": per, "minimum": minimum, "odd": odd, "basis": STAFFING_BASIS},
        )
    if not EligibilityRule.objects.filter(occupation__isnull=True).exists():
        EligibilityRule.objects.create(
            occupation=None,
            min_age=16,
            require_full_time=True,
            require_graduating_year=True,
            allow_related_major=True,
            basis="沪人社职〔2023〕127号：面向本校相关专业毕业学年学生开展认定",
        )


#: The published 以赛促评 promotion rules the system starts with (after the Tianjin rules quoted in
#: DOMAIN.md §8): (competition level, 前N名, 前N%, highest level, level without a certificate). The city
#: edits them as data; loading never overwrites an existing row.
PROMOTION_RULES = [
    ("national", 20, None, 1, 3),
    ("city_1", 10, None, 2, 3),
    ("city_2", 6, None, 2, 4),
    ("district", 6, None, 3, 4),
    ("enterprise", None, 30, 3, 5),
]


def load_promotion_rules(PromotionRule) -> None:
    for level, top, percent, highest, without in PROMOTION_RULES:
        PromotionRule.objects.get_or_create(
            competition_level=level,
            defaults={
                "top_ranks": top,
                "top_percent": percent,
                "steps": 1,
                "highest_level": highest,
                "level_without_certificate": without,
                "per_person_per_year": 1,
                "basis": "以赛促评晋升规则（参照天津市办法，可调整）",
            },
        )
