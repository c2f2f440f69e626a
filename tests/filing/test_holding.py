"""人人持证 (filing/holding.py): the figures computed from the staff register and the register of
certificates equal a hand count of the test data — several departments, a revoked certificate, a corrected
(superseded) one, a certificate of another occupation, a person who left, a non-skilled post, a certificate
issued after the day, another enterprise's staff — on the day and at each month end."""

import datetime
import uuid

import pytest
from django.urls import reverse

from filing import holding, pii
from filing.models import Certificate, Level, Occupation, StaffMember
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date
ON = D(2026, 6, 30)
LONG_AGO = D(2020, 1, 1)


@pytest.fixture
def enterprise(roles):
    org = factories.organisation(kind="enterprise", name="上海精密机床有限公司", new_type=False, batch=None)
    body = factories.filed_body(org, levels=(4, 3))
    return org, body


@pytest.fixture
def world(enterprise):
    org, body = enterprise
    other_org = factories.organisation(kind="enterprise", name="另一家企业", new_type=False, batch=None)
    plan, _operator = factories.plan_with_results(body, passed=12, photos=False)
    people = list(plan.registrations.select_related("candidate").order_by("pk"))
    lathe = Occupation.objects.get(code="6-18-01-01")
    other_occupation = Occupation.objects.exclude(pk=lathe.pk).first()
    serial = iter(range(1, 1000))

    def cert(person, level, issued, occupation=lathe, number=None, version=1):
        return Certificate.objects.create(
            number=number or f"Y000031000001{issued:%y}{level}{next(serial):06d}",
            version=version,
            registration=person,
            body=body,
            holder_name=person.candidate.name,
            document_type="citizen_id",
            document_masked=person.candidate.document_masked,
            document_index=person.candidate.document_index,
            occupation_code=occupation.code,
            occupation_name=occupation.name,
            level=level,
            level_label=str(Level(level).label),
            body_name=body.name,
            issue_date=issued,
            verification_token=uuid.uuid4().hex,
        )

    def member(key, person, department, *, skilled=True, hired=LONG_AGO, left=None, organisation=org):
        return StaffMember.objects.create(
            organisation=organisation,
            employee_number=key,
            name=person.candidate.name,
            document_type="citizen_id",
            document_encrypted=pii.encrypt_text("x"),
            document_index=person.candidate.document_index,
            document_masked=person.candidate.document_masked,
            department=department,
            post="数控车工" if skilled else "仓库管理",
            skilled_post=skilled,
            occupation=lathe if skilled else None,
            hired_on=hired,
            left_on=left,
        )

    a, b, c, d, e, f, g, h, i, x = people[:10]
    staff = {
        "A": member("A", a, "机加工"),
        "B": member("B", b, "机加工"),
        "C": member("C", c, "机加工"),
        "I": member("I", i, "机加工"),
        "D": member("D", d, "装配"),
        "E": member("E", e, "装配", left=D(2026, 5, 31)),
        "F": member("F", f, "装配"),
        "H": member("H", h, "装配", hired=D(2026, 4, 1)),
        "G": member("G", g, "仓储", skilled=False),
        "X": member("X", x, "机加工", organisation=other_org),
    }
    cert(a, 4, D(2025, 3, 1))
    revoked = cert(b, 3, D(2025, 5, 1))
    Certificate.objects.filter(pk=revoked.pk).update(status="revoked", revoked_on=D(2026, 3, 15))
    old = cert(c, 5, D(2025, 6, 1))
    Certificate.objects.filter(pk=old.pk).update(status="superseded")
    cert(c, 5, D(2025, 6, 1), number=old.number, version=2)  # the correction: same number, held on
    cert(d, 4, D(2025, 1, 1), occupation=other_occupation)
    cert(e, 4, D(2025, 1, 1))
    cert(f, 2, D(2025, 9, 1))
    cert(f, 4, D(2024, 1, 1))
    cert(g, 4, D(2025, 1, 1))
    cert(i, 4, D(2026, 7, 10))  # after the day
    cert(x, 4, D(2025, 1, 1))
    return org, body, other_org, staff


def test_the_figures_equal_the_hand_count(world):
    org, body, other_org, staff = world
    # Counted on 30 June 2026: A B C I (机加工), D F H (装配); E left on 31 May, G is not a skilled post.
    # Holding: A (四级), C (五级, corrected), F (二级 and 四级: counted once, at 二级). B's was revoked on
    # 15 March, D's is of another occupation, H has none, I's was issued on 10 July.
    assert holding.certified_share(org, on=ON) == holding.Share(staff=7, certified=3)
    assert holding.certified_share(body, on=ON) == holding.Share(7, 3)  # the body works as well
    assert holding.certified_share(org, on=ON).percent == 42.9
    figures = holding.holding(org, ON)
    assert [(name, share.staff, share.certified) for name, share in figures.departments] == [
        ("机加工", 4, 2),
        ("装配", 3, 1),
    ]
    assert [(level, n) for level, _label, n, _p in figures.levels] == [(5, 1), (4, 1), (3, 0), (2, 1), (1, 0)]
    assert {m.employee_number for m in figures.without} == {"B", "D", "H", "I"}
    assert holding.certified_share(other_org, on=ON) == holding.Share(1, 1)


def test_the_trend_counts_each_month_end_as_it_was(world):
    org, *_ = world
    points = dict(holding.trend(org, on=ON, months=6))
    assert list(points) == [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
        D(2026, 5, 31),
        ON,
    ]
    # 28 Feb: H not hired; B's certificate not yet revoked: A B C E F of A B C D E F I.
    assert points[D(2026, 2, 28)] == holding.Share(7, 5)
    # 30 April: H hired, B revoked: A C E F of A B C D E F H I.
    assert points[D(2026, 4, 30)] == holding.Share(8, 4)
    # 31 May is E's leaving day: no longer employed on it.
    assert points[D(2026, 5, 31)] == holding.Share(7, 3)
    assert points[ON] == holding.certified_share(org, on=ON)


def test_the_page_and_the_export(client, world):
    org, body, other_org, staff = world
    operator = factories.user("holding_op", role="body_operator", organisation=org)
    client.force_login(operator)
    url = reverse("staff:holding")
    page = client.get(url, {"on": ON.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-share="42.9"' in html and 'data-department="装配"' in html
    assert html.count("data-without=") == 4 and "<svg" in html
    export = client.get(url, {"on": ON.isoformat(), "export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(export.content))
    summary = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert summary[2][:3] == [7, 3, 42.9]
    people = list(book.worksheets[1].iter_rows(values_only=True))
    assert len(people) == 1 + 7
    assert all("*" in str(row[2]) for row in people[1:])  # masked ID numbers only
    # Another enterprise is not this operator's business: the same answer as a missing one.
    assert client.get(url, {"organisation": other_org.pk}).status_code == 404
    assert client.get(url, {"organisation": 999999}).status_code == 404
