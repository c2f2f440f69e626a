"""A domain error reaches an English user in English — on a page (the 409 page) and over the API (409 and
400, a parse error too) — and a Chinese user in Chinese. The API takes its language from Accept-Language
(an integrating system has no language cookie); pages take it from the user's choice only."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token

from filing.services import applications as app_svc
from tests import factories

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


def english(source: str) -> str:
    with translation.override("en"):
        text = translation.gettext(source)
    assert text != source and not CJK.search(text), f"no English translation for {source!r}"
    return text


@pytest.fixture
def submitted(applicant, legal_rep, college):
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    return app_svc.application_submit(actor=applicant, application=draft)


@pytest.fixture
def api(applicant):
    token = Token.objects.create(user=applicant)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def test_a_409_page_is_in_english_for_a_user_who_chose_english(client, applicant, submitted):
    client.force_login(applicant)
    client.get("/i18n/en/")
    response = client.post(f"/applications/{submitted.pk}/submit/")
    assert response.status_code == 409
    assert english("只有草稿可以提交。") in response.content.decode()


def test_the_same_409_page_is_in_chinese_by_default(client, applicant, submitted):
    client.force_login(applicant)
    response = client.post(f"/applications/{submitted.pk}/submit/")
    assert response.status_code == 409
    assert "只有草稿可以提交。" in response.content.decode()


def test_an_api_409_and_400_answer_in_the_language_the_caller_asks_for(api, submitted):
    wrong_state = api.post(f"/api/v1/applications/{submitted.pk}/submit/", HTTP_ACCEPT_LANGUAGE="en")
    assert wrong_state.status_code == 409
    assert wrong_state.json()["message"] == english("只有草稿可以提交。")

    no_reason = api.post(
        f"/api/v1/applications/{submitted.pk}/withdraw/",
        {"reason": ""},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9",
    )
    assert no_reason.status_code == 400
    assert no_reason.json()["message"] == english("请填写撤回理由。")
    bad_version = api.post(
        f"/api/v1/applications/{submitted.pk}/withdraw/",
        {"reason": "x", "version": "abc"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad_version.status_code == 400
    assert bad_version.json()["message"] == english("输入有误。")
    assert bad_version.json()["errors"]["version"] == ["A valid integer is required."]

    chinese = api.post(f"/api/v1/applications/{submitted.pk}/submit/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert chinese.json()["message"] == "只有草稿可以提交。"
    default = api.post(f"/api/v1/applications/{submitted.pk}/submit/")
    assert default.json()["message"] == "只有草稿可以提交。"


def test_an_api_parse_error_is_in_the_callers_language(api, submitted):
    for language, expected in (
        ("en", english("请求内容无法解析，请发送有效的JSON或表单数据。")),
        ("zh-CN", None),
    ):
        response = api.post(
            "/api/v1/applications/",
            "{not json",
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "parse_error"
        assert body["message"] == (expected or "请求内容无法解析，请发送有效的JSON或表单数据。")


def test_field_errors_of_an_api_input_are_in_english_too(api, college):
    response = api.post(
        "/api/v1/applications/",
        {"organisation": college.pk, "kind": "no-such-kind", "contact_name": "王", "contact_phone": "1"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == english("输入有误。")
    assert "kind" in body["errors"] and not CJK.search(" ".join(body["errors"]["kind"]))
