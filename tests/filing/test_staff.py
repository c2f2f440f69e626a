"""The enterprise's staff register (职工名册): the import is all or nothing with a per-row report (the
roster's reader: header detection, hostile files), a known 工号 is updated, one person is corrected on the
page or by the service; only the enterprise's own operators and legal representative write, the city
reads, another enterprise's staff is a 404; the importer is fuzzed."""

import contextlib
import datetime
import io

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filing import pii
from filing.errors import Conflict, Denied, Invalid
from filing.models import AuditEvent, StaffImport, StaffMember
from filing.roster import STAFF, RawRow, RosterFileError, read_table, staff_template_xlsx
from filing.services import staff as svc
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 1)
HEADER = "工号,姓名,证件号码,部门,岗位,是否技能岗位,岗位对应职业,入职日期,离职日期,从事本职业年限\n"


def staff_csv(rows, header=HEADER) -> bytes:
    return (header + "\n".join(",".join(str(c) for c in row) for row in rows) + "\n").encode()


def row(n, **over):
    values = {
        "number": f"E{n:03d}",
        "name": f"职工{n}",
        "id": factories.citizen_id(n, birth="19900101"),
        "dept": "机加工车间",
        "post": "数控车工",
        "skilled": "是",
        "occupation": "6-18-01-01",
        "hired": "2019-07-01",
        "left": "",
        "years": "6",
    } | over
    return list(values.values())


@pytest.fixture
def enterprise(roles):
    return factories.organisation(kind="enterprise", name="上海精密机床有限公司", new_type=False, batch=None)


@pytest.fixture
def operator(enterprise):
    return factories.user("staff_op", role="body_operator", organisation=enterprise)


@pytest.fixture
def other_enterprise(roles):
    org = factories.organisation(kind="enterprise", name="另一家企业", new_type=False, batch=None)
    return org, factories.user("other_op", role="body_operator", organisation=org)


def load(actor, org, data, name="职工名册.csv"):
    return svc.staff_import(actor=actor, organisation=org, file_name=name, data=data, today=TODAY)


def test_a_good_file_is_imported_and_a_known_number_updated(enterprise, operator):
    record = load(operator, enterprise, staff_csv([row(1), row(2), row(3, skilled="否", occupation="")]))
    assert (record.outcome, record.created, record.updated) == ("accepted", 3, 0)
    member = StaffMember.objects.get(employee_number="E001")
    number = factories.citizen_id(1, birth="19900101")
    assert member.document_index == pii.index("citizen_id", number)
    assert pii.decrypt(member.document_encrypted) == number and number not in member.document_masked
    assert member.occupation.code == "6-18-01-01" and member.skilled_post
    again = load(operator, enterprise, staff_csv([row(1, dept="装配车间", left="2026-10-31"), row(4)]))
    assert (again.outcome, again.created, again.updated) == ("accepted", 1, 1)
    member.refresh_from_db()
    assert (member.department, member.left_on, member.version) == ("装配车间", datetime.date(2026, 10, 31), 2)
    assert AuditEvent.objects.filter(action="staff.import").count() == 2


def test_any_bad_row_rejects_the_whole_file_with_a_report(enterprise, operator):
    load(operator, enterprise, staff_csv([row(1)]))
    rows = [
        row(2, id="310104199001010021"),  # check digit
        row(3, number="E002"),  # 工号 twice in the file
        row(4, occupation=""),  # skilled post without occupation
        row(5, hired="2027-01-01"),  # future
        row(6, left="2018-01-01"),  # before hiring
        row(7, skilled="也许"),
        row(8, years="七十"),
        row(9, occupation="不存在的职业"),
        row(1, number="E001", id=factories.citizen_id(11, birth="19900101")),  # E001 is someone else
        row(12, id=factories.citizen_id(1, birth="19900101")),  # already registered as E001
        row(13, name="=HYPERLINK(1)"),
    ]
    before = StaffMember.objects.count()
    record = load(operator, enterprise, staff_csv(rows))
    assert record.outcome == StaffImport.Outcome.REJECTED
    assert StaffMember.objects.count() == before
    by_row = {(e["row"], e["column"]) for e in record.report}
    assert {
        (2, "证件号码"),
        (3, "工号"),
        (4, "岗位对应职业"),
        (5, "入职日期"),
        (6, "离职日期"),
        (7, "是否技能岗位"),
        (8, "从事本职业年限"),
        (9, "岗位对应职业"),
        (10, "工号"),
        (11, "证件号码"),
        (12, "姓名"),
    } <= by_row
    reasons = " ".join(e["reason"] for e in record.report)
    assert "2027-01-01" in reasons and "E001" in reasons
    assert "310104199001010021" not in str(record.report)


def test_the_roster_reader_finds_the_header_and_refuses_hostile_files(enterprise, operator):
    titled = ("上海精密机床有限公司职工名册\n,,,\n序号," + HEADER).encode()
    titled += ("1," + ",".join(map(str, row(1))) + "\n").encode()
    assert load(operator, enterprise, titled).outcome == "accepted"
    missing = load(operator, enterprise, "姓名,证件号码\n张三,1\n".encode())
    assert missing.outcome == "rejected"
    assert {e["column"] for e in missing.report} >= {"工号", "岗位", "是否技能岗位", "入职日期"}
    bomb = load(operator, enterprise, b"PK\x03\x04" + b"\x00" * 100, name="x.xlsx")
    assert bomb.outcome == "rejected" and bomb.report[0]["column"] == "文件"
    gbk = load(operator, enterprise, staff_csv([row(2)]).decode().encode("gb18030"))
    assert gbk.outcome == "accepted"


def test_the_template_reads_back(enterprise, operator):
    rows, errors, layout = read_table("模板.xlsx", staff_template_xlsx(), STAFF)
    assert errors == [] and rows == [] and layout.sheet == "职工名册"
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(staff_template_xlsx()))
    sheet = book["职工名册"]
    for i, value in enumerate(row(1), 1):
        sheet.cell(row=2, column=i if i < 3 else i + 1, value=value)
    sheet.cell(row=2, column=3, value="居民身份证")
    buffer = io.BytesIO()
    book.save(buffer)
    assert load(operator, enterprise, buffer.getvalue(), name="模板.xlsx").outcome == "accepted"


def test_who_may_import(enterprise, operator, other_enterprise, municipal_reviewer, roles):
    data = staff_csv([row(1)])
    legal = factories.user("staff_legal", role="legal_rep", organisation=enterprise)
    assert load(legal, enterprise, data).outcome == "accepted"
    _org, other_operator = other_enterprise
    for actor in (other_operator, municipal_reviewer):
        with pytest.raises(Denied):
            load(actor, enterprise, data)
    college = factories.organisation()
    college_operator = factories.user("college_op", role="body_operator", organisation=college)
    with pytest.raises(Denied):  # only an enterprise keeps a staff register
        load(college_operator, college, data)


def test_correcting_one_person(enterprise, operator, other_enterprise, municipal_reviewer):
    load(operator, enterprise, staff_csv([row(1)]))
    member = StaffMember.objects.get(employee_number="E001")
    updated = svc.staff_update(
        actor=operator, member=member, version=1, department="质检部", left_on="2026-11-30", today=TODAY
    )
    assert (updated.department, updated.left_on, updated.version) == (
        "质检部",
        datetime.date(2026, 11, 30),
        2,
    )
    with pytest.raises(Conflict):
        svc.staff_update(actor=operator, member=member, version=1, department="x", today=TODAY)
    with pytest.raises(Invalid) as bad:
        svc.staff_update(actor=operator, member=member, version=2, occupation="", today=TODAY)
    assert "occupation" in bad.value.errors
    with pytest.raises(Invalid):
        svc.staff_update(actor=operator, member=member, document_index="x", today=TODAY)
    for actor in (other_enterprise[1], municipal_reviewer):
        with pytest.raises(Denied):
            svc.staff_update(actor=actor, member=member, department="y", today=TODAY)
    assert AuditEvent.objects.filter(action="staff.update").count() == 1


def test_pages_scope_edit_and_export(client, enterprise, operator, other_enterprise, municipal_reviewer):
    load(operator, enterprise, staff_csv([row(1), row(2, dept="装配车间")]))
    other_org, other_operator = other_enterprise
    load(other_operator, other_org, staff_csv([row(3)]))
    mine = StaffMember.objects.get(employee_number="E001")
    theirs = StaffMember.objects.get(employee_number="E003")
    client.force_login(operator)
    page = client.get(reverse("staff:index"), {"department": "装配车间"})
    assert page.status_code == 200 and page.content.decode().count("data-staff=") == 1
    assert client.get(reverse("staff:detail", args=[theirs.pk])).status_code == 404
    export = client.get(reverse("staff:index"), {"export": "xlsx"})
    assert (
        export.status_code == 200 and factories.citizen_id(1, birth="19900101").encode() not in export.content
    )
    form = client.get(reverse("staff:detail", args=[mine.pk]))
    assert form.status_code == 200 and "<form" in form.content.decode()
    posted = {
        "version": 1,
        "name": "职工1",
        "department": "工具车间",
        "post": "数控车工",
        "skilled_post": "是",
        "occupation": "车工",
        "hired_on": "2019-07-01",
        "left_on": "",
        "years_in_occupation": "7",
    }
    assert client.post(reverse("staff:detail", args=[mine.pk]), posted).status_code == 302
    mine.refresh_from_db()
    assert (mine.department, str(mine.years_in_occupation)) == ("工具车间", "7.0")
    stale = client.post(reverse("staff:detail", args=[mine.pk]), posted)
    assert stale.status_code == 409
    assert client.post(reverse("staff:detail", args=[theirs.pk]), posted).status_code == 404
    assert client.get(reverse("staff:template")).status_code == 200
    client.force_login(municipal_reviewer)
    assert client.get(reverse("staff:detail", args=[theirs.pk])).status_code == 200
    assert client.post(reverse("staff:detail", args=[theirs.pk]), posted).status_code == 403
    college_operator = factories.user(
        "college_op2", role="body_operator", organisation=factories.organisation()
    )
    client.force_login(college_operator)
    assert client.get(reverse("staff:index")).status_code == 404


def test_the_import_page_reports_each_row(client, enterprise, operator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(operator)
    bad = SimpleUploadedFile("名册.csv", staff_csv([row(1, hired="2019-02-30")]), content_type="text/csv")
    page = client.post(reverse("staff:import"), {"organisation": enterprise.pk, "file": bad})
    assert page.status_code == 422 and "入职日期" in page.content.decode()
    good = SimpleUploadedFile("名册.csv", staff_csv([row(1)]), content_type="text/csv")
    assert (
        client.post(reverse("staff:import"), {"organisation": enterprise.pk, "file": good}).status_code == 302
    )
    assert StaffMember.objects.filter(organisation=enterprise).count() == 1


CELL = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.sampled_from(["是", "否", "=1+1", "2019-07-01", "6-18-01-01", "车工", "11010519491231002X", "3.5"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.dictionaries(st.sampled_from(list(STAFF.columns)), CELL), max_size=6))
def test_fuzz_the_staff_validator_never_crashes(enterprise, rows):
    cleaned, errors = svc.validate_staff_rows(
        enterprise, [RawRow(i + 2, r) for i, r in enumerate(rows)], TODAY
    )
    assert not (cleaned and errors)
    for error in errors:
        assert error.column in STAFF.columns.values() and error.reason


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400), name=st.sampled_from(["a.csv", "a.xlsx", "a"]))
def test_fuzz_the_staff_reader_only_raises_its_own_error(data, name):
    with contextlib.suppress(RosterFileError):
        read_table(name, HEADER.encode() + data if name == "a.csv" else data, STAFF)


def test_menu_entries_follow_the_pages_rule(enterprise, operator, body_operator, municipal_reviewer):
    from filing.menu import entries_for

    def keys(user):
        return {e["key"] for g in entries_for(user) for e in g["entries"]}

    assert {"staff_register", "holding"} <= keys(operator)
    assert {"staff_register", "holding"} <= keys(municipal_reviewer)
    assert not {"staff_register", "holding"} & keys(body_operator)  # a college's operator


def test_the_list_runs_the_same_queries_for_5_and_for_200_rows(client, enterprise, operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(operator)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("staff:index")).status_code == 200
        return len(captured)

    load(operator, enterprise, staff_csv([row(n) for n in range(1, 6)]))
    small = count()
    load(operator, enterprise, staff_csv([row(n) for n in range(6, 206)]))
    assert count() == small
