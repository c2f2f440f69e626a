"""Records the national lookup system sends back (#15 item 9) become a task of the issuing body: one task per
body and answer file (``NationalRejectionFlow``), in the queue of that body's operators only, showing each
record's reason and the certificate with its masked ID number; 已更正，重新上报 queues the still-open records
again, through the task page and the API alike, once."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from viewflow.workflow.models import Task

from filing import pii
from filing.errors import Denied, WrongState
from filing.models import AuditEvent, Certificate, ReportState
from filing.national_answers import HEADER
from filing.roles import Role
from filing.services import certificates as cert_svc
from filing.services import national
from tests import factories
from tests.filing.issued import issue
from workflows import services as wf
from workflows.models import NationalRejectionProcess
from workflows.selectors import open_task, tasks_visible_to

pytestmark = pytest.mark.django_db
NODE = "fix_national_rejection"


def answer_file(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def sent_back(college, college_other_district, municipal_reviewer):
    """Two bodies' certificates in one report; one answer file sends two of the first body's back and one
    of the second's, and accepts the rest."""
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=3)
    issue(plan, operator, "rej-a")
    other_body = factories.filed_body(college_other_district)
    other_plan, other_operator = factories.plan_with_results(other_body, passed=1)
    issue(other_plan, other_operator, "rej-b")
    national.report_export(actor=municipal_reviewer)
    mine = list(Certificate.objects.filter(body=body).order_by("number"))
    theirs = Certificate.objects.get(body=other_body)
    rows = [
        [mine[0].number, mine[0].version, "退回", "证件号码与姓名不符"],
        [mine[1].number, mine[1].version, "退回", "工种名称不规范"],
        [mine[2].number, mine[2].version, "接收", ""],
        [theirs.number, theirs.version, "退回", "等级有误"],
    ]
    national.answers_import(actor=municipal_reviewer, data=answer_file(rows))
    process = NationalRejectionProcess.objects.get(body=body)
    return operator, other_operator, process, mine


def test_an_answer_file_starts_one_task_per_body(sent_back):
    operator, other_operator, process, mine = sent_back
    assert NationalRejectionProcess.objects.count() == 2
    assert sorted(r.number for r in process.records.all()) == [mine[0].number, mine[1].number]
    task = open_task(process, NODE)
    assert (
        task.status == "NEW" and task.owner_permission == f"filing.operate_org_{process.body.organisation_id}"
    )


def test_the_task_is_in_the_bodys_queue_only(sent_back, municipal_reviewer, district_reviewer):
    operator, other_operator, process, mine = sent_back
    task = open_task(process, NODE)
    colleague = factories.user(
        "rej_colleague", role=Role.BODY_OPERATOR, organisation=process.body.organisation
    )
    assert task in tasks_visible_to(operator)["queue"]
    assert task in tasks_visible_to(colleague)["queue"]
    for stranger in (other_operator, municipal_reviewer, district_reviewer):
        lists = tasks_visible_to(stranger)
        assert task not in lists["queue"] and task not in lists["inbox"]
        assert client_for(stranger).get(f"/tasks/{task.pk}/").status_code == 404
        api = client_for(stranger).get("/api/v1/tasks/").json()
        assert task.pk not in [row["id"] for row in api]
    inbox = client_for(operator).get("/tasks/")
    assert inbox.status_code == 200 and "处理全国联网退回记录" in inbox.content.decode()
    assert task.pk in [row["id"] for row in client_for(operator).get("/api/v1/tasks/").json()]


def test_the_task_page_shows_each_reason_and_only_the_masked_number(sent_back):
    operator, _other, process, mine = sent_back
    task = open_task(process, NODE)
    page = client_for(operator).get(f"/tasks/{task.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "证件号码与姓名不符" in text and "工种名称不规范" in text and "等级有误" not in text
    for certificate in mine[:2]:
        assert certificate.number in text and certificate.document_masked in text
        assert pii.decrypt(certificate.registration.candidate.document_encrypted) not in text
    assert mine[2].number not in text  # accepted: not this task's
    assert 'data-action="decide"' in text


def test_completing_on_the_page_resubmits_the_records_once(sent_back, municipal_reviewer):
    operator, _other, process, mine = sent_back
    task = open_task(process, NODE)
    client = client_for(operator)
    empty = client.post(f"/tasks/{task.pk}/", {"decision": "resubmit", "note": ""})
    assert empty.status_code == 422 and national.open_rejections(bodies=[process.body]).count() == 2
    done = client.post(f"/tasks/{task.pk}/", {"decision": "resubmit", "note": "已核对身份证件，信息无误"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == "DONE" and task.owner == operator
    assert not national.open_rejections(bodies=[process.body]).exists()
    notes = AuditEvent.objects.filter(action="national.resubmit").values_list("payload", flat=True)
    assert sorted(p["number"] for p in notes) == [mine[0].number, mine[1].number]
    assert {p["note"] for p in notes} == {"已核对身份证件，信息无误"}
    again = client.post(f"/tasks/{task.pk}/", {"decision": "resubmit", "note": "再次"})
    assert again.status_code == 409
    with pytest.raises(WrongState):
        wf.task_national_rejection_resubmit(actor=operator, task_pk=task.pk, note="再次")
    report = national.report_export(actor=municipal_reviewer)
    assert sorted(r.number for r in report.records.all()) == [mine[0].number, mine[1].number]


def test_completing_through_the_api(sent_back):
    operator, other_operator, process, mine = sent_back
    task = open_task(process, NODE)
    url = f"/api/v1/tasks/{task.pk}/decide/"
    assert client_for(other_operator).post(url, {"decision": "resubmit", "note": "x"}).status_code == 404
    api = client_for(operator)
    bad = api.post(url, {"decision": "approve", "note": "x"}, content_type="application/json")
    assert bad.status_code == 400
    row = next(r for r in api.get("/api/v1/tasks/").json() if r["id"] == task.pk)
    assert row["node"] == NODE and row["status"] == "NEW"
    ok = api.post(url, {"decision": "resubmit", "note": "已更正"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "DONE"
    assert not national.open_rejections(bodies=[process.body]).exists()
    again = api.post(url, {"decision": "resubmit", "note": "已更正"}, content_type="application/json")
    assert again.status_code == 409


def test_a_wrong_role_cannot_complete_it(sent_back, municipal_reviewer):
    operator, other_operator, process, _mine = sent_back
    task = open_task(process, NODE)
    for stranger in (other_operator, municipal_reviewer):
        response = client_for(stranger).post(f"/tasks/{task.pk}/", {"decision": "resubmit", "note": "x"})
        assert response.status_code == 404
        with pytest.raises(Denied):
            wf.task_national_rejection_resubmit(actor=stranger, task_pk=task.pk, note="x")
    wf.task_claim(actor=operator, task_pk=task.pk)
    with pytest.raises(Denied):
        wf.task_national_rejection_resubmit(actor=other_operator, task_pk=task.pk, note="x")
    colleague = factories.user(
        "rej_claimed_colleague", role=Role.BODY_OPERATOR, organisation=process.body.organisation
    )
    with pytest.raises(Denied):  # claimed by someone else: the colleague may not complete it
        wf.task_national_rejection_resubmit(actor=colleague, task_pk=task.pk, note="x")
    assert national.open_rejections(bodies=[process.body]).count() == 2
    assert Task.objects.get(pk=task.pk).status == "ASSIGNED"


def test_a_corrected_certificate_is_left_to_its_new_version(sent_back, municipal_reviewer):
    """Corrected before the task is done: the new version is queued by itself, the task queues the rest."""
    operator, _other, process, mine = sent_back
    corrected = cert_svc.certificate_correct(
        actor=operator, certificate=mine[0], reason="全国联网退回：姓名有误", holder_name="更正姓名"
    )
    task = open_task(process, NODE)
    page = client_for(operator).get(f"/tasks/{task.pk}/").content.decode()
    assert 'data-open="0"' in page and 'data-open="1"' in page
    queued = wf.task_national_rejection_resubmit(actor=operator, task_pk=task.pk, note="一条已更正")
    assert [r.number for r in queued] == [mine[1].number]
    report = national.report_export(actor=municipal_reviewer)
    assert {r.certificate_id for r in report.records.all()} == {corrected.pk, mine[1].pk}
    assert report.records.filter(result=ReportState.REPORTED).count() == 2
