"""双随机一公开: the draw is reproducible from its recorded seed, never sends an inspector with a relation to
the body (its organisation or a declared one; a body's own pool is not drawn from), and its records and
publication are the city's; failed checks order rectification; the public sees published draws only."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from filing.errors import Denied, Invalid, WrongState
from filing.models import BodyStatus, CheckStatus, RectificationStatus, SpotCheck, SpotCheckDraw
from filing.services import spot_checks as svc
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def world(college, municipal_reviewer):
    bodies = [factories.filed_body(college)] + [
        factories.filed_body(factories.organisation()) for _ in range(5)
    ]
    inspectors = [factories.evaluator(f"督导{i}", supervisor=True) for i in range(6)]
    # Related to bodies[0]: one works at its organisation; one declared a relative there.
    colleague = factories.evaluator("同单位督导", supervisor=True, organisation=college)
    relative = inspectors[0]
    svc.relation_declare(actor=municipal_reviewer, inspector=relative, body=bodies[0], relation="relative")
    factories.evaluator("机构内督", supervisor=True, body=bodies[1])  # a body's own pool: never drawn
    return {"bodies": bodies, "inspectors": inspectors + [colleague], "related": {colleague.pk, relative.pk}}


def draw(actor, seed="", count=6, per_body=2):
    return svc.draw_create(
        actor=actor,
        title="2026年度抽查",
        year=2026,
        body_count=count,
        inspectors_per_body=per_body,
        seed=seed,
    )


def test_the_draw_is_reproducible_from_its_recorded_seed(world, municipal_reviewer):
    first = draw(municipal_reviewer, count=3)
    assert len(first.seed) == 32 and svc.matches_seed(first)
    again = draw(municipal_reviewer, seed=first.seed, count=3)
    assert svc.recorded(again) == svc.recorded(first)
    # Recomputed from the stored inputs alone, after the register changed.
    factories.evaluator("新督导", supervisor=True)
    assert [(b, sorted(i)) for b, i in svc.redraw(first)] == svc.recorded(first)
    assert svc.recorded(draw(municipal_reviewer, seed="another", count=3)) != svc.recorded(first)


@pytest.mark.parametrize("seed", [f"seed-{n}" for n in range(40)])
def test_never_an_inspector_related_to_the_body(world, municipal_reviewer, seed):
    result = draw(municipal_reviewer, seed=seed, count=6, per_body=3)
    own = SpotCheck.objects.get(draw=result, body=world["bodies"][0])
    assert not {i.pk for i in own.inspectors.all()} & world["related"]
    drawn = {i.pk for c in result.checks.all() for i in c.inspectors.all()}
    assert drawn <= {i.pk for i in world["inspectors"]}  # never a body's own pool


def test_too_few_unrelated_inspectors_is_said(world, municipal_reviewer):
    svc.relation_declare(
        actor=municipal_reviewer, inspector=world["inspectors"][1], body=world["bodies"][0], relation="other"
    )
    with pytest.raises(Invalid, match="不足"):
        draw(municipal_reviewer, per_body=5)  # bodies[0] has only 4 unrelated of 7
    assert not SpotCheckDraw.objects.exists()


def test_only_the_city_draws_records_and_publishes(world, municipal_reviewer, body_operator, auditor):
    for actor in (body_operator, auditor):
        with pytest.raises(Denied):
            draw(actor)
    result = draw(municipal_reviewer, count=2)
    check = result.checks.first()
    with pytest.raises(Denied):
        svc.check_record(actor=body_operator, check=check, result="passed", findings="x")
    with pytest.raises(Denied):
        svc.draw_publish(actor=auditor, draw=result)
    svc.draw_publish(actor=municipal_reviewer, draw=result)
    with pytest.raises(WrongState):
        svc.draw_publish(actor=municipal_reviewer, draw=result)


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "", "year": 2026, "body_count": 1, "inspectors_per_body": 1},
        {"title": "x", "year": "abc", "body_count": 1, "inspectors_per_body": 1},
        {"title": "x", "year": 2026, "body_count": 0, "inspectors_per_body": 1},
        {"title": "x", "year": 2026, "body_count": "1e9", "inspectors_per_body": 1},
        {"title": "x", "year": 2026, "body_count": 1, "inspectors_per_body": 9},
        {"title": "x", "year": 2026, "body_count": 1, "inspectors_per_body": 1, "kind": "\x00"},
    ],
)
def test_bad_draw_input(world, municipal_reviewer, fields):
    with pytest.raises(Invalid):
        svc.draw_create(actor=municipal_reviewer, **fields)


def test_a_failed_check_orders_rectification(world, municipal_reviewer):
    result = draw(municipal_reviewer, count=6)
    check = result.checks.get(body=world["bodies"][0])
    for bad in ({"result": "nope", "findings": "x"}, {"result": "failed", "findings": ""}):
        with pytest.raises(Invalid):
            svc.check_record(actor=municipal_reviewer, check=check, **bad)
    with pytest.raises(Invalid):
        svc.check_record(
            actor=municipal_reviewer,
            check=check,
            result="passed",
            findings="x",
            inspected_on=TODAY + datetime.timedelta(days=1),
        )
    svc.check_record(actor=municipal_reviewer, check=check, result="failed", findings="档案缺失")
    check.refresh_from_db()
    assert check.status == CheckStatus.INSPECTED and check.rectification.status == RectificationStatus.OPEN
    assert "双随机" in check.rectification.source
    world["bodies"][0].refresh_from_db()
    assert world["bodies"][0].status == BodyStatus.RECTIFICATION
    with pytest.raises(WrongState):
        svc.check_record(actor=municipal_reviewer, check=check, result="passed", findings="again")


def test_pages_and_the_public_results(client, world, municipal_reviewer, body_operator):
    client.force_login(municipal_reviewer)
    page = client.post(
        reverse("supervision:spot_checks"),
        {
            "title": "年度抽查",
            "year": "2026",
            "kind": "annual",
            "body_count": "2",
            "inspectors_per_body": "2",
        },
    )
    result = SpotCheckDraw.objects.get()
    assert page.status_code == 302
    detail = client.get(reverse("supervision:spot_check", args=[result.pk])).text
    assert result.seed in detail and 'data-reproduced="yes"' in detail
    assert client.post(reverse("supervision:spot_checks"), {"title": "", "year": "abc"}).status_code == 422
    client.logout()
    assert result.title not in client.get(reverse("spot_checks_public")).text
    client.force_login(municipal_reviewer)
    client.post(reverse("supervision:spot_check_publish", args=[result.pk]))
    client.logout()
    public = client.get(reverse("spot_checks_public")).text
    assert result.title in public and result.seed in public
    client.force_login(body_operator)
    assert client.get(reverse("supervision:spot_check", args=[result.pk])).status_code == 404


def test_published_draws_over_the_api_recompute(client, world, municipal_reviewer):
    result = draw(municipal_reviewer, count=3)
    assert client.get("/api/v1/catalogue/spot-checks/").json()["count"] == 0
    svc.draw_publish(actor=municipal_reviewer, draw=result)
    published = client.get("/api/v1/catalogue/spot-checks/").json()["results"][0]
    assert published["seed"] == result.seed
    recomputed = svc.compute(
        published["seed"],
        published["candidate_bodies"],
        published["candidate_inspectors"],
        published["exclusions"],
        published["body_count"],
        published["inspectors_per_body"],
    )
    codes = {b.pk: b.code for b in world["bodies"]}
    assert [codes[b] for b, _i in recomputed] == [c["body_code"] for c in published["checks"]]
