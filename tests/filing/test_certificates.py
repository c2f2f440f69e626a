"""A certificate after issuance (``filing.services.certificates``): revocation, reissue and correction, and
what verification then answers."""

import re

import pytest

from filing.errors import Denied, WrongState
from filing.models import Certificate
from filing.services import certificates as svc
from filing.verification import verify_by_number, verify_by_token
from tests import factories
from tests.filing.issued import issue, revoke

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r"^[YS]\d{4}\d{2}\d{6}\d{2}[1-5]\d{6}$")


@pytest.fixture
def body(college, roles):
    return factories.filed_body(college)


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
    assert reissued.pk != first.pk and reissued.verification_token != first.verification_token
    first.refresh_from_db()
    assert first.status == "superseded"
    lost_paper = verify_by_token(first.verification_token)
    assert (lost_paper.status, lost_paper.version, lost_paper.current_version) == ("superseded", 1, 2)
    assert lost_paper.status_text == "已被第2版取代（此为旧版本，以第2版为准）"
    new_paper = verify_by_token(reissued.verification_token)
    assert (new_paper.status, new_paper.version, new_paper.print_serial) == ("valid", 2, 2)
    by_number = verify_by_number(first.number, first.holder_name)
    assert (by_number.version, by_number.print_serial, by_number.current_version) == (2, 2, 2)
    # Correction: new version row, old superseded, public lookup follows the current version.
    corrected = svc.certificate_correct(
        actor=operator, certificate=reissued, reason="姓名错字", holder_name="更正名"
    )
    reissued.refresh_from_db()
    assert reissued.status == "superseded" and corrected.version == 3 and corrected.number == first.number
    assert verify_by_number(first.number, "更正名").status == "valid"
    assert verify_by_token(reissued.verification_token).status == "superseded"
    # Revocation (requested by the body, approved by the city) shows at once.
    revoke(second, operator, municipal_reviewer, reason="考试作弊", authority="上海市职业技能鉴定中心")
    assert verify_by_number(second.number, second.holder_name).status_text == "已撤销"
    with pytest.raises(WrongState):
        svc.revocation_request(actor=operator, certificate=second, reason="again")
    stranger = factories.user(role="body_operator", organisation=factories.organisation())
    with pytest.raises(Denied):
        svc.revocation_request(actor=stranger, certificate=corrected, reason="x")
