"""Certificate issuance (``filing.services.issuance``): the national number format, gapless numbers in
idempotent batches, the scope a batch must stay in, who may ask for one."""

import datetime
import re

import pytest

from filing.errors import Denied, Invalid, WrongState
from filing.models import Certificate, CertificateCounter, IssuanceBatch, PlanStatus, Registration
from filing.numbering import NationalFormat, NumberParts
from filing.services import issuance
from tests import factories
from tests.filing.issued import ISSUE, issue

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r"^[YS]\d{4}\d{2}\d{6}\d{2}[1-5]\d{6}$")


@pytest.fixture
def body(college, roles):
    return factories.filed_body(college)


def test_national_format():
    number = NationalFormat().format(NumberParts("Y", "0000", "31", "000123", 2026, 3, 42))
    assert number == "Y000031000123263000042" and len(number) == 22 and NUMBER.match(number)
    with pytest.raises(OverflowError):
        NationalFormat().format(NumberParts("Y", "0000", "31", "000123", 2026, 3, 1_000_000))


def test_batch_issues_gapless_numbers_and_is_idempotent(body):
    plan, operator = factories.plan_with_results(body, passed=3, failed=1)
    batch = issue(plan, operator, "k-1")  # embedded default: the task runs in-process after commit
    assert batch.state == IssuanceBatch.State.DONE and batch.issued == 3
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert all(NUMBER.match(n) for n in numbers)
    prefix = f"Y000031{body.serial}264"
    assert numbers == [f"{prefix}{i:06d}" for i in (1, 2, 3)]
    assert issue(plan, operator, "k-1").pk == batch.pk
    assert Certificate.objects.count() == 3
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CERTIFICATES_ISSUED
    assert Registration.objects.filter(plan=plan, status="certified").count() == 3
    # The next plan for the same (body, year, level) continues the series.
    plan2, operator2 = factories.plan_with_results(body, passed=2)
    issue(plan2, operator2, "k-2")
    assert sorted(Certificate.objects.filter(batch__plan=plan2).values_list("number", flat=True)) == [
        f"{prefix}{i:06d}" for i in (4, 5)
    ]
    assert CertificateCounter.objects.get(body=body, year=2026, level=4).next_serial == 6


def test_same_key_for_another_plan_is_a_conflict(body):
    from filing.errors import Conflict

    plan, operator = factories.plan_with_results(body, passed=1)
    issue(plan, operator, "shared")
    plan2, operator2 = factories.plan_with_results(body, passed=1)
    with pytest.raises(Conflict):
        issuance.issuance_request(actor=operator2, plan=plan2, idempotency_key="shared")


def _break(body, plan, breakage):
    if breakage == "suspended_body":
        body.suspend()
        body.save()
    elif breakage == "revoked_body":
        body.revoke(banned_until=datetime.date(2030, 1, 1))
        body.save()
    elif breakage == "suspended_line":
        plan.line.suspend()
        plan.line.save()
    else:
        plan.line.effective_from = ISSUE + datetime.timedelta(days=1)
        plan.line.save()


BREAKAGES = ["suspended_body", "revoked_body", "suspended_line", "line_not_yet_effective"]


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_no_certificate_outside_scope(body, breakage):
    """Refused when asked (filing.standing), before a batch exists."""
    plan, operator = factories.plan_with_results(body, passed=2)
    _break(body, plan, breakage)
    with pytest.raises(WrongState):
        issue(plan, operator, f"scope-{breakage}")
    assert not IssuanceBatch.objects.exists() and Certificate.objects.count() == 0


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_standing_lost_after_the_request_fails_the_batch(body, breakage):
    """The worker asks again: a body suspended between the request and the batch issues nothing."""
    plan, operator = factories.plan_with_results(body, passed=2)
    batch = issuance.issuance_request(
        actor=operator, plan=plan, idempotency_key=f"late-{breakage}", issue_date=ISSUE
    )
    _break(body, plan, breakage)
    issuance.issue_or_fail(batch.pk)
    batch.refresh_from_db()
    assert batch.state == IssuanceBatch.State.FAILED and batch.error
    assert Certificate.objects.count() == 0
    assert not CertificateCounter.objects.filter(next_serial__gt=1).exists()


def test_only_confirmed_results_and_own_operator(body, roles):
    plan, operator = factories.plan_with_results(body, passed=1)
    stranger = factories.user(role="body_operator", organisation=factories.organisation())
    with pytest.raises(Denied):
        issuance.issuance_request(actor=stranger, plan=plan, idempotency_key="x")
    type(plan).objects.filter(pk=plan.pk).update(status=PlanStatus.SCORING)
    plan.refresh_from_db()
    with pytest.raises(WrongState):
        issuance.issuance_request(actor=operator, plan=plan, idempotency_key="y")
    with pytest.raises(Invalid):
        issuance.issuance_request(actor=operator, plan=plan, idempotency_key=" ")
