"""Scope and state rules at the interfaces: out-of-scope objects are 404, forbidden functions 403, wrong
states 409; and the application transitions allowed and denied by state and by role."""

import datetime

import pytest
from viewflow.workflow.models import Task

from filing.errors import Denied, Invalid, WrongState
from filing.models import ApplicationStatus
from filing.roles import Role
from filing.services import applications as svc
from filing.services import review
from tests import factories
from workflows import selectors as wf_selectors

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture
def submitted(applicant, legal_rep, college):
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    return svc.application_submit(actor=applicant, application=draft)


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("applicant", 200),
        ("legal_rep", 200),
        ("district_reviewer", 200),
        ("municipal_reviewer", 200),
        ("auditor", 200),
        ("other_district_reviewer", 404),
        ("expert", 404),
        ("outsider", 404),
    ],
)
def test_application_page_scope(client, request, submitted, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/applications/{submitted.pk}/").status_code == expected
    attachment = submitted.attachments.first()
    assert client.get(f"/applications/attachments/{attachment.pk}/").status_code == expected


def test_other_college_in_the_same_district_sees_nothing(
    client, submitted, other_college_same_district, roles
):
    other = factories.user("other_clerk", role=Role.APPLICANT, organisation=other_college_same_district)
    client.force_login(other)
    assert client.get(f"/applications/{submitted.pk}/").status_code == 404
    assert client.get("/applications/999999/").status_code == 404
    assert str(submitted.number) not in client.get("/applications/").content.decode()


def test_task_page_scope(client, submitted, district_reviewer, other_district_reviewer, municipal_reviewer):
    task = Task.objects.get(process__filingreviewprocess__application=submitted, flow_task_type="HUMAN")
    client.force_login(other_district_reviewer)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/tasks/{task.pk}/claim/").status_code == 404
    client.force_login(municipal_reviewer)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    client.force_login(district_reviewer)
    assert client.get(f"/tasks/{task.pk}/").status_code == 200


def test_forbidden_function_is_403_and_audited(client, submitted, legal_rep):
    from filing.models import AuditEvent

    client.force_login(legal_rep)
    # Wrong state first (409), then the role (403): a submitted application cannot be submitted again.
    assert client.post(f"/applications/{submitted.pk}/submit/").status_code == 409
    before = AuditEvent.objects.filter(result="denied").count()
    response = client.post(f"/applications/{submitted.pk}/sign/")
    assert response.status_code == 409  # signing is only before submission
    draft = factories.complete_draft(
        applicant=submitted.created_by, legal_rep=legal_rep, organisation=submitted.organisation
    )
    assert client.post(f"/applications/{draft.pk}/submit/").status_code == 403
    assert AuditEvent.objects.filter(result="denied").count() == before + 1


@pytest.mark.parametrize("step", ["district_accept", "district_review", "municipal_review"])
def test_review_steps_refuse_the_wrong_state(submitted, district_reviewer, step):
    if step == "district_accept":
        return  # the allowed case is exercised by every journey test
    with pytest.raises(WrongState):
        review.review_decide(
            actor=district_reviewer, application=submitted, step=step, outcome="approve", comment="x"
        )


def test_review_roles(
    submitted, municipal_reviewer, other_district_reviewer, district_reviewer, college, roles
):
    with pytest.raises(Denied):
        review.review_decide(
            actor=municipal_reviewer,
            application=submitted,
            step="district_accept",
            outcome="approve",
            comment="x",
        )
    with pytest.raises(Denied):
        review.review_decide(
            actor=other_district_reviewer,
            application=submitted,
            step="district_accept",
            outcome="approve",
            comment="x",
        )
    # A reviewer who also belongs to the applicant must recuse.
    from filing.services.memberships import membership_grant

    membership_grant(actor=None, user=district_reviewer, role=Role.APPLICANT, organisation=college)
    with pytest.raises(Denied):
        review.review_decide(
            actor=district_reviewer,
            application=submitted,
            step="district_accept",
            outcome="approve",
            comment="x",
        )


def test_return_needs_items_and_a_future_deadline(submitted, district_reviewer):
    with pytest.raises(Invalid):
        review.review_decide(
            actor=district_reviewer,
            application=submitted,
            step="district_accept",
            outcome="return",
            comment="x",
            correction_items=[],
            correction_deadline=datetime.date.today() + datetime.timedelta(days=5),
        )
    with pytest.raises(Invalid):
        review.review_decide(
            actor=district_reviewer,
            application=submitted,
            step="district_accept",
            outcome="return",
            comment="x",
            correction_items=[{"kind": "field", "key": "summary"}],
            correction_deadline=datetime.date.today(),
        )
    with pytest.raises(Invalid):
        review.review_decide(
            actor=district_reviewer,
            application=submitted,
            step="district_accept",
            outcome="return",
            comment="x",
            correction_items=[{"kind": "field", "key": "bogus"}],
            correction_deadline=datetime.date.today() + datetime.timedelta(days=5),
        )
    with pytest.raises(Invalid):
        review.review_decide(
            actor=district_reviewer,
            application=submitted,
            step="district_accept",
            outcome="reject",
            comment="  ",
        )


@pytest.mark.parametrize("final", [S.REJECTED, S.WITHDRAWN])
def test_final_states_refuse_everything(submitted, applicant, district_reviewer, final):
    if final == S.REJECTED:
        review.review_decide(
            actor=district_reviewer,
            application=submitted,
            step="district_accept",
            outcome="reject",
            comment="不予受理",
        )
    else:
        svc.application_withdraw(actor=applicant, application=submitted, reason="撤回")
    submitted.refresh_from_db()
    assert submitted.status == final
    with pytest.raises(WrongState):
        svc.application_withdraw(actor=applicant, application=submitted, reason="再撤回")
    with pytest.raises(WrongState):
        svc.application_submit(actor=applicant, application=submitted)
    with pytest.raises(WrongState):
        svc.application_respond(actor=applicant, application=submitted, comment="x")


def test_status_is_protected(submitted):
    with pytest.raises(AttributeError):
        submitted.status = S.FILED


def test_withdraw_is_the_applicants(submitted, district_reviewer):
    with pytest.raises(Denied):
        svc.application_withdraw(actor=district_reviewer, application=submitted, reason="x")


def test_school_level_cap_and_foreign_majors(applicant, college, other_college_same_district):
    application = svc.application_create(
        actor=applicant, organisation=college, kind="initial", contact_name="x", contact_phone="y"
    )
    top = factories.offering(level=2)
    with pytest.raises(Invalid):
        svc.line_add(
            actor=applicant,
            application=application,
            offering=top,
            majors=[factories.major(college)],
            venue="v",
            equipment="e",
            evaluator_pool="p",
        )
    foreign = factories.major(other_college_same_district)
    with pytest.raises(Invalid):
        svc.line_add(
            actor=applicant,
            application=application,
            offering=factories.offering(level=4),
            majors=[foreign],
            venue="v",
            equipment="e",
            evaluator_pool="p",
        )


def test_tasks_list_only_own_district(submitted, district_reviewer, other_district_reviewer):
    assert wf_selectors.tasks_visible_to(district_reviewer)["queue"].count() == 1
    assert wf_selectors.tasks_visible_to(other_district_reviewer)["queue"].count() == 0
