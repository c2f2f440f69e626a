"""The supervision pages and the public catalogue: who sees what, every action through its form, bad input
answered with a message (never a 500), and the catalogue showing each change at once."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from filing.models import BodyStatus, FiledLineStatus, RectificationOrder
from tests import factories

pytestmark = pytest.mark.django_db
LATER = timezone.localdate() + datetime.timedelta(days=30)


@pytest.fixture
def body(college, body_operator):
    return factories.filed_body(college)


def login(client, user):
    client.force_login(user)
    return client


def action_url(table, pk, name):
    return reverse("supervision:action", args=[table, pk, name])


def test_catalogue_is_public_searchable_and_indexable(client, body):
    other = factories.filed_body(factories.organisation(name="东海职业培训学校"), code="4-12-01-01")
    page = client.get(reverse("catalogue"))
    assert page.status_code == 200
    assert body.name in page.text and other.name in page.text and body.code in page.text
    assert "noindex" not in page.text and "noindex" not in page.get("X-Robots-Tag", "")
    assert body.name not in client.get(reverse("catalogue"), {"q": "东海"}).text
    assert other.name in client.get(reverse("catalogue"), {"q": other.code}).text
    assert body.name not in client.get(reverse("catalogue"), {"occupation": "4-12-01-01"}).text
    for bad in ({"status": "abc"}, {"page": "x"}, {"page": "99999"}, {"category": "\x00"}, {"q": "x" * 500}):
        assert client.get(reverse("catalogue"), bad).status_code == 200
    assert client.get(reverse("catalogue_body", args=["nonsense"])).status_code == 404
    assert client.get(reverse("catalogue_body", args=[body.code])).status_code == 200


def test_catalogue_csv_holds_the_filtered_bodies(client, body):
    factories.filed_body(factories.organisation(name="=HYPERLINK(1)"))
    response = client.get(reverse("catalogue_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][1] == "机构代码" and len(rows) == 3
    assert any(r[1] == body.code and "车工" in r[6] for r in rows[1:])
    assert all(not r[0].startswith("=") for r in rows[1:])  # formulas escaped
    filtered = client.get(reverse("catalogue_csv"), {"q": body.code})
    assert len(list(csv.reader(io.StringIO(filtered.content.decode("utf-8-sig"))))) == 2


def test_city_suspends_through_the_page_and_the_catalogue_shows_it_at_once(client, body, municipal_reviewer):
    login(client, municipal_reviewer)
    record = client.get(reverse("supervision:detail", args=[body.pk]))
    assert record.status_code == 200
    for name in ("rectify", "suspend", "revoke"):
        assert f'data-action-form="body-{name}"' in record.text
    assert 'data-action-form="body-request_exit"' not in record.text
    response = client.post(
        action_url("body", body.pk, "suspend"), {"reason": "考务混乱", "reference": "沪1号"}
    )
    assert response.status_code == 302
    body.refresh_from_db()
    assert body.status == BodyStatus.SUSPENDED
    client.logout()
    public = client.get(reverse("catalogue_body", args=[body.code]))
    assert 'data-status="suspended"' in public.text and "考务混乱" in public.text and "沪1号" in public.text


def test_body_side_sees_only_its_own_actions_and_may_not_decide(client, body, body_operator, legal_rep):
    login(client, legal_rep)
    record = client.get(reverse("supervision:detail", args=[body.pk]))
    assert record.status_code == 200
    assert 'data-action-form="body-request_exit"' in record.text
    assert 'data-action-form="body-suspend"' not in record.text
    assert client.post(action_url("body", body.pk, "suspend"), {"reason": "x"}).status_code == 403
    body.refresh_from_db()
    assert body.status == BodyStatus.ACTIVE


def test_other_organisations_and_anonymous_users_see_nothing(client, body):
    stranger = factories.user(role="body_operator", organisation=factories.organisation())
    factories.filed_body(stranger.memberships.first().organisation)
    login(client, stranger)
    assert client.get(reverse("supervision:detail", args=[body.pk])).status_code == 404
    assert client.post(action_url("body", body.pk, "request_exit"), {"reason": "x"}).status_code == 404
    assert body.name not in client.get(reverse("supervision:index")).text
    client.logout()
    assert client.get(reverse("supervision:detail", args=[body.pk])).status_code == 302


def test_rectification_round_trip_through_the_pages(client, body, body_operator, municipal_reviewer):
    login(client, municipal_reviewer)
    assert (
        client.post(
            action_url("body", body.pk, "rectify"), {"findings": "考场无监控", "deadline": LATER.isoformat()}
        ).status_code
        == 302
    )
    order = RectificationOrder.objects.get()
    login(client, body_operator)
    record = client.get(reverse("supervision:detail", args=[body.pk])).text
    assert 'data-action-form="order-respond"' in record and 'data-action-form="order-accept"' not in record
    client.post(action_url("order", order.pk, "respond"), {"response": "已加装监控"})
    login(client, municipal_reviewer)
    client.post(action_url("order", order.pk, "accept"), {"note": "验收通过"})
    body.refresh_from_db()
    assert body.status == BodyStatus.ACTIVE


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"findings": "x", "deadline": "abc"},
        {"findings": "x", "deadline": "2020-01-01"},
        {"findings": "\x00"},
    ],
)
def test_bad_input_is_a_message_not_an_error_page(client, body, municipal_reviewer, data):
    login(client, municipal_reviewer)
    response = client.post(action_url("body", body.pk, "rectify"), data, follow=True)
    assert response.status_code == 200
    assert not RectificationOrder.objects.exists()


def test_unknown_action_or_table_is_404(client, body, municipal_reviewer):
    login(client, municipal_reviewer)
    assert client.post(action_url("body", body.pk, "explode"), {}).status_code == 404
    assert client.post(action_url("nothing", body.pk, "suspend"), {}).status_code == 404
    assert client.post(action_url("body", 999999, "suspend"), {}).status_code == 404


def test_line_suspension_through_the_page(client, body, municipal_reviewer):
    line = body.lines.get(offering__level=4)
    login(client, municipal_reviewer)
    client.post(action_url("line", line.pk, "suspend"), {"reason": "质量问题"})
    line.refresh_from_db()
    assert line.status == FiledLineStatus.SUSPENDED
    body.refresh_from_db()
    assert body.status == BodyStatus.ACTIVE
    public = client.get(reverse("catalogue_body", args=[body.code])).text
    assert 'data-line-status="suspended"' in public and 'data-line-status="active"' in public


def test_record_page_shows_pass_rates_against_the_city(client, body, municipal_reviewer):
    factories.plan_with_results(body, passed=3, failed=1)
    other = factories.filed_body(factories.organisation())
    factories.plan_with_results(other, passed=1, failed=3)
    login(client, municipal_reviewer)
    page = client.get(reverse("supervision:detail", args=[body.pk])).text
    assert "75.0%（3/4）" in page and "50.0%" in page and "+25.0" in page


def test_supervision_menu_entry(client, body, municipal_reviewer, applicant):
    login(client, municipal_reviewer)
    home = reverse("home:index")
    assert reverse("supervision:index") in client.get(home).text
    login(client, applicant)
    assert reverse("supervision:index") not in client.get(home).text
