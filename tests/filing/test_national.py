"""The national report (``filing.services.national``): the sealed export with full ID numbers, whole-report
acknowledgement, the plan moving to 已上报 and 已归档, the recipient's decrypt command."""

import csv
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pyrage import x25519

from filing import pii
from filing.errors import Denied, WrongState
from filing.models import AuditEvent, Certificate, NationalReport, PlanStatus
from filing.sealed import dev_identity, dev_identity_path, unseal
from filing.services import national
from tests import factories
from tests.filing.issued import issue, revoke

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r"^[YS]\d{4}\d{2}\d{6}\d{2}[1-5]\d{6}$")


@pytest.fixture
def body(college, roles):
    return factories.filed_body(college)


def clear_numbers(plan) -> set[str]:
    registrations = plan.registrations.select_related("candidate")
    return {pii.decrypt(r.candidate.document_encrypted) for r in registrations}


def rows_of(report, identity=None) -> list[dict]:
    text = unseal(report.ciphertext, identity or dev_identity()).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_export_is_sealed_and_decrypts_to_full_numbers(body, municipal_reviewer):
    plan, operator = factories.plan_with_results(body, passed=3)
    issue(plan, operator, "nat")
    report = national.report_export(actor=municipal_reviewer)
    stored = bytes(NationalReport.objects.get(pk=report.pk).ciphertext)
    assert stored.startswith(b"age-encryption.org/v1\n")
    numbers = clear_numbers(plan)
    for number in numbers:  # nothing readable at rest: not the number, not its masked form
        assert number.encode() not in stored
    rows = rows_of(report)
    assert report.rows == 3 and list(rows[0])[:3] == ["证书编号", "版本", "记录类型"]
    assert {row["证件号码"] for row in rows} == numbers
    assert {row["记录类型"] for row in rows} == {"新增"} and {row["工种"] for row in rows} == {"--"}
    assert all(NUMBER.match(row["证书编号"]) for row in rows)
    assert report.records.count() == 3
    event = AuditEvent.objects.get(action="national.export")
    assert event.payload["full_document_numbers"] == 3
    assert not any(n in str(event.payload) for n in numbers)


def test_only_the_recipients_identity_decrypts(body, municipal_reviewer, settings):
    recipient = x25519.Identity.generate()
    settings.NATIONAL_REPORT_RECIPIENTS = [str(recipient.to_public())]
    plan, operator = factories.plan_with_results(body, passed=1)
    issue(plan, operator, "nat")
    report = national.report_export(actor=municipal_reviewer)
    assert rows_of(report, recipient)[0]["证件号码"] in clear_numbers(plan)
    assert not dev_identity_path().exists()  # a configured recipient: no development key is made
    from filing.sealed import SealError

    with pytest.raises(SealError):
        unseal(report.ciphertext, x25519.Identity.generate())


def test_acknowledge_revoke_and_report_again(body, municipal_reviewer):
    plan, operator = factories.plan_with_results(body, passed=3)
    issue(plan, operator, "nat")
    report = national.report_export(actor=municipal_reviewer)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REPORTED
    with pytest.raises(WrongState):
        national.report_export(actor=municipal_reviewer)
    national.report_acknowledge(actor=municipal_reviewer, report=report)
    certificates = Certificate.objects.prefetch_related("national_records")
    assert {c.report_state for c in certificates} == {"acknowledged"}
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ARCHIVED and plan.archived_on is not None
    with pytest.raises(WrongState):
        national.report_acknowledge(actor=municipal_reviewer, report=report)
    revoke(Certificate.objects.first(), operator, municipal_reviewer, reason="撤销")
    again = national.report_export(actor=municipal_reviewer)
    assert [row["记录类型"] for row in rows_of(again)] == ["撤销"]
    with pytest.raises(Denied):
        national.report_export(actor=operator)


def test_the_decrypt_command(body, municipal_reviewer, tmp_path):
    plan, operator = factories.plan_with_results(body, passed=2)
    issue(plan, operator, "nat")
    report = national.report_export(actor=municipal_reviewer)
    sealed = tmp_path / report.file_name
    sealed.write_bytes(national.report_file(report))
    out = tmp_path / "clear.csv"
    call_command("decrypt_national_report", str(sealed), identity=str(dev_identity_path()), output=str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert all(number in text for number in clear_numbers(plan))
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    wrong = tmp_path / "wrong.key"
    wrong.write_text(str(x25519.Identity.generate()) + "\n")
    with pytest.raises(CommandError):
        call_command("decrypt_national_report", str(sealed), identity=str(wrong), output=str(out))
    (tmp_path / "junk.age").write_bytes(b"not age at all")
    with pytest.raises(CommandError):
        call_command("decrypt_national_report", str(tmp_path / "junk.age"), identity=str(dev_identity_path()))


def test_production_needs_configured_recipients(settings):
    from filing.checks import national_report_recipients

    settings.PRODUCTION, settings.NATIONAL_REPORT_RECIPIENTS = True, []
    assert [e.id for e in national_report_recipients(None)] == ["filing.E007"]
    settings.NATIONAL_REPORT_RECIPIENTS = ["age1notakey"]
    assert [e.id for e in national_report_recipients(None)] == ["filing.E007"]
    settings.NATIONAL_REPORT_RECIPIENTS = [str(x25519.Identity.generate().to_public())]
    assert national_report_recipients(None) == []
    from django.core.exceptions import ImproperlyConfigured

    from filing.sealed import recipients

    settings.NATIONAL_REPORT_RECIPIENTS = []
    with pytest.raises(ImproperlyConfigured):
        recipients()
