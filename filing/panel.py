"""会签 / 或签 / 票签: when an expert panel has scored enough — the completion rule as data per application
kind (``FILING["PANEL_RULES"]``, env ``FILING_PANEL_RULES`` as JSON), and the sentence that says which rule
decided. One place: the scoring service asks it, the decision page and the flow's join read its answer.

- ``{"rule": "all"}`` (会签, the default): every seated expert scores.
- ``{"rule": "any", "k": 3}`` (或签): any ``k`` of the seated experts (all of them if fewer are seated).
- ``{"rule": "majority", "quorum": 3}`` (票签): more than half of the seated experts, and at least ``quorum``.

Seated experts are the panel's assignments that were not recused (a recused seat's replacement counts).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from filing.models import ExpertAssignment, FilingApplication

RULES = ("all", "any", "majority")


@dataclass(frozen=True)
class PanelOutcome:
    complete: bool
    rule: str
    explanation: str


def rule_for(kind: str) -> dict:
    rule = (settings.FILING.get("PANEL_RULES") or {}).get(kind) or {}
    return rule if rule.get("rule") in RULES else {"rule": "all"}


def outcome(application: FilingApplication) -> PanelOutcome:
    seats = application.experts.exclude(state=ExpertAssignment.State.CONFLICT)
    seated = seats.count()
    scored = seats.filter(state=ExpertAssignment.State.SCORED).count()
    rule = rule_for(application.kind)
    values = {"n": seated, "m": scored}
    if rule["rule"] == "any":
        k = max(1, min(int(rule.get("k", seated)), seated))
        values["k"] = k
        done = scored >= k
        text = _("或签：%(n)d名专家中任意%(k)d名评分即可，已有%(m)d名评分") % values
    elif rule["rule"] == "majority":
        quorum = max(1, int(rule.get("quorum", 1)))
        values["q"] = quorum
        done = scored >= quorum and scored * 2 > seated
        text = _("票签：%(n)d名专家中过半数且不少于%(q)d名评分即可，已有%(m)d名评分") % values
    else:
        done = seated > 0 and scored == seated
        text = _("会签：%(n)d名专家须全部评分，已有%(m)d名评分") % values
    return PanelOutcome(done, rule["rule"], text)
