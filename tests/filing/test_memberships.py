"""Memberships go through their services wherever they start — the admin included — so the Group, the
``is_staff`` flag, the audit chain and the signal always follow the rows."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from filing.errors import Denied, WrongState
from filing.models import AuditEvent, AuditResult, District, Membership
from filing.roles import Role, group_name
from filing.services import applications as app_svc
from filing.services.memberships import membership_grant, membership_revoke, membership_set_unit_lead
from filing.signals import membership_changed
from tests import factories
from workflows import selectors as wf_selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(applicant, legal_rep, college):
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    return app_svc.application_submit(actor=applicant, application=draft)


def admin_client(administrator) -> Client:
    client = Client()
    client.force_login(administrator)
    return client


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def queue_of(user) -> list:
    return list(wf_selectors.tasks_visible_to(fresh(user))["queue"])


def test_a_reviewer_added_in_the_admin_sees_the_district_queue_and_loses_it_when_revoked(
    administrator, submitted
):
    newcomer = factories.user("new_reviewer")
    assert queue_of(newcomer) == []
    response = admin_client(administrator).post(
        "/admin/filing/membership/add/",
        {
            "user": newcomer.pk,
            "role": Role.DISTRICT_REVIEWER,
            "district": District.objects.get(code="310115").pk,
            "organisation": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=newcomer)
    assert fresh(newcomer).groups.filter(name=group_name(Role.DISTRICT_REVIEWER)).exists()
    assert fresh(newcomer).has_perm("workflows.view_filingreviewprocess")
    queue = queue_of(newcomer)
    assert [t.process.filingreviewprocess.application_id for t in queue] == [submitted.pk]
    assert AuditEvent.objects.filter(action="membership.grant", object_id=str(membership.pk)).exists()

    response = admin_client(administrator).post(
        "/admin/filing/membership/",
        {"action": "revoke_selected", "_selected_action": [membership.pk]},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is False
    assert not fresh(newcomer).groups.filter(name=group_name(Role.DISTRICT_REVIEWER)).exists()
    assert queue_of(newcomer) == []
    assert AuditEvent.objects.filter(action="membership.revoke", object_id=str(membership.pk)).exists()


def test_the_admin_cannot_delete_a_membership_or_edit_its_role(administrator, applicant):
    membership = Membership.objects.get(user=applicant)
    client = admin_client(administrator)
    assert client.get(f"/admin/filing/membership/{membership.pk}/delete/").status_code in (302, 403)
    client.post(
        f"/admin/filing/membership/{membership.pk}/change/",
        {"role": Role.MUNICIPAL_REVIEWER, "is_unit_lead": "on"},
    )
    membership.refresh_from_db()
    assert membership.role == Role.APPLICANT  # read-only on change
    assert membership.is_unit_lead is True  # the one editable flag, through its service
    assert AuditEvent.objects.filter(action="membership.unit_lead", object_id=str(membership.pk)).exists()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_staff_flag_and_groups_follow_the_active_roles(roles):
    person = factories.user("staffer")
    auditor = membership_grant(actor=None, user=person, role=Role.AUDITOR)
    assert fresh(person).is_staff
    membership_grant(actor=None, user=person, role=Role.MUNICIPAL_REVIEWER)
    membership_revoke(actor=None, membership=auditor)
    person = fresh(person)
    assert not person.is_staff
    assert set(person.groups.values_list("name", flat=True)) == {group_name(Role.MUNICIPAL_REVIEWER)}


def test_a_revoked_role_can_be_granted_again(roles, college):
    person = factories.user("comeback")
    first = membership_grant(actor=None, user=person, role=Role.APPLICANT, organisation=college)
    membership_revoke(actor=None, membership=first, reason="调岗")
    again = membership_grant(actor=None, user=person, role=Role.APPLICANT, organisation=college)
    assert again.pk == first.pk and again.is_active
    with pytest.raises(WrongState):
        membership_grant(actor=None, user=person, role=Role.APPLICANT, organisation=college)
    with pytest.raises(WrongState):
        membership_revoke(actor=None, membership=first)
        membership_revoke(actor=None, membership=first)


def test_only_an_administrator_changes_memberships_and_a_refusal_is_audited(applicant, college):
    target = factories.user("target")
    with pytest.raises(Denied) as denied:
        membership_grant(actor=applicant, user=target, role=Role.APPLICANT, organisation=college)
    denied.value.record()
    assert AuditEvent.objects.filter(action="membership.grant", result=AuditResult.DENIED).exists()
    membership = Membership.objects.get(user=applicant)
    for call in (
        lambda: membership_revoke(actor=applicant, membership=membership),
        lambda: membership_set_unit_lead(actor=applicant, membership=membership, is_unit_lead=True),
    ):
        with pytest.raises(Denied):
            call()


def test_every_change_announces_membership_changed(administrator, college):
    heard = []

    def receiver(sender, membership, actor, **kwargs):
        heard.append((membership.pk, membership.is_active, actor))

    membership_changed.connect(receiver)
    try:
        person = factories.user("announced")
        m = membership_grant(actor=administrator, user=person, role=Role.APPLICANT, organisation=college)
        membership_set_unit_lead(actor=administrator, membership=m, is_unit_lead=True)
        membership_revoke(actor=administrator, membership=m)
    finally:
        membership_changed.disconnect(receiver)
    assert heard == [(m.pk, True, administrator), (m.pk, True, administrator), (m.pk, False, administrator)]
