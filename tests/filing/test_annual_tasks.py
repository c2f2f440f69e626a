"""Annual task lists (issue #18 item 1): each transition allowed and denied for state and role; a
reported indicator keeps its evidence and who confirmed it; a computed one equals a direct count;
notifications go to who acts next; the pages answer in scope and 404 outside it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from filing import indicators
from filing.errors import Denied, Invalid, WrongState
from filing.models import AnnualTaskList, AuditEvent, TaskListStatus, TrainingClass
from filing.roles import Role
from filing.services import annual_tasks as svc
from notifications.models import OutboxEvent
from tests import factories

pytestmark = pytest.mark.django_db
T = TaskListStatus
YEAR = 2026
JAN = datetime.date(YEAR, 1, 5)
TARGETS = [
    {"indicator": "certificates", "target": "120"},
    {"indicator": "training_trainees", "target": "300"},
    {"indicator": "master_studios", "target": "12"},
]


def evidence(name="证明.pdf"):
    return SimpleUploadedFile(name, factories.PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def task_list(applicant, college):
    return svc.task_list_create(actor=applicant, organisation=college, year=YEAR, targets=TARGETS, today=JAN)


def to_state(tl, state, *, applicant, district_reviewer, municipal_reviewer):
    if state == T.DRAFT:
        return tl
    tl = svc.task_list_submit(actor=applicant, task_list=tl)
    if state == T.SUBMITTED:
        return tl
    if state == T.RETURNED:
        return svc.task_list_return(actor=district_reviewer, task_list=tl, reason="目标偏低")
    tl = svc.task_list_confirm(actor=district_reviewer, task_list=tl)
    if state == T.DISTRICT_CONFIRMED:
        return tl
    tl = svc.task_list_confirm(actor=municipal_reviewer, task_list=tl)
    if state == T.CONFIRMED:
        return tl
    return svc.task_list_assess(
        actor=applicant, task_list=tl, text="全年完成情况良好", today=datetime.date(YEAR, 12, 1)
    )


def test_the_whole_path_with_a_return(task_list, applicant, district_reviewer, municipal_reviewer):
    assert task_list.status == T.DRAFT and task_list.targets.count() == 3
    tl = svc.task_list_submit(actor=applicant, task_list=task_list)
    tl = svc.task_list_confirm(actor=district_reviewer, task_list=tl)
    tl = svc.task_list_return(actor=municipal_reviewer, task_list=tl, reason="请补充竞赛目标依据")
    assert tl.status == T.RETURNED and tl.return_reason and tl.district_confirmed_by is None
    tl = svc.task_list_update(
        actor=applicant, task_list=tl, targets=[*TARGETS, {"indicator": "apprentices", "target": "20"}]
    )
    tl = svc.task_list_submit(actor=applicant, task_list=tl)
    assert tl.return_reason == ""
    tl = svc.task_list_confirm(actor=district_reviewer, task_list=tl)
    tl = svc.task_list_confirm(actor=municipal_reviewer, task_list=tl)
    assert tl.status == T.CONFIRMED
    assert tl.district_confirmed_by == district_reviewer and tl.city_confirmed_by == municipal_reviewer
    actions = set(AuditEvent.objects.filter(object_id=str(tl.pk)).values_list("action", flat=True))
    assert {
        "task_list.submit",
        "task_list.confirm_district",
        "task_list.return",
        "task_list.confirm_city",
    } <= actions


#: (action, the state it needs) → who may do it; every other (role, state) is refused.
ACTIONS = {
    "submit": ({T.DRAFT, T.RETURNED}, {"applicant", "legal_rep"}),
    # Confirming and returning belong to the reviewer of the step: the district's, then the city's.
    "confirm": ({T.SUBMITTED, T.DISTRICT_CONFIRMED}, None),
    "return": ({T.SUBMITTED, T.DISTRICT_CONFIRMED}, None),
    "assess": ({T.CONFIRMED}, {"applicant", "legal_rep"}),
}
PERSONAS = (
    "applicant",
    "legal_rep",
    "body_operator",
    "district_reviewer",
    "other_district_reviewer",
    "municipal_reviewer",
    "leader",
    "outsider",
)


def run(action, actor, tl):
    if action == "submit":
        return svc.task_list_submit(actor=actor, task_list=tl)
    if action == "confirm":
        return svc.task_list_confirm(actor=actor, task_list=tl)
    if action == "return":
        return svc.task_list_return(actor=actor, task_list=tl, reason="理由")
    return svc.task_list_assess(actor=actor, task_list=tl, text="自评", today=datetime.date(YEAR, 12, 2))


@pytest.mark.parametrize(
    "state", [T.DRAFT, T.SUBMITTED, T.RETURNED, T.DISTRICT_CONFIRMED, T.CONFIRMED, T.ASSESSED]
)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_transition_allowed_and_denied(
    request, state, action, college, applicant, district_reviewer, municipal_reviewer
):
    people = {
        "applicant": applicant,
        "legal_rep": factories.user("lr", role=Role.LEGAL_REPRESENTATIVE, organisation=college),
        "body_operator": factories.user("op", role=Role.BODY_OPERATOR, organisation=college),
        "district_reviewer": district_reviewer,
        "other_district_reviewer": factories.user("xh", role=Role.DISTRICT_REVIEWER, district_code="310104"),
        "municipal_reviewer": municipal_reviewer,
        "leader": factories.user("leader", role=Role.DISTRICT_LEADER, district_code="310115"),
        "outsider": factories.user("nobody"),
    }
    states, allowed = ACTIONS[action]
    if allowed is None:
        allowed = {"district_reviewer"} if state == T.SUBMITTED else {"municipal_reviewer"}
    for persona in PERSONAS:
        tl = (
            svc.task_list_create(actor=applicant, organisation=college, year=YEAR, targets=TARGETS, today=JAN)
            if not AnnualTaskList.objects.exists()
            else AnnualTaskList.objects.get()
        )
        tl = to_state(
            tl,
            state,
            applicant=applicant,
            district_reviewer=district_reviewer,
            municipal_reviewer=municipal_reviewer,
        )
        tl.refresh_from_db()
        before = tl.status
        ok = state in states and persona in allowed
        if ok:
            with TestCase.captureOnCommitCallbacks(execute=False):
                result = run(action, people[persona], tl)
            assert result.status != before, (action, state, persona)
        else:
            with pytest.raises((Denied, WrongState)):
                run(action, people[persona], tl)
            tl.refresh_from_db()
            assert tl.status == before
        AnnualTaskList.objects.all().delete()


def test_the_self_assessment_waits_for_december(task_list, applicant, district_reviewer, municipal_reviewer):
    tl = to_state(
        task_list,
        T.CONFIRMED,
        applicant=applicant,
        district_reviewer=district_reviewer,
        municipal_reviewer=municipal_reviewer,
    )
    with pytest.raises(WrongState, match=f"{YEAR}-12-01"):
        svc.task_list_assess(actor=applicant, task_list=tl, text="自评", today=datetime.date(YEAR, 11, 30))
    tl = svc.task_list_assess(actor=applicant, task_list=tl, text="自评", today=datetime.date(YEAR, 12, 1))
    assert tl.status == T.ASSESSED


def test_targets_are_validated(applicant, college):
    for bad in (
        [],
        [{"indicator": "nope", "target": 1}],
        [{"indicator": "certificates", "target": "-1"}],
        [{"indicator": "certificates", "target": "NaN"}],
        [{"indicator": "certificates", "target": "1e99"}],
        [{"indicator": "certificates", "target": 1}, {"indicator": "certificates", "target": 2}],
        "x",
    ):
        with pytest.raises(Invalid):
            svc.task_list_create(actor=applicant, organisation=college, year=YEAR, targets=bad, today=JAN)
    with pytest.raises(Invalid):
        svc.task_list_create(actor=applicant, organisation=college, year=YEAR + 5, targets=TARGETS, today=JAN)
    svc.task_list_create(actor=applicant, organisation=college, year=YEAR, targets=TARGETS, today=JAN)
    with pytest.raises(Invalid):  # one list per college and year
        svc.task_list_create(actor=applicant, organisation=college, year=YEAR, targets=TARGETS, today=JAN)
    assert AnnualTaskList.objects.count() == 1


def test_a_college_that_is_not_new_type_drafts_nothing(roles):
    plain = factories.organisation(new_type=False)
    clerk = factories.user("plain", role=Role.APPLICANT, organisation=plain)
    with pytest.raises(Denied):
        svc.task_list_create(actor=clerk, organisation=plain, year=YEAR, targets=TARGETS, today=JAN)


def test_a_reported_indicator_keeps_its_evidence_and_who_confirmed_it(
    task_list, applicant, district_reviewer, municipal_reviewer, other_district_reviewer
):
    tl = to_state(
        task_list,
        T.CONFIRMED,
        applicant=applicant,
        district_reviewer=district_reviewer,
        municipal_reviewer=municipal_reviewer,
    )
    target = tl.targets.get(indicator="master_studios")
    computed = tl.targets.get(indicator="certificates")
    with pytest.raises(Invalid):  # a computed indicator is not reported
        svc.target_report(actor=applicant, task_list=tl, target_pk=computed.pk, value=3, evidence=evidence())
    with pytest.raises(Invalid):  # evidence is required
        svc.target_report(actor=applicant, task_list=tl, target_pk=target.pk, value=3, evidence=None)
    with pytest.raises(Invalid):  # evidence is checked by content
        bad = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
        svc.target_report(actor=applicant, task_list=tl, target_pk=target.pk, value=3, evidence=bad)
    with pytest.raises(Denied):
        svc.target_report(
            actor=district_reviewer, task_list=tl, target_pk=target.pk, value=3, evidence=evidence()
        )
    svc.target_report(actor=applicant, task_list=tl, target_pk=target.pk, value="7", evidence=evidence())
    with pytest.raises(Denied):
        svc.target_confirm(actor=other_district_reviewer, task_list=tl, target_pk=target.pk)
    with pytest.raises(Denied):
        svc.target_confirm(actor=applicant, task_list=tl, target_pk=target.pk)
    svc.target_confirm(actor=district_reviewer, task_list=tl, target_pk=target.pk)
    with pytest.raises(WrongState):
        svc.target_confirm(actor=municipal_reviewer, task_list=tl, target_pk=target.pk)
    target.refresh_from_db()
    assert target.reported_value == Decimal("7.0") and target.confirmed_by == district_reviewer
    assert target.evidence.get().sha256 and target.evidence.get().uploaded_by == applicant
    rows = {r["target"].indicator: r for r in svc.progress(tl, today=datetime.date(YEAR, 12, 31))}
    assert rows["master_studios"]["actual"] == Decimal("7.0") and rows["master_studios"]["late"]
    # A new report waits for a confirmation again.
    svc.target_report(actor=applicant, task_list=tl, target_pk=target.pk, value="12", evidence=evidence())
    target.refresh_from_db()
    assert target.confirmed_by is None and target.evidence.count() == 2


def test_a_computed_indicator_equals_a_direct_count(
    task_list, applicant, college, district_reviewer, municipal_reviewer
):
    for n, (trainees, completed, year) in enumerate([(40, 38, YEAR), (25, 20, YEAR), (99, 99, YEAR - 1)]):
        TrainingClass.objects.create(
            organisation=college,
            title=f"班{n}",
            kind="social",
            starts_on=datetime.date(year, 3, 1),
            ends_on=datetime.date(year, 4, 1),
            trainees=trainees,
            hours=40,
            completed=completed,
            created_by=applicant,
        )
    rows = {r["target"].indicator: r for r in svc.progress(task_list, today=datetime.date(YEAR, 6, 30))}
    direct = sum(c.trainees for c in TrainingClass.objects.filter(organisation=college, ends_on__year=YEAR))
    assert rows["training_trainees"]["actual"] == direct == 65
    assert rows["certificates"]["actual"] == 0 and rows["certificates"]["late"]
    assert indicators.expected_share(YEAR, datetime.date(YEAR, 1, 1)) > 0
    assert not indicators.behind(0, 100, YEAR, datetime.date(YEAR - 1, 12, 31))


def test_notifications_go_to_who_acts_next(task_list, applicant, district_reviewer, municipal_reviewer):
    with TestCase.captureOnCommitCallbacks(execute=False):
        svc.task_list_submit(actor=applicant, task_list=task_list)
    event = OutboxEvent.objects.get(kind="task_list_to_confirm")
    assert set(event.deliveries.values_list("recipient_id", flat=True)) == {district_reviewer.pk}
    with TestCase.captureOnCommitCallbacks(execute=False):
        svc.task_list_return(actor=district_reviewer, task_list=task_list, reason="目标偏低")
    decided = OutboxEvent.objects.get(kind="task_list_decided")
    assert applicant.pk in set(decided.deliveries.values_list("recipient_id", flat=True))
    assert "目标偏低" in decided.payload["reason"]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_pages_in_scope_and_out(
    task_list, applicant, district_reviewer, other_district_reviewer, outsider
):
    page = client_for(applicant).get(f"/dashboard/tasks/{task_list.pk}/")
    assert page.status_code == 200 and 'data-action="submit"' in page.content.decode()
    assert client_for(district_reviewer).get(f"/dashboard/tasks/{task_list.pk}/").status_code == 200
    for user in (other_district_reviewer, outsider):
        assert client_for(user).get(f"/dashboard/tasks/{task_list.pk}/").status_code == 404
        assert client_for(user).post(f"/dashboard/tasks/{task_list.pk}/submit/").status_code == 404
    leader = factories.user("leader_pd", role=Role.DISTRICT_LEADER, district_code="310115")
    view = client_for(leader).get(f"/dashboard/tasks/{task_list.pk}/").content.decode()
    assert "data-action" not in view  # read-only
    assert client_for(leader).post(f"/dashboard/tasks/{task_list.pk}/submit/").status_code == 403
    response = client_for(applicant).post(f"/dashboard/tasks/{task_list.pk}/submit/")
    assert response.status_code == 302
    task_list.refresh_from_db()
    assert task_list.status == T.SUBMITTED
    # Drafting through the page: one field per indicator.
    other = factories.organisation(district_code="310115", name="另一所学院")
    clerk = factories.user("clerk2", role=Role.APPLICANT, organisation=other)
    form = client_for(clerk).post("/dashboard/tasks/new/", {"year": YEAR, "t_certificates": "50"})
    assert form.status_code in (302, 422)
