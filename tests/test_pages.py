"""The base UI: Chinese login page, login required everywhere else, a home page per role."""

import pytest
from django.urls import reverse

from filing.roles import Role

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_and_utf8(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    body = response.content.decode()
    assert "登录" in body
    assert "上海市职业技能等级认定评价机构备案与证书管理系统" in body


@pytest.mark.parametrize("url", ["/", "/admin/filing/auditevent/"])
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login")) or "/login/" in response["Location"]


def test_login_with_password_reaches_home(client, applicant):
    response = client.post(
        reverse("login"), {"username": "applicant", "password": "pw-Test-12345"}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user == applicant


@pytest.mark.parametrize(
    "persona, role",
    [
        ("applicant", Role.APPLICANT),
        ("district_reviewer", Role.DISTRICT_REVIEWER),
        ("municipal_reviewer", Role.MUNICIPAL_REVIEWER),
        ("expert", Role.EXPERT),
        ("auditor", Role.AUDITOR),
        ("administrator", Role.ADMINISTRATOR),
    ],
)
def test_home_page_shows_what_each_role_does_next(client, request, persona, role):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(reverse("home:index"))
    body = response.content.decode()
    assert f'data-role="{role}"' in body
    assert str(Role(role).label) in body


def test_home_page_for_user_without_role(client, outsider):
    client.force_login(outsider)
    body = client.get(reverse("home:index")).content.decode()
    assert "尚未分配角色" in body


def test_english_is_available(client, applicant):
    client.force_login(applicant)
    response = client.get(reverse("set_language_en") + "?next=/")
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "en"


def test_language_switch_refuses_foreign_redirects(client):
    response = client.get(reverse("set_language_en") + "?next=https://evil.example/")
    assert response["Location"] == "/"


def test_auditor_sees_audit_log_in_admin_but_cannot_edit(client, auditor):
    client.force_login(auditor)
    assert client.get("/admin/filing/auditevent/").status_code == 200
    assert client.get("/admin/filing/occupation/").status_code == 403


def test_administrator_edits_reference_data(client, administrator):
    client.force_login(administrator)
    assert client.get("/admin/filing/occupation/").status_code == 200
    assert client.get("/admin/filing/calendaroverride/add/").status_code == 200


def test_applicant_has_no_admin(client, applicant):
    client.force_login(applicant)
    response = client.get("/admin/")
    assert response.status_code == 302  # admin login page: not staff


@pytest.mark.parametrize("persona", ["applicant", "district_reviewer", "municipal_reviewer", "expert"])
def test_every_task_role_can_see_its_queue(persona, request):
    """viewflow lists a flow's tasks only to holders of the process model's view permission."""
    user = request.getfixturevalue(persona)
    assert user.has_perm("workflows.view_filingreviewprocess")


def test_municipal_reviewers_see_plan_tasks(municipal_reviewer):
    assert municipal_reviewer.has_perm("workflows.view_planprocess")


def test_chinese_first_whatever_the_browser_says(client, applicant):
    client.force_login(applicant)
    response = client.get("/home/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    client.cookies["django_language"] = "en"
    assert client.get("/home/")["Content-Language"] == "en"


def _figures(client) -> dict[str, int]:
    import re

    body = client.get(reverse("home:index")).content.decode()
    found = re.findall(r'data-figure="([^"]+)".*?headline4"[^>]*>(\d+)</span>', body, flags=re.S)
    return {label: int(count) for label, count in found}


def test_home_figures_count_what_waits_for_each_role(
    client, applicant, legal_rep, college, district_reviewer, municipal_reviewer, auditor
):
    from filing.services import applications as app_svc
    from tests import factories

    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    client.force_login(applicant)
    assert _figures(client) == {"待补正的申请": 0, "草稿": 1}
    client.force_login(district_reviewer)
    assert _figures(client) == {"我的待办": 0, "待认领": 0}

    app_svc.application_submit(actor=applicant, application=draft)
    client.force_login(applicant)
    assert _figures(client)["草稿"] == 0
    client.force_login(district_reviewer)
    assert _figures(client) == {"我的待办": 0, "待认领": 1}  # the acceptance task of the district's queue
    client.force_login(municipal_reviewer)
    assert _figures(client) == {"我的待办": 0, "待认领": 0}
    client.force_login(auditor)
    assert _figures(client) == {}


def test_home_warns_of_a_missing_holiday_schedule_before_deadlines_reach_it(
    client, monkeypatch, known_until_2026, administrator, municipal_reviewer, applicant
):
    """Near the end of 2026, with 2027 unknown to the package, administrators (with a link to enter it) and
    municipal reviewers are told; once a 工作日历年份 row exists the notice goes away."""
    import datetime

    from filing import workdays
    from filing.models import CalendarYear
    from filing.views import home

    monkeypatch.setattr(home.timezone, "localdate", lambda: datetime.date(2026, 11, 30))
    assert workdays.undeclared_years(datetime.date(2026, 6, 1)) == []  # 2027 is beyond the horizon yet

    client.force_login(administrator)
    body = client.get(reverse("home:index")).content.decode()
    assert "2027年的法定节假日安排尚未录入" in body
    assert reverse("admin:filing_calendaryear_add") in body
    client.force_login(municipal_reviewer)
    body = client.get(reverse("home:index")).content.decode()
    assert "2027年的法定节假日安排尚未录入" in body
    assert reverse("admin:filing_calendaryear_add") not in body
    client.force_login(applicant)
    assert "法定节假日安排尚未录入" not in client.get(reverse("home:index")).content.decode()

    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    client.force_login(administrator)
    assert "法定节假日安排尚未录入" not in client.get(reverse("home:index")).content.decode()
