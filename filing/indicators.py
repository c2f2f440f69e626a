"""The indicators of the annual task lists (年度任务清单) and of the city's dashboard: one registry.

An :class:`Indicator` has a stable ``code``, a label, a unit and either a ``compute`` function over the
register or none, in which case the college reports its value with evidence and the city confirms it.
A compute function takes a queryset of organisations and a year and answers ``{organisation id: value}``
in a fixed number of queries however many organisations there are (it filters by the queryset as a
subquery), so the dashboard stays constant in queries.

Other sub-domains add their own indicators from their ``AppConfig.ready`` (or at import) with
:func:`register`; an indicator registered as reported can later be given a compute function with
``register(..., replace=True)``, and every task list that names its code then reads the computed value.
The competition indicators are computed from the competition register (``filing.services.competitions``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from filing.models import Level

Compute = Callable[[QuerySet, int], dict[int, Decimal]]


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    compute: Compute | None = None
    help_text: str = ""
    #: Who the indicator is for: "college", "enterprise" or "" (every new-type college).
    applies_to: str = ""
    #: A count that grows through the year (certificates, trainees) rather than a rate (a share, a pass
    #: rate): only a count is expected pro rata of the elapsed year.
    cumulative: bool = True

    @property
    def reported(self) -> bool:
        """Reported by the college with evidence (nothing in the register to compute it from)."""
        return self.compute is None


REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator, *, replace: bool = False) -> Indicator:
    """Add an indicator to the registry (codes are unique; ``replace`` swaps an existing one)."""
    if indicator.code in REGISTRY and not replace:
        raise ValueError(f"indicator {indicator.code!r} is registered already")
    REGISTRY[indicator.code] = indicator
    return indicator


def get(code: str) -> Indicator | None:
    return REGISTRY.get(code)


def choices() -> list[tuple[str, str]]:
    return [(i.code, f"{i.label}（{i.unit}）") for i in REGISTRY.values()]


def computed(codes, organisations: QuerySet, year: int) -> dict[str, dict[int, Decimal]]:
    """Every computed indicator among ``codes`` for every organisation: one compute call per indicator."""
    out = {}
    for code in dict.fromkeys(codes):
        indicator = REGISTRY.get(code)
        if indicator is not None and indicator.compute is not None:
            out[code] = indicator.compute(organisations, year)
    return out


def quantize(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def share(part, whole) -> Decimal | None:
    """A percentage with one decimal, or None when the whole is zero."""
    return quantize(Decimal(100) * part / whole) if whole else None


def expected_share(year: int, today: datetime.date) -> Decimal:
    """How much of a year's target should be done by ``today``: the elapsed share of the year (0 before
    it starts, 1 once it has ended)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if today < start:
        return Decimal(0)
    if today >= end:
        return Decimal(1)
    return Decimal((today - start).days + 1) / Decimal((end - start).days + 1)


def behind(actual, target, year: int, today: datetime.date, *, cumulative: bool = True) -> bool:
    """The one rule for a late item: a count below the target pro rata of the elapsed year (below the whole
    target once the year has ended); a rate below its target once the year has started. Nothing is late
    without a target."""
    if target is None:
        return False
    actual = Decimal(actual or 0)
    if not cumulative:
        return expected_share(year, today) > 0 and actual < Decimal(target)
    return actual < Decimal(target) * expected_share(year, today)


# --- the indicators computed from the register --------------------------------------------------------------


def _by_org(rows, key="org") -> dict[int, Decimal]:
    return {row[key]: Decimal(row["n"]) for row in rows}


def _certificates(organisations: QuerySet, year: int, *, levels=None) -> dict[int, Decimal]:
    from filing import counting

    qs = counting.counted_certificates().filter(
        issue_date__year=year, body__organisation__in=organisations.values("pk")
    )
    if levels is not None:
        qs = qs.filter(level__in=levels)
    return _by_org(qs.values(org=F("body__organisation_id")).annotate(n=Count("pk")))


HIGH_LEVELS = (Level.LEVEL_3, Level.LEVEL_2, Level.LEVEL_1)


def certificates_total(organisations: QuerySet, year: int) -> dict[int, Decimal]:
    return _certificates(organisations, year)


def certificates_high(organisations: QuerySet, year: int) -> dict[int, Decimal]:
    return _certificates(organisations, year, levels=HIGH_LEVELS)


def high_level_share(organisations: QuerySet, year: int) -> dict[int, Decimal]:
    from filing import counting

    rows = (
        counting.counted_certificates()
        .filter(issue_date__year=year, body__organisation__in=organisations.values("pk"))
        .values(org=F("body__organisation_id"))
        .annotate(n=Count("pk"), high=Count("pk", filter=Q(level__in=HIGH_LEVELS)))
    )
    return {row["org"]: share(row["high"], row["n"]) for row in rows if row["n"]}


def _level_indicator(level: int) -> Compute:
    def compute(organisations: QuerySet, year: int) -> dict[int, Decimal]:
        return _certificates(organisations, year, levels=(level,))

    return compute


def major_coverage(organisations: QuerySet, year: int) -> dict[int, Decimal]:
    """Covered majors ÷ majors (%), as the coverage pages count them, on the last day of the year (today
    for the current year)."""
    from filing import coverage

    summaries = coverage.city_coverage(_reference_day(year), coverage.colleges().filter(pk__in=organisations))
    return {s.organisation.pk: share(s.covered_majors, s.majors) for s in summaries if s.majors}


def student_coverage(organisations: QuerySet, year: int) -> dict[int, Decimal]:
    from filing import coverage

    summaries = coverage.city_coverage(_reference_day(year), coverage.colleges().filter(pk__in=organisations))
    return {s.organisation.pk: share(s.covered_students, s.students) for s in summaries if s.students}


def _reference_day(year: int) -> datetime.date:
    from django.utils import timezone

    today = timezone.localdate()
    return today if today.year == year else datetime.date(year, 12, 31)


def pass_rate(organisations: QuerySet, year: int) -> dict[int, Decimal]:
    from filing import counting

    rows = (
        counting.decided_registrations()
        .filter(plan__body__organisation__in=organisations.values("pk"), plan__first_sitting_on__year=year)
        .values(org=F("plan__body__organisation_id"))
        .annotate(n=Count("pk"), passed=Count("pk", filter=Q(status__in=counting.PASSED)))
    )
    return {row["org"]: share(row["passed"], row["n"]) for row in rows}


def _training(field: str, *, kinds=None) -> Compute:
    def compute(organisations: QuerySet, year: int) -> dict[int, Decimal]:
        from filing.models import TrainingClass

        qs = TrainingClass.objects.filter(organisation__in=organisations.values("pk"), ends_on__year=year)
        if kinds:
            qs = qs.filter(kind__in=kinds)
        rows = qs.values(org=F("organisation_id")).annotate(n=Sum(field))
        return {row["org"]: Decimal(row["n"] or 0) for row in rows}

    return compute


def apprentices(organisations: QuerySet, year: int) -> dict[int, Decimal]:
    from filing.models import ApprenticeshipAgreement

    rows = (
        ApprenticeshipAgreement.objects.filter(
            organisation__in=organisations.values("pk"), signed_on__year=year
        )
        .values(org=F("organisation_id"))
        .annotate(n=Sum("apprentices"))
    )
    return {row["org"]: Decimal(row["n"] or 0) for row in rows}


def _competition_results(*, awarded: bool = False, promoted: bool = False) -> Compute:
    """Results of the competitions in a body's register (以赛促评) held in the year: entries, awards (a
    result with its 奖项), or promotions decided under the rule table."""

    def compute(organisations: QuerySet, year: int) -> dict[int, Decimal]:
        from filing.models import CompetitionResult

        qs = CompetitionResult.objects.filter(
            competition__body__organisation__in=organisations.values("pk"), competition__held_on__year=year
        )
        if awarded:
            qs = qs.exclude(award="")
        if promoted:
            qs = qs.filter(decision__promoted=True)
        rows = qs.values(org=F("competition__body__organisation_id")).annotate(n=Count("pk"))
        return {row["org"]: Decimal(row["n"]) for row in rows}

    return compute


UNIT_CERTS, UNIT_PERCENT, UNIT_PEOPLE, UNIT_HOURS, UNIT_ITEMS = (
    _("本"),
    _("%"),
    _("人次"),
    _("课时"),
    _("项"),
)

for _indicator in (
    Indicator("certificates", _("本机构发放证书"), UNIT_CERTS, certificates_total),
    Indicator("certificates_high", _("高级工及以上证书"), UNIT_CERTS, certificates_high),
    Indicator("high_level_share", _("高级工及以上占比"), UNIT_PERCENT, high_level_share, cumulative=False),
    *(
        Indicator(f"certificates_level_{level.value}", level.label, UNIT_CERTS, _level_indicator(level))
        for level in Level
    ),
    Indicator(
        "major_coverage",
        _("专业覆盖率"),
        UNIT_PERCENT,
        major_coverage,
        applies_to="college",
        cumulative=False,
    ),
    Indicator(
        "student_coverage",
        _("毕业学年学生覆盖率"),
        UNIT_PERCENT,
        student_coverage,
        applies_to="college",
        cumulative=False,
    ),
    Indicator("pass_rate", _("认定合格率"), UNIT_PERCENT, pass_rate, cumulative=False),
    Indicator("training_trainees", _("社会化培训人次"), UNIT_PEOPLE, _training("trainees")),
    Indicator("training_completed", _("培训结业人次"), UNIT_PEOPLE, _training("completed")),
    Indicator("training_hours", _("培训课时"), UNIT_HOURS, _training("hours")),
    Indicator("apprentices", _("新型学徒制学徒"), UNIT_PEOPLE, apprentices),
    # From the competition register (以赛促评): never typed twice.
    Indicator("competition_entries", _("参加职业技能竞赛人次"), UNIT_PEOPLE, _competition_results()),
    Indicator("competition_awards", _("竞赛获奖"), UNIT_ITEMS, _competition_results(awarded=True)),
    Indicator(
        "competition_promotions", _("以赛促评晋升人数"), UNIT_PEOPLE, _competition_results(promoted=True)
    ),
    Indicator("master_studios", _("技能大师工作室"), UNIT_ITEMS, help_text=_("国家级、市级技能大师工作室")),
):
    register(_indicator)
