"""Complaints (投诉, issue 17 item 5): filed by anyone whose contact answers a code, numbered from a locked
counter, handled by the city in a task (不予受理 / 转入调查 / 调查并答复, optionally 责令整改), the
complainant told by message; the body's record shows them, the body never learns who complained."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from filing.errors import Conflict, Denied, Invalid, WrongState
from filing.models import AuditEvent, BodyStatus, Complaint, ComplaintStatus, RectificationOrder
from filing.roles import Role
from filing.services import complaints as svc
from filing.services.memberships import membership_grant
from tests import factories
from workflows import services as wf
from workflows.models import ComplaintProcess
from workflows.selectors import open_task

pytestmark = pytest.mark.django_db
S = ComplaintStatus
_CAPTURE = []


@pytest.fixture(autouse=True)
def _clean(django_capture_on_commit_callbacks):
    cache.clear()
    _CAPTURE[:] = [django_capture_on_commit_callbacks]
    yield
    _CAPTURE.clear()


def sending():
    return _CAPTURE[0](execute=True)


@pytest.fixture
def body(college, body_operator):
    return factories.filed_body(college)


@pytest.fixture
def city(municipal_reviewer):
    return municipal_reviewer


@pytest.fixture
def conflicted_city(college):
    """A municipal reviewer who also works for the body complained about: must recuse."""
    user = factories.user("m_conflicted", role=Role.MUNICIPAL_REVIEWER)
    membership_grant(actor=None, user=user, role=Role.BODY_OPERATOR, organisation=college)
    return user


def last_code() -> str:
    return re.search(r"验证码为(\d{6})", mail.outbox[-1].body).group(1)


def file_complaint(body, *, contact="wang@example.cn", anonymous=False, **extra) -> Complaint:
    with sending():
        challenge = svc.complaint_start(
            body=body, name="王五", contact=contact, text="考场未核验身份证件", anonymous=anonymous, **extra
        )
    code = last_code()
    with sending():
        return svc.complaint_confirm(challenge_id=challenge.pk, code=code)


def task_of(complaint):
    return open_task(complaint, "handle_complaint")


def decide(actor, complaint, **arguments):
    with sending():
        return wf.task_complete(actor=actor, task_pk=task_of(complaint).pk, arguments=arguments)


def fresh(complaint):
    return Complaint.objects.get(pk=complaint.pk)


# --- receiving ---------------------------------------------------------------------------------------------


def test_a_complaint_exists_once_its_code_comes_back_numbered_and_with_its_task(body):
    with sending():
        challenge = svc.complaint_start(body=body, name="王五", contact="Wang@Example.cn", text="乱收费")
    assert not Complaint.objects.exists() and mail.outbox[-1].to == ["wang@example.cn"]
    with sending():
        complaint = svc.complaint_confirm(challenge_id=challenge.pk, code=last_code())
    year = timezone.localdate().year
    assert complaint.number == f"TS{year}-000001" and complaint.status == S.RECEIVED
    assert complaint.contact_masked == "w***@example.cn" and "wang" not in complaint.contact_encrypted
    assert ComplaintProcess.objects.filter(complaint=complaint).exists()
    assert task_of(complaint).owner_permission == "filing.review_city"
    assert complaint.number in mail.outbox[-1].body  # the complainant is told the number
    assert AuditEvent.objects.filter(action="complaint.receive").exists()


def test_numbers_are_unique_and_consecutive_from_the_counter(body):
    numbers = [file_complaint(body, contact=f"p{i}@example.cn").number for i in range(4)]
    assert len(set(numbers)) == 4
    assert [int(n[-6:]) for n in numbers] == [1, 2, 3, 4]


def test_a_wrong_or_reused_code_files_nothing(body):
    with sending():
        challenge = svc.complaint_start(body=body, name="王五", contact="w@example.cn", text="事实")
    code = last_code()
    with pytest.raises(Invalid):
        svc.complaint_confirm(challenge_id=challenge.pk, code="000000" if code != "000000" else "111111")
    with sending():
        svc.complaint_confirm(challenge_id=challenge.pk, code=code)
    with pytest.raises(Invalid):
        svc.complaint_confirm(challenge_id=challenge.pk, code=code)
    assert Complaint.objects.count() == 1


def test_a_sitting_named_by_date_and_room_is_linked(body, body_operator):
    from tests.filing.test_supervision_reports import plan_in

    sitting = plan_in(body, body_operator).sittings.get(room="A101")
    day = timezone.localtime(sitting.starts_at).date()
    complaint = file_complaint(body, sitting_date=day, sitting_room="A101")
    assert complaint.sitting == sitting
    unknown = file_complaint(body, contact="x@example.cn", sitting_date=day, sitting_room="B999")
    assert unknown.sitting is None and unknown.sitting_date == day and unknown.sitting_room == "B999"


def test_one_contact_may_have_only_a_few_open_complaints_about_one_body(body):
    for _ in range(svc.OPEN_PER_CONTACT_AND_BODY):
        file_complaint(body)
    with pytest.raises(Conflict):
        svc.complaint_start(body=body, name="王五", contact="wang@example.cn", text="又一次")


def test_a_body_that_left_cannot_be_complained_about(body):
    type(body).objects.filter(pk=body.pk).update(status=BodyStatus.EXITED)
    body.refresh_from_db()
    with pytest.raises(Invalid) as error:
        svc.complaint_start(body=body, name="王五", contact="w@example.cn", text="事实")
    assert "body" in error.value.errors


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "", "text": "事实"},
        {"name": "王五", "text": "   "},
        {"name": "王五", "text": "长" * 2001},
        {"name": "王" * 61, "text": "事实"},
        {"name": "王五", "text": "事实", "contact": "not a contact"},
        {"name": "王五", "text": "事实", "sitting_room": "房" * 61},
        {"name": "王五", "text": "事实", "sitting_date": "2026-13-01"},
    ],
)
def test_bad_input_is_refused_by_the_service(body, fields):
    arguments = {"contact": "w@example.cn", **fields}
    with pytest.raises(Invalid):
        svc.complaint_start(body=body, **arguments)
    assert not Complaint.objects.exists()


# --- handling: the FSM through the task ---------------------------------------------------------------------


def test_dismiss_needs_a_reason_and_closes_the_complaint_and_tells_the_complainant(body, city):
    complaint = file_complaint(body)
    with pytest.raises(Invalid):
        decide(city, complaint, decision="dismiss", reason=" ")
    decide(city, complaint, decision="dismiss", reason="不属于本中心受理范围")
    complaint = fresh(complaint)
    assert complaint.status == S.DISMISSED and complaint.dismiss_reason == "不属于本中心受理范围"
    assert (
        not ComplaintProcess.objects.get(complaint=complaint).task_set.filter(finished__isnull=True).exists()
    )
    assert "不予受理" in mail.outbox[-1].body and mail.outbox[-1].to == ["wang@example.cn"]
    assert AuditEvent.objects.filter(action="complaint.dismiss").exists()


def test_investigate_then_answer_with_a_rectification_order(body, city):
    complaint = file_complaint(body)
    decide(city, complaint, decision="investigate", note="转调查组")
    assert fresh(complaint).status == S.INVESTIGATING
    with pytest.raises(WrongState):  # only a received complaint may be dismissed
        decide(city, complaint, decision="dismiss", reason="迟到的不予受理")
    with pytest.raises(Invalid):
        decide(city, complaint, decision="answer", findings="", answer="已核实")
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    decide(
        city,
        complaint,
        decision="answer",
        findings="考场未逐一核验证件",
        answer="情况属实，已责令整改",
        rectify=True,
        deadline=deadline,
    )
    complaint = fresh(complaint)
    assert complaint.status == S.ANSWERED and complaint.rectification is not None
    order = RectificationOrder.objects.get()
    assert order.source == f"投诉{complaint.number}" and order.deadline == deadline
    body.refresh_from_db()
    assert body.status == BodyStatus.RECTIFICATION
    assert "情况属实" in mail.outbox[-1].body


def test_a_received_complaint_cannot_be_answered_and_a_closed_one_cannot_move(body, city):
    complaint = file_complaint(body)
    with pytest.raises(WrongState):
        svc.complaint_answer(actor=city, complaint=complaint, findings="f", answer="a")
    svc.complaint_dismiss(actor=city, complaint=complaint, reason="重复投诉")
    for call in (
        lambda: svc.complaint_investigate(actor=city, complaint=complaint),
        lambda: svc.complaint_dismiss(actor=city, complaint=complaint, reason="again"),
        lambda: svc.complaint_answer(actor=city, complaint=complaint, findings="f", answer="a"),
    ):
        with pytest.raises(WrongState):
            call()


@pytest.mark.parametrize("who", ["body_operator", "district_reviewer", "outsider", "conflicted_city"])
def test_only_the_city_outside_the_body_may_handle(body, who, request):
    actor = request.getfixturevalue(who)
    complaint = file_complaint(body)
    for call in (
        lambda: svc.complaint_investigate(actor=actor, complaint=complaint),
        lambda: svc.complaint_dismiss(actor=actor, complaint=complaint, reason="r"),
    ):
        with pytest.raises(Denied):
            call()
    with pytest.raises(Denied):
        wf.task_complete(
            actor=actor, task_pk=task_of(complaint).pk, arguments={"decision": "dismiss", "reason": "r"}
        )
    assert fresh(complaint).status == S.RECEIVED


def test_the_task_page_decides_the_complaint(body, city, body_operator, conflicted_city):
    complaint = file_complaint(body)
    client = Client()
    for stranger in (body_operator, conflicted_city):  # not theirs: the page does not exist for them
        client.force_login(stranger)
        task_url = f"/tasks/{task_of(complaint).pk}/"
        assert client.post(task_url, {"decision": "dismiss", "reason": "r"}).status_code in (403, 404)
    assert fresh(complaint).status == S.RECEIVED
    client.force_login(city)
    url = f"/tasks/{task_of(complaint).pk}/"
    page = client.get(url)
    assert page.status_code == 200 and complaint.number in page.content.decode()
    with sending():
        answer = client.post(url, {"decision": "investigate", "reason": ""})
    assert answer.status_code in (200, 302) and fresh(complaint).status == S.INVESTIGATING
    url = f"/tasks/{task_of(complaint).pk}/"
    refused = client.post(url, {"decision": "dismiss", "reason": "r"})
    assert refused.status_code == 409 and fresh(complaint).status == S.INVESTIGATING
    with sending():
        client.post(url, {"decision": "answer", "findings": "查无实据", "answer": "经核查，未发现所述问题"})
    assert fresh(complaint).status == S.ANSWERED


# --- the body's record page ---------------------------------------------------------------------------------


def test_the_body_sees_answered_complaints_only_and_never_an_anonymous_complainant(body, city, body_operator):
    named = file_complaint(body, contact="named@example.cn")
    hidden = file_complaint(body, contact="hidden@example.cn", anonymous=True)
    pending = file_complaint(body, contact="pending@example.cn")
    for complaint in (named, hidden):
        decide(city, complaint, decision="investigate")
        decide(city, complaint, decision="answer", findings="属实", answer="已处理")
    client = Client()
    client.force_login(body_operator)
    page = client.get(f"/supervision/{body.pk}/").content.decode()
    assert named.number in page and hidden.number in page and pending.number not in page
    assert "@example.cn" not in page  # no contact at all
    row = re.search(rf'data-complaint="{hidden.number}".*?</tr>', page, re.S).group(0)
    assert "王五" not in row and "匿名" in row

    client.force_login(city)
    page = client.get(f"/supervision/{body.pk}/").content.decode()
    assert pending.number in page and "p***@example.cn" in page and "pending@example.cn" not in page


# --- notifications ------------------------------------------------------------------------------------------


def test_the_city_hears_of_a_complaint_and_the_body_of_its_answer_but_not_who_complained(
    body, city, body_operator
):
    from notifications import tasks
    from notifications.models import InboxMessage

    complaint = file_complaint(body, anonymous=True)
    decide(city, complaint, decision="investigate")
    decide(city, complaint, decision="answer", findings="属实", answer="已处理")
    tasks.sweep()
    (to_city,) = InboxMessage.objects.filter(recipient=city, title__contains=complaint.number)
    assert "收到投诉" in to_city.title
    (to_body,) = InboxMessage.objects.filter(recipient=body_operator, title__contains=complaint.number)
    assert "已答复" in to_body.title
    assert "王五" not in to_body.body and "wang" not in to_body.body


def test_the_complainant_is_not_messaged_when_taken_up_only_when_closed(body, city):
    complaint = file_complaint(body)
    sent = len(mail.outbox)
    decide(city, complaint, decision="investigate")
    assert len(mail.outbox) == sent


# --- races (PostgreSQL: SQLite has no row locks) ------------------------------------------------------------


def _race(calls):
    from tests.workflows.test_concurrency import _race as race

    return race(calls)


@pytest.mark.django_db(transaction=True)
def test_concurrent_complaints_get_distinct_consecutive_numbers(on_postgres, roles):
    body = factories.filed_body(factories.organisation(district_code="310115"))
    payload = {"body": body.pk, "name": "王五", "contact": "w@example.cn", "text": "事实"}
    results = _race([(lambda i=i: svc._receive(dict(payload), f"index-{i}")) for i in range(12)])
    assert all(kind == "ok" for kind, _ in results), results
    serials = sorted(int(complaint.number[-6:]) for _, complaint in results)
    assert serials == list(range(1, 13))


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_one_wins(on_postgres, roles):
    body = factories.filed_body(factories.organisation(district_code="310115"))
    reviewers = [factories.user(f"m_race_{i}", role=Role.MUNICIPAL_REVIEWER) for i in range(2)]
    payload = {"body": body.pk, "name": "王五", "contact": "w@example.cn", "text": "事实"}
    complaint = svc._receive(payload, "index")
    task = task_of(complaint)
    results = _race(
        [
            lambda: wf.task_complete(
                actor=reviewers[0], task_pk=task.pk, arguments={"decision": "dismiss", "reason": "r"}
            ),
            lambda: wf.task_complete(
                actor=reviewers[1], task_pk=task.pk, arguments={"decision": "investigate"}
            ),
        ]
    )
    wins = [r for r in results if r[0] == "ok"]
    assert len(wins) == 1, results
    assert all(isinstance(e, (Conflict, WrongState, Denied)) for kind, e in results if kind == "error"), (
        results
    )
    assert fresh(complaint).status in (S.DISMISSED, S.INVESTIGATING)
