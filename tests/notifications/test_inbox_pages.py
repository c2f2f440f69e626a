"""The in-app inbox (/notifications/), the header's unread badge, and the preferences page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from notifications import tasks
from notifications.models import InboxMessage, Preference
from notifications.outbox import notify

pytestmark = pytest.mark.django_db
BADGE = re.compile(r'data-unread-badge="(\d+)"')


def badge(response) -> int:
    found = BADGE.findall(response.content.decode())
    assert len(found) == 1, "the header badge is missing"
    return int(found[0])


@pytest.fixture
def inbox(applicant, legal_rep):
    """Three messages for the applicant (one with an external link), one for the legal representative."""
    notify("accepted", [applicant], {"number": "SF-2026-0001", "district": "浦东新区"}, link="/tasks/")
    notify(
        "review_passed", [applicant], {"number": "SF-2026-0002", "step": "区级审核"}, link="/applications/"
    )
    notify("accepted", [applicant], {"number": "SF-2026-0003"}, link="https://evil.example/phish")
    notify("accepted", [legal_rep], {"number": "SF-2026-0099"}, link="/tasks/")
    assert tasks.sweep() == {"sent": 4}
    return {m.title: m for m in InboxMessage.objects.all()}


def test_inbox_lists_my_messages_and_the_badge_counts_unread(client, applicant, inbox):
    client.force_login(applicant)
    response = client.get("/notifications/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "申请已受理：SF-2026-0001" in page
    assert "申请通过区级审核：SF-2026-0002" in page
    assert "SF-2026-0099" not in page  # the legal representative's
    assert response.context["unread_count"] == 3
    assert badge(response) == 3
    assert len(response.context["messages_list"]) == 3

    # Other pages carry the same badge (context processor).
    assert badge(client.get(reverse("notifications:preferences"))) == 3


def test_opening_a_message_marks_it_read_and_follows_its_link(client, applicant, inbox):
    message = inbox["申请已受理：SF-2026-0001"]
    client.force_login(applicant)

    response = client.post(reverse("notifications:open", args=[message.pk]))
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    message.refresh_from_db()
    assert message.read_at is not None
    first_read = message.read_at
    assert badge(client.get("/notifications/")) == 2

    client.post(reverse("notifications:open", args=[message.pk]))  # opening again keeps the first read time
    message.refresh_from_db()
    assert message.read_at == first_read
    assert badge(client.get("/notifications/")) == 2


def test_an_external_link_is_not_followed(client, applicant, inbox):
    message = inbox["申请已受理：SF-2026-0003"]
    client.force_login(applicant)
    response = client.post(reverse("notifications:open", args=[message.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:index")


def test_mark_all_read(client, applicant, legal_rep, inbox):
    client.force_login(applicant)
    assert badge(client.get("/notifications/")) == 3

    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302

    assert not InboxMessage.objects.filter(recipient=applicant, read_at__isnull=True).exists()
    assert InboxMessage.objects.get(recipient=legal_rep).read_at is None  # not someone else's
    response = client.get("/notifications/")
    assert response.context["unread_count"] == 0 and badge(response) == 0


def test_a_user_cannot_open_another_users_message(client, applicant, legal_rep, inbox):
    theirs = inbox["申请已受理：SF-2026-0099"]
    client.force_login(applicant)
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(reverse("notifications:open", args=[999_999])).status_code == 404


def test_the_inbox_needs_a_login(client, inbox):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_preferences_refuse_to_mute_legally_required_kinds(client, applicant):
    client.force_login(applicant)
    url = reverse("notifications:preferences")
    page = client.get(url).content.decode()
    assert 'value="submitted_receipt"' in page  # optional kinds are offered
    assert 'value="returned"' not in page and 'value="accepted"' not in page  # required ones are not

    response = client.post(url, {"language": "zh-hans", "muted_kinds": ["submitted_receipt", "returned"]})
    assert response.status_code == 200  # the form is shown again with an error
    assert response.context["form"].errors["muted_kinds"]
    assert not Preference.objects.filter(user=applicant).exists()

    response = client.post(url, {"language": "en", "muted_kinds": ["submitted_receipt", "review_passed"]})
    assert response.status_code == 302
    preference = Preference.objects.get(user=applicant)
    assert preference.language == "en"
    assert sorted(preference.muted_kinds) == ["review_passed", "submitted_receipt"]

    # And the muting takes effect.
    event = notify("review_passed", [applicant], {"number": "SF-1", "step": "区级审核"})
    assert set(event.deliveries.values_list("state", flat=True)) == {"muted"}
