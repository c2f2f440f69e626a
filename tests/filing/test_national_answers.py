"""The national system's answer file (``filing.national_answers``, ``national.answers_import``): hostile
input gives row errors and changes nothing, never a 500; accepted records archive the plan, rejected ones
become the body's to-do (home page, notification, rejections page) until corrected or queued again."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filing.dashboard import panels_for
from filing.errors import Denied, Invalid, WrongState
from filing.models import AuditEvent, Certificate, NationalRecord, PlanStatus, ReportState
from filing.national_answers import HEADER, parse
from filing.services import certificates as cert_svc
from filing.services import national
from notifications.models import OutboxEvent
from tests import factories
from tests.filing.issued import issue

pytestmark = pytest.mark.django_db
MAX = 5 * 1024 * 1024


def answer_file(rows, *, header=HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def reported(college, roles, municipal_reviewer):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=3)
    issue(plan, operator, "ans")
    report = national.report_export(actor=municipal_reviewer)
    certificates = list(Certificate.objects.order_by("number"))
    return plan, operator, report, certificates


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_parser_reads_utf8_bom_and_gb18030():
    rows = [
        ["S0000311234562641000001", "1", "接收", ""],
        ["S0000311234562641000002", "2", "退回", "姓名有误"],
    ]
    for encoding in ("utf-8-sig", "utf-8", "gb18030"):
        parsed = parse(answer_file(rows, encoding=encoding), max_bytes=MAX)
        assert parsed.errors == []
        assert [(a.accepted, a.reason) for a in parsed.answers] == [(True, ""), (False, "姓名有误")]


@pytest.mark.parametrize(
    ("data", "column"),
    [
        (answer_file([["S1", "x", "接收", ""]]), "版本"),
        (answer_file([["S1", "0", "接收", ""]]), "版本"),
        (answer_file([["S1", "1", "收到", ""]]), "结果"),
        (answer_file([["S1", "1", "退回", ""]]), "原因"),
        (answer_file([["S1", "1", "退回", "长" * 501]]), "原因"),
        (answer_file([["S-1 =cmd", "1", "接收", ""]]), "证书编号"),
        (answer_file([["S1", "1", "接收", ""], ["S1", "1", "退回", "重复"]]), "证书编号"),
    ],
)
def test_parser_row_errors(data, column):
    parsed = parse(data, max_bytes=MAX)
    assert parsed.errors and parsed.errors[-1]["column"] == column and parsed.errors[-1]["row"] >= 2


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xfe\x00garbage",
        answer_file([["S1", "1", "接收", ""]], header=["编号", "版本"]),
        b"\x00" * 10,
        b'"unterminated',
    ],
)
def test_parser_file_errors(data):
    parsed = parse(data, max_bytes=MAX)
    assert parsed.answers == [] and parsed.errors


def test_parser_size_limit():
    parsed = parse(answer_file([["S1", "1", "接收", ""]] * 100), max_bytes=100)
    assert parsed.answers == [] and "上限" in parsed.errors[0]["reason"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_parser_never_raises_on_bytes(data):
    parsed = parse(data, max_bytes=MAX)
    assert isinstance(parsed.errors, list)


CELL = st.one_of(
    st.text(max_size=30), st.sampled_from(["接收", "退回", "1", "2", "S0000311234562641000001", "=1+1", ""])
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(CELL, max_size=6), max_size=12))
def test_parser_never_raises_on_tables(rows):
    parsed = parse(answer_file(rows), max_bytes=MAX)
    assert len(parsed.answers) + len({e["row"] for e in parsed.errors}) <= len(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=4, max_size=5), max_size=6))
def test_import_never_500s(rows, municipal_reviewer):
    """Whatever the file, the page answers 200/302/400 and nothing is half-applied."""
    before = list(NationalRecord.objects.values_list("pk", "result"))
    upload = SimpleUploadedFile("answers.csv", answer_file(rows), content_type="text/csv")
    response = client_for(municipal_reviewer).post("/certificates/national/answers/", {"file": upload})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert list(NationalRecord.objects.values_list("pk", "result")) == before


def test_accept_all_archives_the_plan(reported, municipal_reviewer):
    plan, _operator, report, certificates = reported
    data = answer_file([[c.number, c.version, "接收", ""] for c in certificates])
    result = national.answers_import(actor=municipal_reviewer, data=data, file_name="ack.csv")
    assert result == {"accepted": 3, "rejected": 0, "reports": [report.pk]}
    report.refresh_from_db()
    plan.refresh_from_db()
    assert report.state == ReportState.ACKNOWLEDGED and plan.status == PlanStatus.ARCHIVED
    event = AuditEvent.objects.get(action="national.answers")
    assert event.payload["accepted"] == 3 and event.payload["file"] == "ack.csv"
    with pytest.raises(Invalid):  # answered already: a row error, nothing changes
        national.answers_import(actor=municipal_reviewer, data=data)


def test_unknown_numbers_and_versions_reject_the_whole_file(reported, municipal_reviewer):
    _plan, _operator, _report, certificates = reported
    first = certificates[0]
    data = answer_file(
        [
            [first.number, first.version, "接收", ""],
            ["S0000319999992641999999", 1, "接收", ""],
            [certificates[1].number, 7, "接收", ""],
        ]
    )
    with pytest.raises(Invalid) as exc:
        national.answers_import(actor=municipal_reviewer, data=data)
    assert [e["row"] for e in exc.value.details["rows"]] == [3, 4]
    assert not NationalRecord.objects.exclude(result=ReportState.REPORTED).exists()


def test_only_the_city_imports_answers(reported):
    _plan, operator, _report, certificates = reported
    with pytest.raises(Denied):
        national.answers_import(actor=operator, data=answer_file([[certificates[0].number, 1, "接收", ""]]))


def test_a_rejected_record_is_the_bodys_to_do_until_queued_again(reported, municipal_reviewer):
    plan, operator, report, certificates = reported
    rejected, *accepted = certificates
    rows = [[c.number, c.version, "接收", ""] for c in accepted] + [
        [rejected.number, rejected.version, "退回", "证件号码与姓名不符"]
    ]
    national.answers_import(actor=municipal_reviewer, data=answer_file(rows))
    report.refresh_from_db()
    plan.refresh_from_db()
    assert report.state == ReportState.ACKNOWLEDGED  # every record answered
    assert plan.status == PlanStatus.REPORTED  # not archived: one record came back
    rejected.refresh_from_db()
    assert (
        Certificate.objects.prefetch_related("national_records").get(pk=rejected.pk).report_state
        == "rejected"
    )
    # The to-do: home page figure, notification, the rejections page.
    body_panel = next(p for p in panels_for(operator) if p["key"] == "body")
    figure = next(f for f in body_panel["figures"] if f["url"] == "/certificates/national/rejections/")
    assert figure["count"] == 1 and figure["late"]
    event = OutboxEvent.objects.get(kind="national_rejected")
    assert rejected.number in event.payload["certificates"]
    page = client_for(operator).get("/certificates/national/rejections/")
    assert page.status_code == 200 and "证件号码与姓名不符" in page.content.decode()
    # Not pending until the body acts: the next export does not resend it unchanged.
    with pytest.raises(WrongState):
        national.report_export(actor=municipal_reviewer)
    record = national.open_rejections().get()
    outsider = factories.user("outsider_op", role="body_operator", organisation=factories.organisation())
    assert (
        client_for(outsider).post(f"/certificates/national/rejections/{record.pk}/resubmit/").status_code
        == 404
    )
    with pytest.raises(Denied):
        national.record_resubmit(actor=outsider, record=record)
    response = client_for(operator).post(f"/certificates/national/rejections/{record.pk}/resubmit/")
    assert response.status_code == 302
    assert not national.open_rejections().exists()
    with pytest.raises(WrongState):
        national.record_resubmit(actor=operator, record=record)
    again = national.report_export(actor=municipal_reviewer)
    assert again.rows == 1
    national.answers_import(
        actor=municipal_reviewer, data=answer_file([[rejected.number, rejected.version, "接收", ""]])
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ARCHIVED


def test_a_correction_answers_a_rejection(reported, municipal_reviewer):
    plan, operator, _report, certificates = reported
    rejected = certificates[0]
    rows = [[rejected.number, rejected.version, "退回", "姓名有误"]]
    national.answers_import(actor=municipal_reviewer, data=answer_file(rows))
    corrected = cert_svc.certificate_correct(
        actor=operator, certificate=rejected, reason="全国联网退回：姓名有误", holder_name="更正姓名"
    )
    assert not national.open_rejections().exists()
    again = national.report_export(actor=municipal_reviewer)
    assert again.records.get().certificate == corrected


def test_the_pages_and_the_api(reported, municipal_reviewer):
    _plan, operator, _report, certificates = reported
    city = client_for(municipal_reviewer)
    bad = SimpleUploadedFile("a.csv", answer_file([["S1", "x", "接收", ""]]), content_type="text/csv")
    page = city.post("/certificates/national/answers/", {"file": bad})
    assert page.status_code == 400 and "版本应为正整数" in page.content.decode()
    assert city.post("/certificates/national/answers/", {}).status_code == 400
    assert client_for(operator).post("/certificates/national/answers/", {"file": bad}).status_code == 404
    good = answer_file([[c.number, c.version, "接收", ""] for c in certificates[:1]])
    api = city.post(
        "/api/v1/national-reports/answers/",
        {"file": SimpleUploadedFile("a.csv", good, content_type="text/csv")},
    )
    assert api.status_code == 200 and api.json()["accepted"] == 1
    again = city.post(
        "/api/v1/national-reports/answers/",
        {"file": SimpleUploadedFile("a.csv", good, content_type="text/csv")},
    )
    assert again.status_code == 400 and again.json()["errors"]["file"]
    denied = client_for(operator).post(
        "/api/v1/national-reports/answers/",
        {"file": SimpleUploadedFile("a.csv", good, content_type="text/csv")},
    )
    assert denied.status_code == 404
