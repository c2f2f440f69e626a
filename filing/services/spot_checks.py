"""双随机一公开 (DOMAIN.md §9): the city draws bodies at random and, for each, inspectors at random from the
city's register of supervisors, never one with a relation to the body (serving its pool, of its
organisation, or declared); records each inspection, where a failed one orders rectification; and publishes
the draw and its results (the public catalogue's spot-check page).

A draw is reproducible: its seed and the candidate lists and exclusions as they stood are stored with it, and
:func:`redraw` recomputes the result from them alone (:func:`compute` is a pure function of those inputs)."""

from __future__ import annotations

import datetime
import random
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import (
    STILL_FILED,
    CheckResult,
    DrawKind,
    EvaluationBody,
    Evaluator,
    InspectorRelation,
    RelationKind,
    SpotCheck,
    SpotCheckDraw,
)
from filing.services import rectification
from filing.services.common import deny_unless, parse_day, require_transition, save_transition
from filing.services.supervision import text

#: Bodies that can be inspected: filed and not gone.
DRAWABLE = STILL_FILED
MAX_DRAWN = 500
RECTIFY_DAYS = 30


def _require_city(actor, action: str, obj=None) -> None:
    deny_unless(
        access.is_municipal_reviewer(actor),
        actor=actor,
        action=action,
        obj=obj,
        message=_("只有市职业技能鉴定中心可以组织双随机抽查。"),
    )


def inspector_pool():
    """The city's register of supervisors: active, not serving a body's own pool."""
    return Evaluator.objects.filter(active=True, is_supervisor=True, body__isnull=True)


def exclusions_for(bodies, inspector_ids) -> dict[str, list[int]]:
    """``{str(body pk): [inspector pk, …]}``: who must not inspect each body — of its organisation or with a
    declared relation (two queries, whatever the number of bodies)."""
    by_org: dict[int, set[int]] = {}
    for pk, org in Evaluator.objects.filter(pk__in=inspector_ids, organisation__isnull=False).values_list(
        "pk", "organisation_id"
    ):
        by_org.setdefault(org, set()).add(pk)
    declared: dict[int, set[int]] = {}
    for body_id, pk in InspectorRelation.objects.filter(
        body__in=bodies, inspector_id__in=inspector_ids
    ).values_list("body_id", "inspector_id"):
        declared.setdefault(body_id, set()).add(pk)
    out = {}
    for body in bodies:
        related = by_org.get(body.organisation_id, set()) | declared.get(body.pk, set())
        if related:
            out[str(body.pk)] = sorted(related)
    return out


def compute(seed: str, bodies: list[int], inspectors: list[int], exclusions: dict, count: int, per_body: int):
    """The draw from its recorded inputs alone: ``[(body_id, [inspector_id, …]), …]`` in drawn order.
    ``random.Random`` seeded with a string is the same on every platform and Python 3 release."""
    rng = random.Random(seed)
    drawn = rng.sample(sorted(bodies), min(count, len(bodies)))
    result = []
    for body_id in drawn:
        excluded = set(exclusions.get(str(body_id), []))
        pool = [i for i in sorted(inspectors) if i not in excluded]
        if len(pool) < per_body:
            raise Invalid(
                _("可为部分机构抽取的无利害关系检查人员不足%(n)d名，请减少每家检查人员数或补充人员库。")
                % {"n": per_body},
                errors={"inspectors_per_body": [_("无利害关系的检查人员不足。")]},
            )
        result.append((body_id, rng.sample(pool, per_body)))
    return result


def _whole(value, field: str, low: int, high: int) -> int:
    raw = str(value if value is not None else "").strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        message = _("请填写%(low)d至%(high)d之间的整数。") % {"low": low, "high": high}
        raise Invalid(message, errors={field: [message]})
    return int(raw)


@transaction.atomic
def draw_create(
    *, actor, title: str, year, body_count, inspectors_per_body, kind: str = DrawKind.ANNUAL, seed: str = ""
) -> SpotCheckDraw:
    """Draw now. The seed comes from ``secrets`` unless given (a test or a public lottery may name one)."""
    _require_city(actor, "spot_check.draw")
    title = text(title, "title", _("请填写抽查名称。"), 100)
    year = _whole(year, "year", 2000, 2100)
    count = _whole(body_count, "body_count", 1, MAX_DRAWN)
    per_body = _whole(inspectors_per_body, "inspectors_per_body", 1, 5)
    if kind not in DrawKind.values:
        raise Invalid(_("未知的抽查类型。"), errors={"kind": [_("未知的抽查类型。")]})
    seed = text(seed, "seed", "", 64) or secrets.token_hex(16)
    bodies = list(EvaluationBody.objects.filter(status__in=DRAWABLE).order_by("pk"))
    if not bodies:
        raise WrongState(_("没有可抽查的评价机构。"))
    inspectors = sorted(inspector_pool().values_list("pk", flat=True))
    exclusions = exclusions_for(bodies, inspectors)
    body_ids = [b.pk for b in bodies]
    result = compute(seed, body_ids, inspectors, exclusions, count, per_body)
    draw = SpotCheckDraw.objects.create(
        year=year,
        kind=kind,
        title=title,
        seed=seed,
        body_count=count,
        inspectors_per_body=per_body,
        candidate_bodies=body_ids,
        candidate_inspectors=inspectors,
        exclusions=exclusions,
        drawn_by=actor,
    )
    for position, (body_id, inspector_ids) in enumerate(result, start=1):
        check = SpotCheck.objects.create(draw=draw, body_id=body_id, position=position)
        check.inspectors.set(inspector_ids)
    audit_record(
        actor=actor,
        action="spot_check.draw",
        obj=draw,
        payload={"seed": seed, "bodies": [b for b, _i in result], "inspectors": {b: i for b, i in result}},
    )
    return draw


def redraw(draw: SpotCheckDraw) -> list[tuple[int, list[int]]]:
    """Recompute the draw from what it recorded (anyone can check the published result against it)."""
    return compute(
        draw.seed,
        draw.candidate_bodies,
        draw.candidate_inspectors,
        draw.exclusions,
        draw.body_count,
        draw.inspectors_per_body,
    )


def recorded(draw: SpotCheckDraw) -> list[tuple[int, list[int]]]:
    return [
        (c.body_id, sorted(i.pk for i in c.inspectors.all()))
        for c in draw.checks.prefetch_related("inspectors").order_by("position")
    ]


def matches_seed(draw: SpotCheckDraw) -> bool:
    return [(b, sorted(i)) for b, i in redraw(draw)] == recorded(draw)


@transaction.atomic
def check_record(
    *, actor, check: SpotCheck, result: str, findings: str, inspected_on=None, today=None
) -> SpotCheck:
    """The inspection's record. A failed check orders rectification of the body (30 days)."""
    today = today or timezone.localdate()
    check = SpotCheck.objects.select_for_update().select_related("draw", "body").get(pk=check.pk)
    require_transition(check, check.record, _("该机构的检查情况已登记。"))
    _require_city(actor, "spot_check.record", check.draw)
    if result not in CheckResult.values:
        raise Invalid(_("请选择检查结果。"), errors={"result": [_("请选择检查结果。")]})
    findings = text(findings, "findings", _("请填写检查情况。"))
    on = parse_day(inspected_on, "inspected_on") if inspected_on else today
    if on > today or on < check.draw.drawn_at.date():
        message = _("检查日期应在抽取日期与今天之间。")
        raise Invalid(message, errors={"inspected_on": [message]})
    check.record(on=on, result=result, findings=findings, by=actor)
    if result == CheckResult.FAILED:
        check.rectification = rectification.rectification_order(
            actor=actor,
            body=check.body,
            findings=findings,
            deadline=today + datetime.timedelta(days=RECTIFY_DAYS),
            source=_("双随机抽查：%(title)s") % {"title": check.draw.title},
            today=today,
        )
    save_transition(check)
    audit_record(
        actor=actor,
        action="spot_check.record",
        obj=check.draw,
        payload={"body": check.body.code, "result": result},
    )
    return check


@transaction.atomic
def draw_publish(*, actor, draw: SpotCheckDraw) -> SpotCheckDraw:
    """公开: the draw (seed, candidates, result) and the results recorded so far become public."""
    draw = SpotCheckDraw.objects.select_for_update().get(pk=draw.pk)
    if draw.published_at is not None:
        raise WrongState(_("该抽查结果已公开。"))
    _require_city(actor, "spot_check.publish", draw)
    draw.published_at = timezone.now()
    draw.save(update_fields=["published_at"])
    audit_record(actor=actor, action="spot_check.publish", obj=draw)
    return draw


@transaction.atomic
def relation_declare(*, actor, inspector: Evaluator, body: EvaluationBody, relation: str, note: str = ""):
    """Declare an inspector's relation to a body (the city's reviewers keep the register)."""
    _require_city(actor, "spot_check.relation")
    if relation not in RelationKind.values:
        raise Invalid(_("请选择关系。"), errors={"relation": [_("请选择关系。")]})
    note = text(note, "note", "", 200)
    found, _created = InspectorRelation.objects.update_or_create(
        inspector=inspector, body=body, defaults={"relation": relation, "note": note, "declared_by": actor}
    )
    audit_record(actor=actor, action="spot_check.relation", obj=body, payload={"inspector": inspector.pk})
    return found
