"""The audit log page (审计日志, issue #13 item 14): who may read it (administrators, auditors and municipal
reviewers all of it; a district reviewer the events on its district's applications; nobody else), the
filters (actor, action, object, result, dates), pages, the Excel export of what is filtered, the chain's
integrity check, and no 500 on any query string."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from filing.audit import AuditEntry, audit_record, audit_record_many
from filing.menu import entries_for
from filing.models import AuditEvent, FilingApplication
from filing.roles import Role
from filing.services import applications as app_svc
from tests import factories
from tests.test_list_queries import queries

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def seqs(response) -> set[int]:
    assert response.status_code == 200
    return {row["event"].seq for row in response.context["rows"]}


@pytest.fixture
def two_districts(applicant, legal_rep, college, college_other_district, roles):
    """A submitted application in each district, each with its own audit trail."""
    ours = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    app_svc.application_submit(actor=applicant, application=ours)
    other_applicant = factories.user("xh_applicant", role=Role.APPLICANT, organisation=college_other_district)
    other_legal = factories.user(
        "xh_legal", role=Role.LEGAL_REPRESENTATIVE, organisation=college_other_district
    )
    theirs = factories.complete_draft(
        applicant=other_applicant, legal_rep=other_legal, organisation=college_other_district
    )
    app_svc.application_submit(actor=other_applicant, application=theirs)
    return FilingApplication.objects.get(pk=ours.pk), FilingApplication.objects.get(pk=theirs.pk)


def events_on(application) -> set[int]:
    return set(
        AuditEvent.objects.filter(
            object_type="filing.filingapplication", object_id=str(application.pk)
        ).values_list("seq", flat=True)
    )


@pytest.mark.parametrize("persona", ["auditor", "municipal_reviewer", "administrator"])
def test_the_city_reads_every_event(persona, request, two_districts):
    reader = request.getfixturevalue(persona)
    page = client_for(reader).get("/audit/?sort=oldest")
    assert page.status_code == 200
    assert f"共 {AuditEvent.objects.count()} 条" in page.content.decode()
    assert any(e["key"] == "audit" for g in entries_for(reader) for e in g["entries"])


def test_a_district_reviewer_reads_its_districts_applications_only(two_districts, district_reviewer):
    ours, theirs = two_districts
    shown = seqs(client_for(district_reviewer).get("/audit/"))
    assert shown == events_on(ours) and shown and not shown & events_on(theirs)
    export = client_for(district_reviewer).get("/audit/?export=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content), read_only=True).active.values)
    assert len(rows) == 1 + len(events_on(ours))
    assert client_for(district_reviewer).get("/audit/verify/").status_code == 403


@pytest.mark.parametrize("persona", ["applicant", "body_operator", "expert", "outsider"])
def test_others_are_refused_and_the_refusal_recorded(persona, request, two_districts):
    user = request.getfixturevalue(persona)
    assert client_for(user).get("/audit/").status_code == 403
    assert client_for(user).get("/audit/?export=xlsx").status_code == 403
    assert AuditEvent.objects.filter(action="audit.read", actor=user, result="denied").exists()
    assert not any(e["key"] == "audit" for g in entries_for(user) for e in g["entries"])


def test_filters_by_actor_action_object_result_and_date(two_districts, auditor, applicant):
    ours, _theirs = two_districts
    client = client_for(auditor)
    submitted = AuditEvent.objects.get(action="application.submit", object_id=str(ours.pk))
    assert submitted.seq in seqs(client.get(f"/audit/?q={applicant.username}"))
    assert seqs(client.get("/audit/?q=xh_applicant")) == set(
        AuditEvent.objects.filter(actor__username="xh_applicant").values_list("seq", flat=True)
    )
    by_action = seqs(client.get("/audit/?action=application.submit"))
    assert by_action == set(
        AuditEvent.objects.filter(action="application.submit").values_list("seq", flat=True)
    )
    by_object = seqs(client.get(f"/audit/?object_type=filing.filingapplication&object_id={ours.pk}"))
    assert by_object == events_on(ours)
    audit_record(action="scope.probe", actor=applicant, obj=ours, result="denied")
    assert len(seqs(client.get("/audit/?status=denied"))) == 1
    today = timezone.localdate()
    assert seqs(client.get(f"/audit/?date_from={today}&date_to={today}")) == set(
        AuditEvent.objects.values_list("seq", flat=True)
    )
    assert seqs(client.get(f"/audit/?date_to={today - datetime.timedelta(days=1)}")) == set()
    assert "提交申请" in client.get("/audit/?action=application.submit").content.decode()


def test_sentences_roles_and_masked_contents(auditor, applicant):
    audit_record(
        action="application.withdraw",
        actor=applicant,
        object_type="filing.filingapplication",
        object_id="7",
        payload={"reason": "材料有误 310115200801240020", "comment": True},
        role=Role.APPLICANT,
    )
    text = client_for(auditor).get("/audit/").content.decode()
    assert "撤回申请" in text and "备案申请 #7" in text and "申报单位经办人" in text
    assert "理由：" in text and "意见：是" in text
    assert "310115200801240020" not in text and "3101" in text
    audit_record(action="membership.grant", payload={"role": Role.DISTRICT_REVIEWER, "unit_lead": False})
    audit_record(action="task.claim", payload={"node": "district_accept", "task": 8})
    text = client_for(auditor).get("/audit/").content.decode()
    assert "角色：区人社局审核人员" in text and "科室负责人：否" in text and "环节：区级受理" in text
    audit_record(action="attachment.upload", payload={"kind": "curriculum", "sha256": "ab12" * 16})
    text = client_for(auditor).get("/audit/").content.decode()
    assert "类型：" in text and "curriculum" not in text and f"文件摘要：<code>{'ab12' * 16}</code>" in text


def test_pages_export_and_constant_queries(auditor, django_assert_max_num_queries):
    audit_record_many(
        AuditEntry(action="plan.create", object_type="filing.evaluationplan", object_id=str(i))
        for i in range(5)
    )
    client = client_for(auditor)
    small = queries(client, "/audit/")
    audit_record_many(
        AuditEntry(action="plan.create", object_type="filing.evaluationplan", object_id=str(i))
        for i in range(5, 120)
    )
    with django_assert_max_num_queries(small):
        page = client.get("/audit/")
    text, total = page.content.decode(), AuditEvent.objects.count()
    assert 120 <= total < 150  # and the sign-in's own events
    assert f"共 {total} 条" in text and "第 1 / 3 页" in text and len(page.context["rows"]) == 50
    assert [r["event"].seq for r in page.context["rows"]][0] == total  # newest first
    assert len(client.get("/audit/?page=3").context["rows"]) == total - 100
    assert len(client.get("/audit/?page=99999").context["rows"]) == total - 100
    export = client.get("/audit/?object_id=7&export=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content), read_only=True).active.values)
    assert rows[0][:3] == ("序号", "时间", "记录") and len(rows) == 2
    assert rows[1][5] == "制定认定计划" and rows[1][6] == "认定计划 #7"


def test_the_chain_check_says_intact_or_where_it_breaks(auditor, municipal_reviewer, applicant):
    for i in range(3):
        audit_record(
            action="plan.create", actor=applicant, object_type="filing.evaluationplan", object_id=str(i)
        )
    client = client_for(auditor)
    assert 'data-action="verify"' in client.get("/audit/").content.decode()
    intact = client.get("/audit/verify/")
    assert intact.status_code == 200 and 'data-chain="intact"' in intact.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE filing_auditevent SET actor_name = 'x' WHERE seq = 2")
    broken = client.get("/audit/verify/").content.decode()
    assert 'data-chain="broken"' in broken and "第 2 条" in broken
    # A municipal reviewer reads the log; checking the chain is the auditors' (their role's permission).
    assert 'data-action="verify"' not in client_for(municipal_reviewer).get("/audit/").content.decode()
    assert client_for(municipal_reviewer).get("/audit/verify/").status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "date_from=abc",
        "date_from=2027-01-01&date_to=2026-01-01",
        "status=nonsense",
        "action=DROP",
        "object_type=x.y",
        "object_id=" + "9" * 200,
        "sort=DROP",
        "q=" + "x" * 500,
        "page=abc",
        "page=99999999999999999999",
        "export=xlsx&date_to=notadate",
    ],
)
def test_a_bad_query_is_said_and_never_a_500(query, auditor, applicant):
    audit_record(action="plan.create", actor=applicant, object_type="filing.evaluationplan", object_id="1")
    assert client_for(auditor).get(f"/audit/?{query}").status_code == 200
