"""The national report (``filing.services.national``): export of what is pending, acknowledgement."""

import re

import pytest

from filing.errors import Denied, WrongState
from filing.models import Certificate
from filing.services import national
from tests import factories
from tests.filing.issued import issue, revoke

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r"^[YS]\d{4}\d{2}\d{6}\d{2}[1-5]\d{6}$")


@pytest.fixture
def body(college, roles):
    return factories.filed_body(college)


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
    assert {c.report_state for c in Certificate.objects.select_related("report")} == {"acknowledged"}
    revoke(Certificate.objects.first(), operator, municipal_reviewer, reason="撤销")
    assert national.report_export(actor=municipal_reviewer).content.count("撤销") >= 1
    with pytest.raises(Denied):
        national.report_export(actor=operator)
