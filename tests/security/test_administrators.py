"""Administrators (#12 finding 2): no administrator makes itself superuser, edits groups, permissions or
another staff account; every user and membership change is audited; a role that can reveal personal data
or grant roles needs a second administrator."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from filing.errors import Denied, Invalid
from filing.models import AuditEvent, Membership, MembershipRequest
from filing.roles import Role, group_name
from filing.services.memberships import (
    membership_grant,
    membership_request,
    membership_request_approve,
    membership_request_decline,
)
from tests import factories

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def second_administrator(roles):
    return factories.user("admin2", role=Role.ADMINISTRATOR)


@pytest.fixture
def newcomer(db):
    return factories.user("newcomer")


def add_membership(client, user, role, *, organisation=None, reason="新到岗考务人员"):
    return client.post(
        "/admin/filing/membership/add/",
        {
            "user": user.pk,
            "role": role,
            "organisation": organisation.pk if organisation else "",
            "district": "",
            "reason": reason,
        },
    )


def test_an_administrator_adding_a_body_operator_only_asks_and_a_second_one_grants(
    administrator, second_administrator, newcomer, college
):
    first = signed_in(administrator)
    response = add_membership(first, newcomer, Role.BODY_OPERATOR, organisation=college)
    assert response.status_code == 302 and response.url.endswith("/admin/filing/membershiprequest/")
    assert not Membership.objects.filter(user=newcomer).exists()  # nothing granted yet
    (pending,) = MembershipRequest.objects.filter(user=newcomer)
    assert pending.state == MembershipRequest.State.PENDING and pending.requested_by == administrator
    assert AuditEvent.objects.filter(action="membership.request", actor=administrator).exists()

    # The one who asked cannot approve their own request.
    first.post(
        "/admin/filing/membershiprequest/",
        {"action": "approve_selected", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert pending.state == MembershipRequest.State.PENDING
    assert not Membership.objects.filter(user=newcomer).exists()

    second = signed_in(second_administrator)
    second.post(
        "/admin/filing/membershiprequest/",
        {"action": "approve_selected", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert pending.state == MembershipRequest.State.APPROVED and pending.decided_by == second_administrator
    granted = Membership.objects.get(user=newcomer, role=Role.BODY_OPERATOR, is_active=True)
    event = AuditEvent.objects.filter(action="membership.grant").latest("seq")
    assert event.payload["approved_by"] == "admin2" and event.object_id == str(granted.pk)
    assert AuditEvent.objects.filter(action="membership.approve", actor=second_administrator).exists()
    assert newcomer.groups.filter(name=group_name(Role.BODY_OPERATOR)).exists()


def test_an_administrator_cannot_give_itself_a_personal_data_role(administrator, college):
    with pytest.raises(Denied):
        membership_grant(
            actor=administrator, user=administrator, role=Role.BODY_OPERATOR, organisation=college
        )
    request = membership_request(
        actor=administrator,
        user=administrator,
        role=Role.BODY_OPERATOR,
        organisation=college,
        reason="自己兼任",
    )
    with pytest.raises(Denied):
        membership_request_approve(actor=administrator, request=request)
    assert not Membership.objects.filter(user=administrator, role=Role.BODY_OPERATOR).exists()


def test_the_person_the_role_is_for_cannot_approve_it(administrator, second_administrator, roles):
    request = membership_request(
        actor=administrator, user=second_administrator, role=Role.MUNICIPAL_REVIEWER, reason="兼任市级审核"
    )
    with pytest.raises(Denied):
        membership_request_approve(actor=second_administrator, request=request)
    third = factories.user("admin3", role=Role.ADMINISTRATOR)
    membership_request_approve(actor=third, request=request)
    assert Membership.objects.filter(
        user=second_administrator, role=Role.MUNICIPAL_REVIEWER, is_active=True
    ).exists()


def test_a_decline_needs_a_reason_and_grants_nothing(administrator, second_administrator, newcomer, roles):
    request = membership_request(
        actor=administrator, user=newcomer, role=Role.MUNICIPAL_REVIEWER, reason="借调"
    )
    with pytest.raises(Invalid):
        membership_request_decline(actor=second_administrator, request=request, reason="  ")
    membership_request_decline(actor=second_administrator, request=request, reason="未经单位同意")
    request.refresh_from_db()
    assert request.state == MembershipRequest.State.DECLINED
    assert not Membership.objects.filter(user=newcomer).exists()
    assert AuditEvent.objects.filter(action="membership.decline", actor=second_administrator).exists()


def test_a_role_without_personal_data_is_granted_by_one_administrator(administrator, newcomer, roles):
    response = signed_in(administrator).post(
        "/admin/filing/membership/add/",
        {"user": newcomer.pk, "role": Role.EXPERT, "organisation": "", "district": "", "reason": ""},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, role=Role.EXPERT, is_active=True).exists()
    assert AuditEvent.objects.filter(action="membership.grant", actor=administrator).exists()


def test_the_user_admin_has_no_superuser_flag_groups_or_permissions_for_an_administrator(
    administrator, newcomer
):
    admin = signed_in(administrator)
    page = admin.get(f"/admin/auth/user/{newcomer.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert field not in form.fields

    response = admin.post(
        f"/admin/auth/user/{newcomer.pk}/change/",
        {
            "username": "newcomer",
            "first_name": "新",
            "last_name": "同事",
            "email": "new@example.cn",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert not newcomer.is_superuser and not newcomer.is_staff and newcomer.email == "new@example.cn"
    event = AuditEvent.objects.filter(action="user.change").latest("seq")
    assert event.actor_id == administrator.pk and "email" in event.payload["fields"]
    assert "is_superuser" not in event.payload["fields"]


def test_an_administrator_cannot_make_itself_superuser_through_its_own_page(administrator):
    admin = signed_in(administrator)
    admin.post(
        f"/admin/auth/user/{administrator.pk}/change/",
        {"username": "admin", "is_active": "on", "is_superuser": "on", "is_staff": "on"},
    )
    administrator.refresh_from_db()
    assert not administrator.is_superuser


def test_another_staff_account_or_a_superuser_is_out_of_reach(administrator, second_administrator):
    boss = get_user_model().objects.create_superuser("root", password="pw-Test-12345")
    admin = signed_in(administrator)
    for target in (second_administrator, boss):
        page = admin.get(f"/admin/auth/user/{target.pk}/change/")
        assert page.status_code == 200 and not page.context["has_change_permission"]  # read-only
        edit = admin.post(
            f"/admin/auth/user/{target.pk}/change/",
            {"username": target.get_username(), "is_active": "", "email": "x@example.cn"},
        )
        assert edit.status_code == 403
        password = admin.post(
            f"/admin/auth/user/{target.pk}/password/",
            {"password1": "Another-pw-98765", "password2": "Another-pw-98765"},
        )
        assert password.status_code == 403
        target.refresh_from_db()
        assert target.check_password("pw-Test-12345") and target.is_active and target.email == ""
    assert not AuditEvent.objects.filter(action="user.change").exists()


def test_a_new_account_made_in_the_admin_is_audited(administrator):
    response = signed_in(administrator).post(
        "/admin/auth/user/add/",
        {"username": "clerk9", "password1": "Clerk-pw-24680", "password2": "Clerk-pw-24680"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.add")
    assert event.actor_id == administrator.pk and event.payload["username"] == "clerk9"
    assert "password" in event.payload["fields"]
    assert "Clerk-pw-24680" not in str(event.payload)  # the password itself is never recorded
