"""以赛促评 (DOMAIN.md §8): a body's competition register, the results imported from a file (all or
nothing, with the roster's reader and its per-row report), the promotion decision of every result under the
rule table (``PromotionRule``: data, so editing a row changes the next decision), and the enrolment of the
promoted people into a 以赛促评 plan of their new level, which then goes through results publicity, the
authority's audit and issuance like every plan.

A decision records each check it was made from (rank against the rule, the level the person holds in our
register, the per-person yearly limit) and its reason; a refusal names the rule that refused it."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import methods, pii
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    Candidate,
    Certificate,
    CertificateStatus,
    Competition,
    CompetitionLevel,
    CompetitionResult,
    CompetitionStatus,
    EvaluationBody,
    EvaluationPlan,
    FiledLineStatus,
    Level,
    Occupation,
    OccupationLevel,
    PlanStatus,
    PromotionDecision,
    PromotionRule,
    Registration,
)
from filing.roster import (
    FILE_COLUMN,
    RosterFileError,
    RowError,
    Schema,
    clean_text,
    formula_cells,
    read_table,
)
from filing.services.common import lock_plan, parse_day, require_operator, require_status
from filing.services.roster import duplicates_elsewhere, once_per_file, read_identity, same_name
from filing.services.roster_cells import birth_date
from filing.services.supervision import text
from filing.standing import Activity, ensure_standing

C = CompetitionStatus
RESULT_COLUMNS = {
    "name": "姓名",
    "document_type": "证件类型",
    "document_number": "证件号码",
    "rank": "名次",
    "award": "奖项",
    "employee_number": "工号",
}
RESULTS = Schema(
    RESULT_COLUMNS,
    {label: key for key, label in RESULT_COLUMNS.items()}
    | {
        "选手姓名": "name",
        "身份证号": "document_number",
        "身份证号码": "document_number",
        "证件号": "document_number",
        "排名": "rank",
        "获奖名次": "rank",
        "获奖等级": "award",
        "奖项等级": "award",
    },
    lambda keys: [RESULT_COLUMNS[k] for k in ("name", "document_number", "rank") if k not in keys],
)


def _require_operator(actor, competition: Competition, action: str) -> None:
    require_operator(actor, competition.body, action)


def _lock(competition: Competition) -> Competition:
    return (
        Competition.objects.select_for_update(of=("self",))
        .select_related("body__organisation", "occupation")
        .get(pk=competition.pk)
    )


@transaction.atomic
def competition_create(
    *,
    actor,
    body: EvaluationBody,
    name,
    level,
    organiser,
    occupation: Occupation,
    held_on,
    participants,
    today: datetime.date | None = None,
) -> Competition:
    """Record a competition that was held (its date is not in the future) in an occupation of the body's
    filed lines (its winners can only be certified there)."""
    require_operator(actor, body, "competition.create")
    today = today or timezone.localdate()
    name = text(name, "name", _("请填写竞赛名称。"), 120)
    organiser = text(organiser, "organiser", _("请填写主办单位。"), 120)
    if level not in CompetitionLevel.values:
        raise Invalid(_("请选择竞赛级别。"), errors={"level": [_("请选择竞赛级别。")]})
    held_on = parse_day(held_on, "held_on")
    if held_on > today:
        message = _("竞赛举办后（%(date)s起）才能登记成绩。") % {"date": held_on}
        raise Invalid(message, errors={"held_on": [message]})
    try:
        participants = int(participants)
    except (TypeError, ValueError):
        participants = 0
    if not 1 <= participants <= 1_000_000:
        raise Invalid(_("参赛人数应为正整数。"), errors={"participants": [_("参赛人数应为正整数。")]})
    if not body.lines.filter(offering__occupation=occupation, status=FiledLineStatus.ACTIVE).exists():
        message = _("该职业不在本机构的备案范围内，获奖者无法在本机构晋升。")
        raise Invalid(message, errors={"occupation": [message]})
    competition = Competition.objects.create(
        body=body,
        name=name,
        level=level,
        organiser=organiser,
        occupation=occupation,
        held_on=held_on,
        participants=participants,
        created_by=actor,
    )
    audit_record(actor=actor, action="competition.create", obj=competition, payload={"level": level})
    return competition


def _rows(competition: Competition, rows) -> tuple[list[dict], list[RowError]]:
    errors: list[RowError] = []
    cleaned: list[dict] = []
    seen: dict[str, int] = {}
    for raw in rows:
        row_errors: list[RowError] = []

        def err(key: str, reason: str, raw=raw, row_errors=row_errors) -> None:
            row_errors.append(RowError(raw.row, RESULT_COLUMNS[key], reason))

        values = raw.values
        formula_cells(values, err)
        if row_errors:
            errors.extend(row_errors)
            continue
        name, doc_type, number = read_identity(values, err)
        rank_text = clean_text(values.get("rank")).removeprefix("第").removesuffix("名")
        rank = int(rank_text) if rank_text.isascii() and rank_text.isdigit() else 0
        if not 1 <= rank <= competition.participants:
            err(
                "rank",
                _("名次应为1至%(n)d之间的整数（参赛人数%(n)d）。") % {"n": competition.participants},
            )
        once_per_file(seen, doc_type, number, raw.row, err)
        if row_errors:
            errors.extend(row_errors)
            continue
        cleaned.append(
            {
                "row": raw.row,
                "name": name,
                "document_type": doc_type,
                "number": number,
                "index": pii.index(doc_type, number),
                "rank": rank,
                "award": clean_text(values.get("award"))[:60],
                "employee_number": clean_text(values.get("employee_number"))[:30],
            }
        )
    if cleaned:
        known = dict(
            Candidate.objects.filter(document_index__in=[r["index"] for r in cleaned]).values_list(
                "document_index", "name"
            )
        )
        errors += [
            RowError(r["row"], RESULT_COLUMNS["name"], _("姓名与证件号码不一致。"))
            for r in cleaned
            if r["index"] in known and not same_name(known[r["index"]], r["name"])
        ]
    return (cleaned if not errors else []), sorted(errors, key=lambda e: (e.row, e.column))


def candidates_for(cleaned: list[dict]) -> dict[str, Candidate]:
    """The people of validated rows by document index, created when new (identity checked before)."""
    indexes = [r["index"] for r in cleaned]
    known = set(Candidate.objects.filter(document_index__in=indexes).values_list("document_index", flat=True))
    Candidate.objects.bulk_create(
        [
            Candidate(
                name=r["name"],
                document_type=r["document_type"],
                document_encrypted=pii.encrypt(r["number"]),
                document_index=r["index"],
                document_masked=pii.mask(r["number"]),
                birth_date=birth_date(r["document_type"], r["number"]),
            )
            for r in cleaned
            if r["index"] not in known
        ],
        ignore_conflicts=True,
    )
    return {c.document_index: c for c in Candidate.objects.filter(document_index__in=indexes)}


@transaction.atomic
def results_import(*, actor, competition: Competition, file_name: str, data: bytes) -> list[dict]:
    """Import (or, before the decision, replace) the results. Any bad row rejects the whole file; the
    per-row report is returned (empty when accepted) and kept on the competition."""
    competition = _lock(competition)
    _require_operator(actor, competition, "competition.results")
    if competition.status == C.DECIDED:
        raise WrongState(_("晋升已评定，成绩不能再导入。"))
    file_name = str(file_name or "").replace("\x00", "")[-200:]
    try:
        rows, errors, _layout = read_table(file_name, data, RESULTS)
        cleaned, row_errors = _rows(competition, rows) if not errors else ([], [])
        errors += row_errors
    except RosterFileError as exc:
        errors, cleaned = [RowError(0, FILE_COLUMN, str(exc))], []
    if not errors and not cleaned:
        errors = [RowError(0, FILE_COLUMN, _("文件中没有成绩。"))]
    report = [e.as_dict() for e in errors]
    if errors:
        competition.results_report = report
        competition.save(update_fields=["results_report"])
        audit_record(
            actor=actor, action="competition.results_reject", obj=competition, payload={"errors": len(errors)}
        )
        return report
    people = candidates_for(cleaned)
    competition.results.all().delete()
    CompetitionResult.objects.bulk_create(
        [
            CompetitionResult(
                competition=competition,
                row_number=r["row"],
                candidate=people[r["index"]],
                rank=r["rank"],
                award=r["award"],
                employee_number=r["employee_number"],
            )
            for r in cleaned
        ]
    )
    competition.import_results(file_name)
    competition.results_report = []
    competition.save()
    audit_record(actor=actor, action="competition.results", obj=competition, payload={"rows": len(cleaned)})
    return []


def _check(rule: str, passed: bool, detail: str) -> dict:
    return {"rule": rule, "passed": bool(passed), "detail": detail}


def rank_limit(rule: PromotionRule, participants: int) -> int:
    """The last rank the rule promotes: 前N名, or 前N% of the participants (rounded down)."""
    if rule.top_ranks:
        return rule.top_ranks
    return participants * (rule.top_percent or 0) // 100


def held_levels(competition: Competition, indexes: list[str]) -> dict[str, int]:
    """The highest level (lowest number) each person holds in a valid certificate of the competition's
    occupation in our register."""
    held: dict[str, int] = {}
    for index, level in Certificate.objects.filter(
        document_index__in=indexes,
        status=CertificateStatus.VALID,
        occupation_code=competition.occupation.code,
    ).values_list("document_index", "level"):
        held[index] = min(level, held.get(index, level))
    return held


def _decide_one(
    competition, result, rule, held, offered, earlier
) -> tuple[bool, int | None, int | None, list[dict], str]:
    """(promoted, from level, to level, checks, reason) for one result."""
    if rule is None:
        reason = _("“%(level)s”竞赛没有启用的晋升规则。") % {"level": competition.get_level_display()}
        return False, None, None, [_check("rule", False, reason)], reason
    label = str(rule)
    checks = []
    limit = rank_limit(rule, competition.participants)
    rank_ok = result.rank <= limit
    checks.append(
        _check(
            "rank",
            rank_ok,
            _("规则“%(rule)s”：第%(rank)d名，可晋升名次为前%(limit)d名")
            % {"rule": label, "rank": result.rank, "limit": limit},
        )
    )
    current = held.get(result.candidate.document_index)
    target = None
    if current is None:
        target = rule.level_without_certificate
        checks.append(
            _check(
                "current_level",
                target is not None,
                _("未持本职业有效证书，按规则认定为%(level)s") % {"level": Level(target).label}
                if target is not None
                else _("规则“%(rule)s”：未持本职业有效证书者不予晋升") % {"rule": label},
            )
        )
    else:
        target = max(current - rule.steps, rule.highest_level)
        ok = target < current
        checks.append(
            _check(
                "current_level",
                ok,
                _("现持%(current)s证书，晋升至%(target)s")
                % {"current": Level(current).label, "target": Level(target).label}
                if ok
                else _("规则“%(rule)s”：现持%(current)s证书，已达可晋升的最高等级%(highest)s")
                % {
                    "rule": label,
                    "current": Level(current).label,
                    "highest": Level(rule.highest_level).label,
                },
            )
        )
        target = target if ok else None
    if target is not None and target not in offered:
        checks.append(
            _check("offered", False, _("本职业没有%(level)s，无法晋升") % {"level": Level(target).label})
        )
        target = None
    count, other = earlier.get(result.candidate.document_index, (0, None))
    year_ok = count < rule.per_person_per_year
    checks.append(
        _check(
            "per_year",
            year_ok,
            _("规则“%(rule)s”：每人每年至多晋升%(n)d次，本年尚未晋升")
            % {"rule": label, "n": rule.per_person_per_year}
            if year_ok
            else _("规则“%(rule)s”：每人每年至多晋升%(n)d次，%(year)d年已因%(other)s晋升")
            % {
                "rule": label,
                "n": rule.per_person_per_year,
                "year": competition.held_on.year,
                "other": other,
            },
        )
    )
    failed = [c["detail"] for c in checks if not c["passed"]]
    promoted = not failed and target is not None
    reason = (
        _("晋升至%(level)s（%(rule)s）") % {"level": Level(target).label, "rule": label}
        if promoted
        else "；".join(failed)
    )
    return promoted, current, target if promoted else None, checks, reason


def _earlier_promotions(competition: Competition, indexes: list[str]) -> dict[str, tuple[int, str]]:
    """How often each person was promoted in the competition's year by other competitions, and which
    (named only when it is this body's own: another body's competition is not this body's business)."""
    earlier: dict[str, tuple[int, str]] = {}
    for decision in (
        PromotionDecision.objects.filter(
            document_index__in=indexes, promoted=True, year=competition.held_on.year
        )
        .exclude(result__competition=competition)
        .select_related("result__competition")
    ):
        other = decision.result.competition
        name = (
            _("本机构竞赛“%(name)s”") % {"name": other.name}
            if other.body_id == competition.body_id
            else _("其他机构的竞赛")
        )
        count, _first = earlier.get(decision.document_index, (0, name))
        earlier[decision.document_index] = (count + 1, _first)
    return earlier


@transaction.atomic
def competition_decide(*, actor, competition: Competition) -> list[PromotionDecision]:
    """Apply the rule table to every result (once). The people of the results are locked, so two
    competitions decided at the same time cannot both use a person's one promotion of the year."""
    competition = _lock(competition)
    _require_operator(actor, competition, "competition.decide")
    if competition.status != C.RESULTS:
        raise WrongState(_("请先导入竞赛成绩；已评定的竞赛不能再评定。"))
    results = list(competition.results.select_related("candidate").order_by("rank", "row_number"))
    indexes = [r.candidate.document_index for r in results]
    list(Candidate.objects.select_for_update().filter(document_index__in=indexes).order_by("pk").values("pk"))
    rule = PromotionRule.objects.filter(competition_level=competition.level, active=True).first()
    held = held_levels(competition, indexes)
    offered = set(
        OccupationLevel.objects.filter(occupation=competition.occupation).values_list("level", flat=True)
    )
    earlier = _earlier_promotions(competition, indexes)
    decisions = []
    for result in results:
        promoted, current, target, checks, reason = _decide_one(
            competition, result, rule, held, offered, earlier
        )
        decisions.append(
            PromotionDecision(
                result=result,
                promoted=promoted,
                rule=rule,
                from_level=current,
                to_level=target,
                year=competition.held_on.year,
                document_index=result.candidate.document_index,
                checks=checks,
                reason=reason,
            )
        )
    PromotionDecision.objects.bulk_create(decisions)
    competition.decide(timezone.now())
    competition.save()
    audit_record(
        actor=actor,
        action="competition.decide",
        obj=competition,
        payload={"promoted": sum(d.promoted for d in decisions), "results": len(decisions)},
    )
    return decisions


@transaction.atomic
def promotion_enrol(*, actor, plan: EvaluationPlan) -> int:
    """Enrol the people the plan's competition promoted to the plan's (occupation, level), each with the
    checks of their decision. Returns how many were enrolled."""
    plan = lock_plan(plan)
    require_operator(actor, plan, "plan.enrol_promotions")
    require_status(plan, PlanStatus.REGISTRATION_OPEN, message=_("认定计划经确认并开放报名后才能纳入人员。"))
    refusal = methods.intake_refusal(plan, "promotion")
    if refusal:
        raise WrongState(refusal)
    ensure_standing(plan.body, plan.line, Activity.REGISTER)
    decisions = list(
        PromotionDecision.objects.select_for_update(of=("self",))
        .filter(
            result__competition=plan.competition,
            promoted=True,
            to_level=plan.line.offering.level,
            registration__isnull=True,
        )
        .select_related("result__candidate")
    )
    if not decisions:
        raise WrongState(_("该竞赛没有待纳入、晋升至本计划等级的人员。"))
    rows = [{"row": d.result.row_number, "index": d.document_index} for d in decisions]
    clashes = duplicates_elsewhere(plan, rows)
    if clashes:
        raise Invalid(_("部分人员已报名同一职业等级。"), errors={"__all__": [e.reason for e in clashes][:50]})
    for decision in decisions:
        registration = Registration(
            plan=plan,
            candidate=decision.result.candidate,
            school=plan.body.organisation,
            full_time=None,
            row_number=decision.result.rank,
        )
        registration.mark_eligible(decision.checks)
        registration.save()
        decision.registration = registration
        decision.save(update_fields=["registration"])
    audit_record(actor=actor, action="plan.enrol_promotions", obj=plan, payload={"enrolled": len(decisions)})
    return len(decisions)
