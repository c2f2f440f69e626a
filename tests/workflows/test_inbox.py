"""The task inbox finds and pages (issue #13 item 13): one list of the tasks a reviewer owns or may claim,
searched by application number, organisation or plan, filtered by task kind, state, created and due date,
sorted, 50 a page with page links, exported to Excel exactly as filtered — never another district's task,
never a 500 on a bad query string."""

from __future__ import annotations

import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task

from filing.models import FilingApplication
from tests.test_list_queries import queries, submitted_applications
from workflows import services as wf
from workflows.flows import FilingReviewFlow, PlanFlow

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def task_of(application) -> Task:
    return Task.objects.get(
        process__filingreviewprocess__application=application, finished__isnull=True, flow_task_type="HUMAN"
    )


def shown(response) -> set[int]:
    assert response.status_code == 200
    return {row["task"].pk for row in response.context["rows"]}


@pytest.fixture
def queue(college, applicant, district_reviewer):
    submitted_applications(college, applicant, 3)
    return list(FilingApplication.objects.order_by("pk"))


def test_search_by_number_and_organisation(queue, district_reviewer):
    client = client_for(district_reviewer)
    first = queue[0]
    assert shown(client.get("/tasks/")) == {task_of(a).pk for a in queue}
    assert shown(client.get(f"/tasks/?q={first.number}")) == {task_of(first).pk}
    assert shown(client.get(f"/tasks/?q={first.number.lower()}")) == {task_of(first).pk}
    assert shown(client.get(f"/tasks/?q={first.organisation.name[:3]}")) == {task_of(a).pk for a in queue}
    assert shown(client.get("/tasks/?q=没有这个单位")) == set()
    assert "没有符合筛选条件的任务" in client.get("/tasks/?q=没有这个单位").content.decode()


def test_state_kind_and_created_filters(queue, district_reviewer):
    client = client_for(district_reviewer)
    mine = task_of(queue[1])
    wf.task_claim(actor=district_reviewer, task_pk=mine.pk)
    assert shown(client.get("/tasks/?status=ASSIGNED")) == {mine.pk}
    assert shown(client.get("/tasks/?status=NEW")) == {task_of(queue[0]).pk, task_of(queue[2]).pk}
    accept = get_task_ref(FilingReviewFlow.district_accept)
    confirm = get_task_ref(PlanFlow.confirm_plan)
    assert len(shown(client.get("/tasks/", {"kind": accept}))) == 3
    assert shown(client.get("/tasks/", {"kind": confirm})) == set()
    Task.objects.filter(pk=mine.pk).update(created=timezone.now() - datetime.timedelta(days=40))
    old = (timezone.localdate() - datetime.timedelta(days=40)).isoformat()
    assert shown(client.get(f"/tasks/?date_from={old}&date_to={old}")) == {mine.pk}
    assert mine.pk not in shown(client.get(f"/tasks/?date_from={timezone.localdate().isoformat()}"))
    ordered = [row["task"].pk for row in client.get("/tasks/?sort=oldest").context["rows"]]
    assert ordered[0] == mine.pk
    assert [row["task"].pk for row in client.get("/tasks/?sort=newest").context["rows"]][-1] == mine.pk


def test_due_date_filter_and_sort(queue, district_reviewer):
    client = client_for(district_reviewer)
    accepted = queue[0]
    wf.task_review(actor=district_reviewer, task_pk=task_of(accepted).pk, outcome="approve", comment="受理")
    reviewing = task_of(accepted)
    assert reviewing.flow_task == FilingReviewFlow.district_review
    page = client.get("/tasks/?sort=due")
    assert [row["task"].pk for row in page.context["rows"]][0] == reviewing.pk
    due = page.context["rows"][0]["task"].due_on
    assert due is not None and due > timezone.localdate()
    day = due.isoformat()
    assert shown(client.get(f"/tasks/?due_from={day}&due_to={day}")) == {reviewing.pk}
    assert shown(client.get(f"/tasks/?due_to={(due - datetime.timedelta(days=1)).isoformat()}")) == set()


def test_another_districts_tasks_are_never_listed_nor_exported(queue, other_district_reviewer):
    client = client_for(other_district_reviewer)
    assert shown(client.get("/tasks/")) == set()
    sheet = load_workbook(io.BytesIO(client.get("/tasks/?export=xlsx").content), read_only=True).active
    assert len(list(sheet.iter_rows(values_only=True))) == 1  # the header only


def test_export_holds_what_is_filtered(queue, district_reviewer):
    client = client_for(district_reviewer)
    response = client.get(f"/tasks/?q={queue[2].number}&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = [list(r) for r in load_workbook(io.BytesIO(response.content), read_only=True).active.values]
    assert rows[0][:4] == ["任务", "办理对象", "单位", "任务状态"]
    assert rows[1:] == [["区级受理", queue[2].number, queue[2].organisation.name, "待认领", rows[1][4], None]]


def test_pages_and_constant_queries(college, applicant, district_reviewer, django_assert_max_num_queries):
    client = client_for(district_reviewer)
    submitted_applications(college, applicant, 5)
    small = queries(client, "/tasks/?sort=due")
    submitted_applications(college, applicant, 115)
    with django_assert_max_num_queries(small):
        page = client.get("/tasks/?sort=due")
    text = page.content.decode()
    assert "共 120 条" in text and "第 1 / 3 页" in text and 'rel="next"' in text
    assert len(page.context["rows"]) == 50
    assert len(client.get("/tasks/?page=3").context["rows"]) == 20
    assert len(client.get("/tasks/?page=999999").context["rows"]) == 20  # past the end: the last page
    assert "status=NEW&amp;page=2" in client.get("/tasks/?status=NEW").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "date_from=abc",
        "due_from=2026-13-45",
        "due_from=2027-01-01&due_to=2026-01-01",
        "status=nonsense",
        "kind=DROP TABLE",
        "sort=DROP",
        "q=" + "x" * 500,
        "page=abc",
        "page=99999999999999999999",
        "export=xlsx&due_to=notadate",
    ],
)
def test_a_bad_query_is_said_and_never_a_500(query, queue, district_reviewer):
    response = client_for(district_reviewer).get(f"/tasks/?{query}")
    assert response.status_code == 200


def test_a_person_without_tasks_sees_an_empty_inbox(outsider):
    response = client_for(outsider).get("/tasks/")
    assert response.status_code == 200 and response.context["rows"] == []
