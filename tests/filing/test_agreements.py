"""Partner agreements are agreed by both sides (issue #13, item 7): the school proposes, the partner body
accepts or declines; the school withdraws a proposal; either side ends an accepted agreement. Coverage of
majors (own / partner / uncovered), per major and per graduating student, counts only accepted agreements
within their dates, and so does the eligibility check of a roster row."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from filing import coverage
from filing.errors import Denied, Invalid, WrongState
from filing.models import AgreementStatus, AuditEvent, PartnerAgreement
from filing.roles import Role
from filing.services import agreements as svc
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world(college, applicant, roles):
    """The school (浦江测试技师学院) with three majors: one its own filed line covers (钳工), one a
    partner could cover (车工), one nobody covers (焊工); an enterprise body filed for 车工 with its operator
    and legal representative; another body's operator who is no side of any agreement."""
    factories.filed_body(college, code="6-20-01-01")
    own = factories.major(
        college, code="660101", name="钳工技术", students=50, occupations=(("6-20-01-01", "same"),)
    )
    partnered = factories.major(college, code="660103", name="数控技术应用", students=120)
    uncovered = factories.major(
        college, code="660201", name="焊接技术", students=30, occupations=(("6-18-02-04", "same"),)
    )
    enterprise = factories.organisation(
        kind="enterprise", name="上海机床厂有限公司", new_type=False, batch=None
    )
    partner = factories.filed_body(enterprise, code="6-18-01-01")
    bystander_org = factories.organisation(kind="enterprise", name="另一家企业", new_type=False, batch=None)
    factories.filed_body(bystander_org, code="6-18-01-01")
    return {
        "school": college,
        "applicant": applicant,
        "partner": partner,
        "operator": factories.user("partner_op", role=Role.BODY_OPERATOR, organisation=enterprise),
        "partner_legal": factories.user(
            "partner_lr", role=Role.LEGAL_REPRESENTATIVE, organisation=enterprise
        ),
        "bystander": factories.user("bystander_op", role=Role.BODY_OPERATOR, organisation=bystander_org),
        "majors": (own, partnered, uncovered),
    }


def propose(world, *, number="XY-2026-01", valid_from=None, valid_until=None):
    return svc.agreement_create(
        actor=world["applicant"],
        school=world["school"],
        partner=world["partner"],
        agreement_no=number,
        offerings=[factories.offering("6-18-01-01", 4)],
        valid_from=valid_from or TODAY - datetime.timedelta(days=30),
        valid_until=valid_until or TODAY + datetime.timedelta(days=365),
    )


def statuses(world, on=None) -> dict[str, str]:
    return {row.major.code: row.status for row in coverage.coverage_for(world["school"], on)}


def students(world, on=None) -> tuple[int, int]:
    summary = coverage.summarise(world["school"], coverage.coverage_for(world["school"], on))
    return summary.covered_students, summary.students


# --- coverage ------------------------------------------------------------------------------------------


def test_a_proposed_agreement_covers_nothing_until_the_partner_accepts(world):
    agreement = propose(world)
    assert agreement.status == AgreementStatus.PROPOSED
    assert statuses(world) == {"660101": "own", "660103": "uncovered", "660201": "uncovered"}
    assert students(world) == (50, 200)
    svc.agreement_accept(actor=world["operator"], agreement=agreement, note="同意")
    assert statuses(world) == {"660101": "own", "660103": "partner", "660201": "uncovered"}
    assert students(world) == (170, 200)
    summary = coverage.summarise(world["school"], coverage.coverage_for(world["school"]))
    assert (summary.majors, summary.covered_majors, summary.share) == (3, 2, 85.0)


@pytest.mark.parametrize("ending", ["decline", "withdraw", "terminate"])
def test_a_declined_withdrawn_or_terminated_agreement_covers_nothing(world, ending):
    agreement = propose(world)
    if ending == "decline":
        svc.agreement_decline(actor=world["partner_legal"], agreement=agreement, reason="无考位")
    elif ending == "withdraw":
        svc.agreement_withdraw(actor=world["applicant"], agreement=agreement, reason="编号写错")
    else:
        svc.agreement_accept(actor=world["operator"], agreement=agreement)
        assert statuses(world)["660103"] == "partner"
        svc.agreement_terminate(actor=world["operator"], agreement=agreement, reason="合作到期前终止")
    assert statuses(world)["660103"] == "uncovered"
    assert students(world) == (50, 200)
    assert not PartnerAgreement.objects.in_force(TODAY).exists()


def test_an_accepted_agreement_covers_only_within_its_dates(world):
    start, end = TODAY + datetime.timedelta(days=10), TODAY + datetime.timedelta(days=100)
    agreement = propose(world, valid_from=start, valid_until=end)
    svc.agreement_accept(actor=world["operator"], agreement=agreement)
    assert statuses(world, start - datetime.timedelta(days=1))["660103"] == "uncovered"
    assert statuses(world, start)["660103"] == "partner"
    assert statuses(world, end)["660103"] == "partner"
    assert statuses(world, end + datetime.timedelta(days=1))["660103"] == "uncovered"  # expired
    agreement.refresh_from_db()
    assert agreement.is_expired(end + datetime.timedelta(days=1))
    assert not agreement.is_in_force(start - datetime.timedelta(days=1))


# --- transitions allowed and denied ----------------------------------------------------------------------

ACTORS = ("applicant", "operator", "partner_legal", "bystander", "outsider", "municipal_reviewer")
# action -> the actors who may take it (from a proposed agreement, or an accepted one for terminate)
ALLOWED = {
    "accept": {"operator", "partner_legal"},
    "decline": {"operator", "partner_legal"},
    "withdraw": {"applicant"},
    "terminate": {"applicant", "operator", "partner_legal"},
}
TEXT = {"accept": "note", "decline": "reason", "withdraw": "reason", "terminate": "reason"}


def actor(world, name, outsider, municipal_reviewer):
    return {"outsider": outsider, "municipal_reviewer": municipal_reviewer}.get(name) or world[name]


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_who_may_take_each_transition(world, action, who, outsider, municipal_reviewer):
    agreement = propose(world)
    if action == "terminate":
        svc.agreement_accept(actor=world["operator"], agreement=agreement)
    service, field = svc.ACTIONS[action]
    user = actor(world, who, outsider, municipal_reviewer)
    if who in ALLOWED[action]:
        result = service(actor=user, agreement=agreement, **{field: "理由"})
        assert (
            result.status
            == {
                "accept": AgreementStatus.ACCEPTED,
                "decline": AgreementStatus.DECLINED,
                "withdraw": AgreementStatus.WITHDRAWN,
                "terminate": AgreementStatus.TERMINATED,
            }[action]
        )
        assert AuditEvent.objects.filter(action=f"agreement.{action}", actor=user).exists()
    else:
        before = PartnerAgreement.objects.get(pk=agreement.pk).status
        with pytest.raises(Denied):
            service(actor=user, agreement=agreement, **{field: "理由"})
        assert PartnerAgreement.objects.get(pk=agreement.pk).status == before


STATES = ("proposed", "accepted", "declined", "withdrawn", "terminated")
FROM = {"accept": {"proposed"}, "decline": {"proposed"}, "withdraw": {"proposed"}, "terminate": {"accepted"}}


def bring_to(world, state):
    agreement = propose(world, number=f"XY-{state}")
    if state in ("accepted", "terminated"):
        svc.agreement_accept(actor=world["operator"], agreement=agreement)
    if state == "terminated":
        svc.agreement_terminate(actor=world["applicant"], agreement=agreement, reason="终止")
    if state == "declined":
        svc.agreement_decline(actor=world["operator"], agreement=agreement, reason="拒绝")
    if state == "withdrawn":
        svc.agreement_withdraw(actor=world["applicant"], agreement=agreement, reason="撤回")
    agreement.refresh_from_db()
    assert agreement.status == state
    return agreement


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(FROM))
def test_each_transition_only_from_its_state(world, action, state, outsider):
    agreement = bring_to(world, state)
    service, field = svc.ACTIONS[action]
    user = world["partner_legal"] if action != "withdraw" else world["applicant"]
    if state in FROM[action]:
        service(actor=user, agreement=agreement, **{field: "理由"})
    else:
        for who in (user, outsider):  # the state is checked before the permission: 409, not 403
            with pytest.raises(WrongState):
                service(actor=who, agreement=agreement, **{field: "理由"})
        agreement.refresh_from_db()
        assert agreement.status == state


@pytest.mark.parametrize("action", ["decline", "withdraw", "terminate"])
def test_a_reason_is_required_and_bounded(world, action):
    agreement = bring_to(world, "accepted" if action == "terminate" else "proposed")
    service, field = svc.ACTIONS[action]
    user = world["applicant"] if action == "withdraw" else world["operator"]
    for text in ("", "   ", "长" * 501):
        with pytest.raises(Invalid):
            service(actor=user, agreement=agreement, **{field: text})
    agreement.refresh_from_db()
    assert agreement.status == ("accepted" if action == "terminate" else "proposed")


def test_a_partner_no_longer_filed_for_the_offering_cannot_accept(world):
    agreement = propose(world)
    world["partner"].lines.update(status="cancelled")
    with pytest.raises(WrongState):
        svc.agreement_accept(actor=world["operator"], agreement=agreement)


# --- the roster's eligibility check reads the same rule ---------------------------------------------------


def test_eligibility_counts_only_an_accepted_agreement(world):
    """A student of the school registered with the partner's plan: the partner_agreement check fails while
    the agreement is proposed and passes once the partner accepted it."""
    from filing import eligibility
    from tests.filing.test_plans import make_plan

    plan = make_plan(world["partner"], world["operator"])
    major = world["majors"][1]
    facts = eligibility.Facts(world["school"], major, TODAY + datetime.timedelta(days=200), True, None)

    def agreement_check() -> bool:
        checks = eligibility.evaluate(plan, facts, eligibility.rule_for(plan), on=TODAY)
        return next(c for c in checks if c["rule"] == "partner_agreement")["passed"]

    agreement = propose(world)
    assert agreement_check() is False
    svc.agreement_accept(actor=world["operator"], agreement=agreement)
    assert agreement_check() is True
    svc.agreement_terminate(actor=world["applicant"], agreement=agreement, reason="终止")
    assert agreement_check() is False


# --- pages for both sides --------------------------------------------------------------------------------


def test_pages_for_both_sides(world, client, outsider):
    agreement = propose(world)
    detail = reverse("plans:agreement_detail", args=[agreement.pk])
    client.force_login(world["applicant"])
    page = client.get(reverse("plans:agreement_list")).content.decode()
    assert "XY-2026-01" in page and "待合作机构确认" in page and "本校登记的协议" in page
    page = client.get(detail).content.decode()
    assert 'data-action="withdraw"' in page and 'data-action="accept"' not in page
    assert client.post(reverse("plans:agreement_action", args=[agreement.pk, "accept"])).status_code == 403

    client.force_login(world["operator"])
    page = client.get(reverse("plans:agreement_list")).content.decode()
    assert "委托本机构评价的协议" in page and "XY-2026-01" in page
    page = client.get(detail).content.decode()
    assert (
        'data-action="accept"' in page
        and 'data-action="decline"' in page
        and 'data-action="withdraw"' not in page
    )
    response = client.post(reverse("plans:agreement_action", args=[agreement.pk, "decline"]), {"reason": ""})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.PROPOSED  # the empty reason was refused, as a message
    response = client.post(reverse("plans:agreement_action", args=[agreement.pk, "accept"]), {"note": "同意"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACCEPTED
    assert client.post(reverse("plans:agreement_action", args=[agreement.pk, "accept"])).status_code == 409
    assert client.post(reverse("plans:agreement_action", args=[agreement.pk, "bogus"])).status_code == 404

    for user in (world["bystander"], outsider):
        client.force_login(user)
        assert client.get(detail).status_code == 404
        assert (
            client.post(reverse("plans:agreement_action", args=[agreement.pk, "terminate"])).status_code
            == 404
        )
        assert "XY-2026-01" not in client.get(reverse("plans:agreement_list")).content.decode()
