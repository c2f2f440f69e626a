"""Certificates: numbering, idempotent batches, scope, revocation, reissue, correction, verification,
the national report."""

import datetime
import re

import pytest
from django.test import override_settings

from filing.errors import Denied, Invalid, WrongState
from filing.models import Certificate, CertificateCounter, IssuanceBatch, PlanStatus, Registration
from filing.numbering import NationalFormat, NumberParts
from filing.services import certificates as svc
from filing.services import national
from filing.verification import verify_by_number, verify_by_token
from tests import factories

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r"^[YS]\d{4}\d{2}\d{6}\d{2}[1-5]\d{6}$")
ISSUE = datetime.date(2026, 7, 1)


@pytest.fixture
def body(college, roles):
    return factories.filed_body(college)


@pytest.fixture(autouse=True)
def _commit_hooks(django_capture_on_commit_callbacks):
    global CAPTURE
    CAPTURE = django_capture_on_commit_callbacks


def issue(plan, operator, key):
    """Request a batch and run what would run after commit (the issuing task, then PDFs) in-process."""
    with CAPTURE(execute=True):
        batch = svc.issuance_request(actor=operator, plan=plan, idempotency_key=key, issue_date=ISSUE)
    batch.refresh_from_db()
    return batch


CAPTURE = None


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
        svc.issuance_request(actor=operator2, plan=plan2, idempotency_key="shared")


@pytest.mark.parametrize(
    "breakage", ["suspended_body", "revoked_body", "suspended_line", "line_not_yet_effective"]
)
def test_no_certificate_outside_scope(body, breakage):
    plan, operator = factories.plan_with_results(body, passed=2)
    if breakage == "suspended_body":
        body.suspend()
        body.save()
    elif breakage == "revoked_body":
        body.revoke(banned_until=datetime.date(2030, 1, 1))
        body.save()
    elif breakage == "suspended_line":
        plan.line.status = "suspended"
        plan.line.save()
    else:
        plan.line.effective_from = ISSUE + datetime.timedelta(days=1)
        plan.line.save()
    batch = issue(plan, operator, f"scope-{breakage}")
    assert batch.state == IssuanceBatch.State.FAILED and batch.error
    assert Certificate.objects.count() == 0
    assert not CertificateCounter.objects.filter(next_serial__gt=1).exists()


def test_only_confirmed_results_and_own_operator(body, roles):
    plan, operator = factories.plan_with_results(body, passed=1)
    stranger = factories.user(role="body_operator", organisation=factories.organisation())
    with pytest.raises(Denied):
        svc.issuance_request(actor=stranger, plan=plan, idempotency_key="x")
    type(plan).objects.filter(pk=plan.pk).update(status=PlanStatus.SCORING)
    plan.refresh_from_db()
    with pytest.raises(WrongState):
        svc.issuance_request(actor=operator, plan=plan, idempotency_key="y")
    with pytest.raises(Invalid):
        svc.issuance_request(actor=operator, plan=plan, idempotency_key=" ")


def test_revoke_reissue_correct_and_verification(body, municipal_reviewer):
    plan, operator = factories.plan_with_results(body, passed=2)
    issue(plan, operator, "life")
    first, second = Certificate.objects.order_by("number")
    assert verify_by_number(first.number, first.holder_name).status_text == "有效"
    assert verify_by_number(first.number, "别人") is None
    assert verify_by_number("Y0000310000012640099999", first.holder_name) is None
    assert verify_by_token(first.verification_token).number == first.number
    # Reissue: same number, new print serial, version+1.
    reissued = svc.certificate_reissue(actor=operator, certificate=first, reason="遗失补发")
    assert (reissued.number, reissued.version, reissued.print_serial) == (first.number, 2, 2)
    # Correction: new version row, old superseded, public lookup follows the current version.
    corrected = svc.certificate_correct(
        actor=operator, certificate=reissued, reason="姓名错字", holder_name="更正名"
    )
    reissued.refresh_from_db()
    assert reissued.status == "superseded" and corrected.version == 3 and corrected.number == first.number
    assert verify_by_number(first.number, "更正名").status == "valid"
    assert verify_by_token(reissued.verification_token).status == "superseded"
    # Revocation shows at once.
    svc.certificate_revoke(
        actor=municipal_reviewer, certificate=second, reason="考试作弊", authority="上海市职业技能鉴定中心"
    )
    assert verify_by_number(second.number, second.holder_name).status_text == "已撤销"
    with pytest.raises(WrongState):
        svc.certificate_revoke(actor=municipal_reviewer, certificate=second, reason="again")
    stranger = factories.user(role="body_operator", organisation=factories.organisation())
    with pytest.raises(Denied):
        svc.certificate_revoke(actor=stranger, certificate=corrected, reason="x")


def test_national_report_export_and_acknowledge(body, municipal_reviewer):
    plan, operator = factories.plan_with_results(body, passed=3)
    issue(plan, operator, "nat")
    report = national.report_export(actor=municipal_reviewer)
    assert report.rows == 3 and report.content.splitlines()[0].startswith("证书编号,版本,记录类型")
    from django.core.exceptions import ValidationError

    from filing.validators import validate_citizen_id

    for candidate in re.findall(r"(?<!\w)\d{17}[\dX](?!\w)", report.content):
        with pytest.raises(ValidationError):
            validate_citizen_id(candidate)  # only masked ID numbers in the export
    assert ",--," in report.content  # the printed "no work type" value is kept as it is
    with pytest.raises(WrongState):
        national.report_export(actor=municipal_reviewer)
    national.report_acknowledge(actor=municipal_reviewer, report=report)
    assert set(Certificate.objects.values_list("report_state", flat=True)) == {"acknowledged"}
    svc.certificate_revoke(actor=municipal_reviewer, certificate=Certificate.objects.first(), reason="撤销")
    assert national.report_export(actor=municipal_reviewer).content.count("撤销") >= 1
    with pytest.raises(Denied):
        national.report_export(actor=operator)


@override_settings(VERIFY_RATE_PER_MINUTE=5)
def test_public_verification_page_leaks_nothing_and_is_rate_limited(client, body):
    from django.core.cache import cache

    cache.clear()
    plan, operator = factories.plan_with_results(body, passed=1)
    issue(plan, operator, "pub")
    cert = Certificate.objects.get()
    wrong_name = client.get("/verify/", {"number": cert.number, "name": "不是他"})
    unknown = client.get("/verify/", {"number": "Y000031999999264000001", "name": cert.holder_name})
    assert wrong_name.status_code == unknown.status_code == 200

    def answer(response):  # the result card; the form echoes the visitor's own input, which is no leak
        text = response.content.decode()
        start = text.index("data-result=")
        return text[start : text.index("</div>", start)]

    assert answer(wrong_name) == answer(unknown) and 'data-result="none"' in answer(wrong_name)
    assert wrong_name["X-Robots-Tag"] == "noindex, nofollow" and "no-store" in wrong_name["Cache-Control"]
    ok = client.get("/verify/", {"number": cert.number, "name": cert.holder_name})
    card = answer(ok)
    assert "有效" in card and cert.holder_name not in card and cert.holder_name[0] in card  # masked name only
    assert cert.document_masked not in ok.content.decode()  # no ID number at all
    token = client.get(f"/verify/t/{cert.verification_token}/")
    assert token.status_code == 200 and cert.number in token.content.decode()
    statuses = [client.get("/verify/", {"number": cert.number, "name": "x"}).status_code for _ in range(3)]
    assert statuses == [200, 429, 429]  # 4 checks above + 1 = the limit of 5 per minute
    assert "查询过于频繁" in client.get("/verify/", {"number": cert.number, "name": "x"}).content.decode()
    cache.clear()
    assert client.get("/verify/", {"number": cert.number, "name": "x"}).status_code == 200


@pytest.mark.parametrize("token", ["", "short", "a" * 65, "abc\x00" * 8, "../../etc/passwd", "Ｘ" * 20])
def test_malformed_tokens_and_inputs_are_just_not_found(token, db):
    assert verify_by_token(token) is None
    assert verify_by_number("Y000031000001264000001\x00", "张三") is None
