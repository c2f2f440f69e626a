"""Training classes and apprenticeship agreements imported like the roster (issue #18 item 2): a good file
is imported whole, any bad row rejects it whole with a per-row report, hostile input never crashes, and
the training indicators equal the imported numbers."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from filing import indicators
from filing.errors import Denied, Invalid
from filing.models import ApprenticeshipAgreement, Organisation, TrainingClass
from filing.roles import Role
from filing.services import training
from tests import factories

pytestmark = pytest.mark.django_db
HEADER = "班级名称,培训类型,职业编码,开班日期,结业日期,培训人数,课时,结业人数\n"


def csv(text: str, encoding="utf-8") -> bytes:
    return text.encode(encoding)


def run(applicant, college, data, what="classes", name="classes.csv"):
    return training.training_import(
        actor=applicant, organisation=college, what=what, file_name=name, data=data
    )


def test_a_good_file_is_imported_whole_and_feeds_the_indicators(applicant, college):
    data = csv(
        HEADER
        + "数控车工提升班,高技能人才培训,6-18-01-01,2026-03-01,2026-04-30,40,120,38\n"
        + "企业职工班,企业职工培训,,2026/05/01,2026/05/20,25,40,25\n"
        + "去年的班,社会人员培训,,2025-03-01,2025-04-01,99,10,90\n",
        "gb18030",
    )
    assert run(applicant, college, data) == 3
    orgs = Organisation.objects.filter(pk=college.pk)
    trainees = indicators.computed(["training_trainees"], orgs, 2026)["training_trainees"][college.pk]
    direct = sum(
        TrainingClass.objects.filter(organisation=college, ends_on__year=2026).values_list(
            "trainees", flat=True
        )
    )
    assert trainees == direct == 65
    hours = indicators.computed(["training_hours"], orgs, 2026)["training_hours"][college.pk]
    assert hours == 160


def test_any_bad_row_rejects_the_file_with_a_report(applicant, college):
    data = csv(
        HEADER
        + "好的班,高技能人才培训,,2026-03-01,2026-04-30,40,120,38\n"
        + ",烹饪班,9-99-99-99,2026-13-01,2026-01-01,-3,=1+1,50\n"
        + "结业多于培训,社会人员培训,,2026-03-01,2026-02-01,10,10,11\n"
    )
    with pytest.raises(Invalid) as caught:
        run(applicant, college, data)
    report = caught.value.details["report"]
    assert {r["row"] for r in report} == {3, 4}
    assert {"班级名称", "培训类型", "职业编码", "开班日期", "培训人数", "课时"} <= {
        r["column"] for r in report if r["row"] == 3
    }
    assert {"结业日期", "结业人数"} <= {r["column"] for r in report if r["row"] == 4}
    assert TrainingClass.objects.count() == 0


def test_apprenticeships_refuse_duplicates_in_the_file_and_against_earlier_imports(applicant, college):
    head = "协议编号,合作企业,职业编码,学徒人数,签订日期,培养期满\n"
    assert (
        run(applicant, college, csv(head + "XT-001,上海电气,,12,2026-02-01,2028-02-01\n"), "apprenticeships")
        == 1
    )
    with pytest.raises(Invalid) as caught:
        run(
            applicant,
            college,
            csv(
                head
                + "XT-001,上海电气,,12,2026-02-01,2028-02-01\n"
                + "XT-002,甲,,1,2026-02-01,2027-01-01\n"
                + "XT-002,乙,,1,2026-02-01,2027-01-01\n"
            ),
            "apprenticeships",
        )
    reasons = {(r["row"], r["reason"]) for r in caught.value.details["report"]}
    assert (2, "该协议编号已导入过。") in reasons and any(row == 4 for row, _r in reasons)
    assert ApprenticeshipAgreement.objects.count() == 1
    orgs = Organisation.objects.filter(pk=college.pk)
    assert indicators.computed(["apprentices"], orgs, 2026)["apprentices"][college.pk] == 12


def test_an_xlsx_with_a_title_row_and_a_missing_column(applicant, college):
    import io

    book = Workbook()
    sheet = book.active
    sheet.append(["2026年培训班汇总"])
    sheet.append(["班级名称", "培训类型", "开班日期", "结业日期", "培训人数", "课时", "结业人数"])
    sheet.append(["A班", "院校学生培训", datetime.date(2026, 3, 1), datetime.date(2026, 3, 9), 30, 16, 30])
    out = io.BytesIO()
    book.save(out)
    assert run(applicant, college, out.getvalue(), name="a.xlsx") == 1
    with pytest.raises(Invalid) as caught:
        run(applicant, college, csv("班级名称,培训类型\nA,B\n"))
    assert any("缺少必填列" in r["reason"] for r in caught.value.details["report"])


def test_only_the_college_imports(roles, college, district_reviewer):
    with pytest.raises(Denied):
        run(district_reviewer, college, csv(HEADER))
    plain = factories.organisation(new_type=False)
    clerk = factories.user("plain", role=Role.APPLICANT, organisation=plain)
    with pytest.raises(Denied):
        run(clerk, plain, csv(HEADER))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.lists(st.text(max_size=12), min_size=0, max_size=9), max_size=6),
    st.sampled_from(list(training.SPECS)),
)
def test_hostile_rows_never_crash_and_write_nothing_unless_all_good(applicant, college, cells, what):
    header = HEADER if what == "classes" else "协议编号,合作企业,职业编码,学徒人数,签订日期,培养期满\n"
    body = "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in cells)
    before = TrainingClass.objects.count() + ApprenticeshipAgreement.objects.count()
    try:
        n = run(applicant, college, (header + body).encode("utf-8", "surrogatepass"), what)
    except Invalid:
        assert TrainingClass.objects.count() + ApprenticeshipAgreement.objects.count() == before
    else:
        assert TrainingClass.objects.count() + ApprenticeshipAgreement.objects.count() == before + n


def test_the_page(applicant, college, outsider):
    client = Client()
    client.force_login(applicant)
    assert client.get("/dashboard/training/").status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("c.csv", csv(HEADER + "A,不存在的类型,,2026-03-01,2026-03-02,1,1,1\n"))
    page = client.post("/dashboard/training/", {"what": "classes", "file": bad})
    assert page.status_code == 422 and "data-report" in page.content.decode()
    good = SimpleUploadedFile("c.csv", csv(HEADER + "A,社会人员培训,,2026-03-01,2026-03-02,1,1,1\n"))
    assert client.post("/dashboard/training/", {"what": "classes", "file": good}).status_code == 302
    other = Client()
    other.force_login(outsider)
    assert other.get("/dashboard/training/").status_code == 404
