"""Public verification (``filing.verification`` and its pages): one-to-one, minimal, masked, not indexed,
rate-limited; malformed input is just "not found"."""

import re

import pytest
from django.test import override_settings

from filing.models import Certificate
from filing.verification import verify_by_number, verify_by_token
from tests import factories
from tests.filing.issued import issue

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r"^[YS]\d{4}\d{2}\d{6}\d{2}[1-5]\d{6}$")


@pytest.fixture
def body(college, roles):
    return factories.filed_body(college)


@override_settings(VERIFY_RATE_PER_MINUTE=5)
def test_public_verification_page_leaks_nothing_and_is_rate_limited(client, body):
    from django.core.cache import cache

    cache.clear()
    plan, operator = factories.plan_with_results(body, passed=1)
    issue(plan, operator, "pub")
    cert = Certificate.objects.get()
    wrong_name = client.post("/verify/", {"number": cert.number, "name": "不是他"})
    unknown = client.post("/verify/", {"number": "Y000031999999264000001", "name": cert.holder_name})
    assert wrong_name.status_code == unknown.status_code == 200

    def answer(response):  # the result card; the form echoes the visitor's own input, which is no leak
        text = response.content.decode()
        start = text.index("data-result=")
        return text[start : text.index("</div>", start)]

    assert answer(wrong_name) == answer(unknown) and 'data-result="none"' in answer(wrong_name)
    assert wrong_name["X-Robots-Tag"] == "noindex, nofollow" and "no-store" in wrong_name["Cache-Control"]
    ok = client.post("/verify/", {"number": cert.number, "name": cert.holder_name})
    card = answer(ok)
    assert "有效" in card and cert.holder_name not in card and cert.holder_name[0] in card  # masked name only
    assert cert.document_masked not in ok.content.decode()  # no ID number at all
    token = client.get(f"/verify/t/{cert.verification_token}/")
    assert token.status_code == 200 and cert.number in token.content.decode()
    statuses = [client.post("/verify/", {"number": cert.number, "name": "x"}).status_code for _ in range(3)]
    assert statuses == [200, 429, 429]  # 4 checks above + 1 = the limit of 5 per minute
    assert "查询过于频繁" in client.post("/verify/", {"number": cert.number, "name": "x"}).content.decode()
    cache.clear()
    assert client.post("/verify/", {"number": cert.number, "name": "x"}).status_code == 200


@pytest.mark.parametrize("token", ["", "short", "a" * 65, "abc\x00" * 8, "../../etc/passwd", "Ｘ" * 20])
def test_malformed_tokens_and_inputs_are_just_not_found(token, db):
    assert verify_by_token(token) is None
    assert verify_by_number("Y000031000001264000001\x00", "张三") is None


def test_number_and_name_are_posted_never_put_in_an_address(client, body):
    """#12 finding 8: a holder's name in a query string lands in access logs, history and proxy caches. The
    page posts the form; an old ?number=&name= address checks nothing; the API refuses names in GET."""
    from django.core.cache import cache

    cache.clear()
    plan, operator = factories.plan_with_results(body, passed=1)
    issue(plan, operator, "post")
    cert = Certificate.objects.get()
    page = client.get("/verify/")
    assert 'method="post"' in page.content.decode() and "csrfmiddlewaretoken" in page.content.decode()
    bookmarked = client.get("/verify/", {"number": cert.number, "name": cert.holder_name})
    assert bookmarked.status_code == 200 and "data-result=" not in bookmarked.content.decode()
    assert cert.holder_name not in bookmarked.content.decode()  # the name from the address is not even echoed
    api = client.get("/api/v1/verify/", {"number": cert.number, "name": cert.holder_name})
    assert api.status_code == 400 and "POST" in api.json()["message"]
    assert client.get("/api/v1/verify/").status_code == 400
    found = client.post(
        "/api/v1/verify/", {"number": cert.number, "name": cert.holder_name}, "application/json"
    )
    assert found.status_code == 200 and found.json()["found"] is True and found.json()["status"] == "valid"
    wrong = client.post("/api/v1/verify/", {"number": cert.number, "name": "不是他"}, "application/json")
    assert wrong.json() == {"found": False}
    by_token = client.get("/api/v1/verify/", {"token": cert.verification_token})
    assert by_token.json()["number"] == cert.number
    extra = client.post("/api/v1/verify/", {"number": cert.number, "name": "x", "id": 1}, "application/json")
    assert extra.status_code == 400  # unknown fields refused
    assert client.post("/verify/", {"number": "", "name": ""}).status_code == 422
