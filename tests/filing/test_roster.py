"""Roster import (issue "Must show"): 10,000-row rosters with every kind of bad row injected at known random
positions are rejected whole with a report of exactly those rows; the same roster in every accepted encoding
and as .xlsx gives identical registrations; formatted-empty rows, zip bombs, entity expansion, oversized and
fake files are refused at file level in bounded memory; ineligible people are registrations, not errors."""

from __future__ import annotations

import csv
import datetime
import io
import random
import re
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.styles import PatternFill
from openpyxl.worksheet.formula import ArrayFormula
from stdnum.cn import ric

from filing import pii
from filing.models import Candidate, PlanStatus, Registration, RegistrationStatus, RosterImport
from filing.roster import COLUMNS, EMPTY_ROWS_BEFORE_STOP, MAX_UPLOAD_BYTES, TEMPLATE_COLUMNS, read_rows
from filing.services import plans as svc
from filing.services import roster as roster_svc
from tests import factories
from tests.filing.test_plans import FILED_ON, make_plan, open_task
from workflows import services as wf

pytestmark = pytest.mark.django_db

HEADER = [COLUMNS[k] for k in TEMPLATE_COLUMNS]
N = 10_000
PER_KIND = 3
AREAS = ("310104", "310115", "310101", "320102")
CJK = re.compile(r"[\u4e00-\u9fff]")
FULL_WIDTH = str.maketrans("0123456789X-", "０１２３４５６７８９Ｘ－")


# --- people, rosters, files ---------------------------------------------------------------------------


def person_id(k: int) -> str:
    """The k-th distinct valid citizen ID. The sequence digits give only 1000 numbers per (area, birth date),
    so blocks of 1000 move through four areas, then to the next birth date (born 2004, 16+ at the sitting)."""
    block = k // 1000
    born = datetime.date(2004, 1, 1) + datetime.timedelta(days=block // len(AREAS))
    return factories.citizen_id(k % 1000, birth=born.strftime("%Y%m%d"), area=AREAS[block % len(AREAS)])


def with_check_digit(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def row(name: str, number, **overrides) -> list:
    """One roster row in template column order; keyword arguments replace single cells."""
    values = {
        "type": "居民身份证",
        "major": "660103",
        "class_name": "数控2201班",
        "graduation": "2026-06-30",
        "full_time": "是",
        "school": "",
    } | overrides
    return [name, values["type"], number] + [
        values[k] for k in ("major", "class_name", "graduation", "full_time", "school")
    ]


def good_row(k: int) -> list:
    return row(f"考生{k}", person_id(k))


def csv_bytes(rows, *, header=HEADER, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, *, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("考生名册")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def counts() -> tuple[int, int]:
    return Candidate.objects.count(), Registration.objects.count()


def rejected_for_file(record) -> str:
    """A file-level rejection: one entry, row 0, column 文件, a Chinese reason."""
    assert record.outcome == RosterImport.Outcome.REJECTED
    assert len(record.report) == 1, record.report
    entry = record.report[0]
    assert (entry["row"], entry["column"]) == (0, "文件")
    assert CJK.search(entry["reason"]), entry
    return entry["reason"]


# --- plans ---------------------------------------------------------------------------------------------


@pytest.fixture
def body(college, body_operator):
    return factories.filed_body(college)


@pytest.fixture
def major(college):
    return factories.major(college, code="660103")


@pytest.fixture
def open_plan(body, body_operator, major, municipal_reviewer):
    """make_plan → plan_file → confirm_plan task → plan_open_registration: a plan in REGISTRATION_OPEN."""

    def make(level: int = 4):
        plan = make_plan(body, body_operator, level=level)
        svc.plan_file(actor=body_operator, plan=plan, today=FILED_ON)
        wf.task_plan_review(
            actor=municipal_reviewer, task_pk=open_task(plan, "confirm_plan").pk, approve=True, comment="同意"
        )
        plan.refresh_from_db()
        svc.plan_open_registration(actor=body_operator, plan=plan)
        plan.refresh_from_db()
        assert plan.status == PlanStatus.REGISTRATION_OPEN
        return plan

    return make


def do_import(operator, plan, name: str, data: bytes):
    return roster_svc.roster_import(actor=operator, plan=plan, file_name=name, data=data)


@pytest.fixture
def earlier_ids(open_plan, body_operator):
    """An earlier plan for the same occupation and level with an accepted (eligible) import."""
    ids = [person_id(k) for k in range(500_000, 500_000 + PER_KIND)]
    rows = [row(f"往届{i}", n, class_name="数控2101班") for i, n in enumerate(ids)]
    record = do_import(body_operator, open_plan(), "earlier.csv", csv_bytes(rows))
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report
    assert Registration.objects.filter(status=RegistrationStatus.ELIGIBLE).count() == PER_KIND
    return ids


# --- 10,000 rows with injected bad rows ----------------------------------------------------------------

# kind -> (column reported, a word of the reason); full-width digits are valid after NFKC: never reported.
KINDS = {
    "checksum": ("证件号码", "校验位"),
    "length": ("证件号码", "18位"),
    "impossible_birth": ("证件号码", "出生日期不存在"),
    "future_birth": ("证件号码", "晚于今天"),
    "excel_number": ("证件号码", "数字"),
    "dup_in_file": ("证件号码", "重复"),
    "dup_earlier_plan": ("证件号码", "已在本机构认定计划"),
    "full_width": None,
    "formula": ("姓名", "公式"),
    "array_formula": ("班级", "公式"),  # .xlsx only: openpyxl returns an object, not "=..."
    "unknown_major": ("专业代码", "999999"),
    "bad_date": ("预计毕业时间", "YYYY-MM-DD"),
    "bad_full_time": ("是否全日制", "是否全日制"),
    "unknown_document_type": ("证件类型", "学生证"),
}


def corrupt(
    kind: str, row: list, index: int, variant: int, fmt: str, *, source_id: str, earlier_id: str
) -> None:
    """Make ``row`` (at ``index``) bad in the way ``kind`` says; ``variant`` (0, 1, 2) varies the form."""
    number = row[2]
    if kind == "checksum":
        row[2] = number[:17] + ("0" if number[17] != "0" else "1")
    elif kind == "length":
        row[2] = number[:17]
    elif kind == "impossible_birth":
        row[2] = with_check_digit(number[:6] + "20050230" + number[14:17])
    elif kind == "future_birth":
        row[2] = with_check_digit(number[:6] + f"{timezone.localdate().year + 1}0101" + number[14:17])
    elif kind == "excel_number":
        if fmt == "xlsx":  # a numeric cell: Excel stores a double, some writers an integer
            row[2] = float(number[:17]) * 10 if variant % 2 else int(number[:17] + "0")
        else:
            row[2] = ("3.10115E+17", "3.10104200501E+17", number[:17] + "0.0")[variant]  # as CSV text
    elif kind == "dup_in_file":
        row[2] = source_id
    elif kind == "dup_earlier_plan":  # the same person (same name: one person, one identity) registered again
        row[0], row[2] = f"往届{variant}", earlier_id
    elif kind == "full_width":
        row[2], row[3], row[5] = number.translate(FULL_WIDTH), "６６０１０３", "２０２６－０６－３０"
    elif kind == "formula":
        row[0] = '=CONCAT("张","三")' if fmt == "xlsx" else '=HYPERLINK("http://x","张三")'
    elif kind == "array_formula":
        row[4] = ArrayFormula(f"E{index + 2}", "=SUM(A1:A2)")
    elif kind == "unknown_major":
        row[3] = "999999"
    elif kind == "bad_date":
        row[5] = "2026-13-45" if variant % 2 else "99999999999999999999-06-30"  # the latter overflowed (500)
    elif kind == "bad_full_time":
        row[6] = "也许"
    elif kind == "unknown_document_type":
        row[1] = "学生证"


def injected_roster(fmt: str, earlier: list[str], seed: int) -> tuple[list[list], dict]:
    """N good rows, then PER_KIND rows of each kind at random positions (row 2 always good).
    Returns the rows and {(spreadsheet row, column): (kind, word)} of what must be reported."""
    rng = random.Random(seed)
    rows = [good_row(k) for k in range(N)]
    kinds = [k for k in KINDS if fmt == "xlsx" or k != "array_formula"]
    positions = rng.sample(range(1, N), PER_KIND * len(kinds))
    bad = set(positions)
    expected = {}
    for n, index in enumerate(positions):
        kind = kinds[n // PER_KIND]
        source = rng.choice([i for i in range(index) if i not in bad][:5000] or [0])
        corrupt(
            kind,
            rows[index],
            index,
            n % PER_KIND,
            fmt,
            source_id=rows[source][2],
            earlier_id=earlier[n % PER_KIND],
        )
        if KINDS[kind]:
            column, word = KINDS[kind]
            if kind == "dup_in_file":
                word = f"与第{source + 2}行重复"
            expected[(index + 2, column)] = (kind, word)
    return rows, expected


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_10k_roster_reports_exactly_the_injected_rows(fmt, open_plan, body_operator, earlier_ids):
    plan = open_plan()
    rows, expected = injected_roster(fmt, earlier_ids, seed=20260611 + len(fmt))
    data = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows)
    before = counts()

    record = do_import(body_operator, plan, f"名册.{fmt}", data)

    assert record.outcome == RosterImport.Outcome.REJECTED
    assert record.rows == N
    found = {(e["row"], e["column"]): e["reason"] for e in record.report}
    assert len(found) == len(record.report), "one entry per bad cell"
    missing = {k: v for k, v in expected.items() if k not in found}
    extra = {k: v for k, v in found.items() if k not in expected}
    assert not missing and not extra, (missing, extra)
    for key, (kind, word) in expected.items():
        assert word in found[key], (kind, key, found[key])
    assert counts() == before
    assert list(plan.imports.values_list("outcome", flat=True)) == [RosterImport.Outcome.REJECTED]

    # The same file with the bad rows put right validates clean (full-width rows included).
    fixed = [
        good_row(i) if any((i + 2, col) in expected for col in HEADER) else r for i, r in enumerate(rows)
    ]
    table, header_errors = read_rows(f"fixed.{fmt}", xlsx_bytes(fixed) if fmt == "xlsx" else csv_bytes(fixed))
    cleaned, errors = roster_svc.validate_rows(plan, table)
    assert header_errors == [] and errors == []
    assert len(cleaned) == N
    by_row = {r["row"]: r for r in cleaned}
    full_width_rows = [k for k in range(N) if "０" in str(fixed[k][2]) or "１" in str(fixed[k][2])]
    assert len(full_width_rows) == PER_KIND
    for k in full_width_rows:
        assert by_row[k + 2]["number"] == person_id(k)
        assert by_row[k + 2]["expected_graduation"] == datetime.date(2026, 6, 30)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_missing_required_column_is_reported_on_the_header_row(fmt, open_plan, body_operator):
    plan = open_plan()
    header = [h for h in HEADER if h != "证件号码"]
    rows = [[v for h, v in zip(HEADER, good_row(k), strict=True) if h != "证件号码"] for k in range(50)]
    data = xlsx_bytes(rows, header=header) if fmt == "xlsx" else csv_bytes(rows, header=header)
    before = counts()
    record = do_import(body_operator, plan, f"r.{fmt}", data)
    assert record.outcome == RosterImport.Outcome.REJECTED
    assert [(e["row"], e["column"]) for e in record.report] == [(1, "证件号码")]
    assert "缺少必填列" in record.report[0]["reason"]
    assert counts() == before


# --- the same roster in every encoding ------------------------------------------------------------------

LOGICAL = [
    # name, ID, class, expected graduation, full time
    ("张三", person_id(700_001), "数控2201班", datetime.date(2026, 6, 30), True),
    ("欧阳娜娜", person_id(700_002), "数控2202班", datetime.date(2026, 7, 1), True),
    ("买买提·艾力", person_id(700_003), "数控2201班", datetime.date(2026, 6, 30), False),
    ("喆喆", person_id(700_004), "", datetime.date(2027, 6, 30), True),
    ("李颖", "31010419910101006X", "（1）班", datetime.date(2026, 1, 15), True),  # check character X
]


def logical_rows(as_dates: bool) -> list[list]:
    return [
        [
            name,
            "居民身份证",
            number,
            "660103",
            klass,
            day if as_dates else day.isoformat(),
            "是" if full_time else "否",
            "",
        ]
        for name, number, klass, day, full_time in LOGICAL
    ]


def snapshot(plan) -> set[tuple]:
    return set(
        plan.registrations.values_list(
            "candidate__name", "candidate__document_index", "major__code", "expected_graduation", "full_time"
        )
    )


def import_fresh(open_plan, operator, name, data) -> set[tuple]:
    """Import into a fresh plan, record what it created, then remove it so the next format starts clean
    (candidates are shared across plans by document index: a stale name would hide a decoding error)."""
    plan = open_plan()
    record = do_import(operator, plan, name, data)
    assert record.outcome == RosterImport.Outcome.ACCEPTED, (name, record.report)
    got = snapshot(plan)
    Registration.objects.filter(plan=plan).delete()
    Candidate.objects.all().delete()
    return got


def test_same_roster_in_every_encoding_and_xlsx_imports_identically(open_plan, body_operator):
    expected = {
        (name, pii.index("citizen_id", number), "660103", day, full_time)
        for name, number, _klass, day, full_time in LOGICAL
    }
    text_rows = logical_rows(as_dates=False)
    files = {
        "utf8.csv": csv_bytes(text_rows, encoding="utf-8"),
        "bom.csv": b"\xef\xbb\xbf" + csv_bytes(text_rows, encoding="utf-8"),
        "gbk.csv": csv_bytes(text_rows, encoding="gbk"),
        "gb18030.csv": csv_bytes(text_rows, encoding="gb18030"),
        "dates.xlsx": xlsx_bytes(logical_rows(as_dates=True)),  # real date cells
        "text.xlsx": xlsx_bytes(text_rows),
    }
    assert files["gbk.csv"] != files["utf8.csv"]
    results = {name: import_fresh(open_plan, body_operator, name, data) for name, data in files.items()}
    for name, got in results.items():
        assert got == expected, name


def test_gb18030_four_byte_characters_match_utf8(open_plan, body_operator):
    rows = [row("王𠀀", person_id(710_001)), row("陈䶮", person_id(710_002))]
    with pytest.raises(UnicodeEncodeError):
        csv_bytes(rows, encoding="gbk")
    utf8 = import_fresh(open_plan, body_operator, "u.csv", csv_bytes(rows))
    gb18030 = import_fresh(open_plan, body_operator, "g.csv", csv_bytes(rows, encoding="gb18030"))
    assert utf8 == gb18030
    assert {name for name, *_ in utf8} == {"王𠀀", "陈䶮"}


# --- formatted empty rows down to row 1,048,576 -----------------------------------------------------


def test_formatted_empty_rows_to_the_last_excel_row_are_ignored(open_plan, body_operator):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for k in range(20):
        sheet.append(good_row(720_000 + k))
    fill = PatternFill("solid", fgColor="FFFF00")
    for r in range(30, 3000):  # a block of formatted but empty rows…
        sheet.cell(row=r, column=3).fill = fill
    sheet.cell(row=1_048_576, column=8).fill = fill  # …and a styled cell in the very last row
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b'r="H1048576"' in sheet_xml and b'<dimension ref="A1:H1048576"' in sheet_xml

    table, errors = read_rows("r.xlsx", data)
    assert errors == [] and [r.row for r in table] == list(range(2, 22))
    record = do_import(body_operator, open_plan(), "r.xlsx", data)
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report
    assert record.rows == 20
    assert Registration.objects.count() == 20


def test_rows_after_a_long_empty_gap_stop_the_reader():
    """Documented behaviour: EMPTY_ROWS_BEFORE_STOP consecutive empty rows end the sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(good_row(730_000))
    sheet.cell(row=3 + EMPTY_ROWS_BEFORE_STOP + 5, column=1, value="孤行")
    buffer = io.BytesIO()
    workbook.save(buffer)
    table, _ = read_rows("r.xlsx", buffer.getvalue())
    assert [r.row for r in table] == [2]


# --- hostile and broken files ---------------------------------------------------------------------------


def small_xlsx() -> bytes:
    return xlsx_bytes([good_row(740_000)])


SST_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def shared_strings_xlsx(sst: bytes | None = None) -> bytes:
    """openpyxl writes inline strings; Excel writes xl/sharedStrings.xml. This package has the header in
    shared strings (``sst`` replaces the table) and one good data row."""
    strings = b"".join(b"<si><t>%s</t></si>" % label.encode() for label in HEADER)
    sst = sst or b"<sst " + MAIN + b' count="8" uniqueCount="8">' + strings + b"</sst>"
    header = b"".join(
        b'<c r="%s1" t="s"><v>%d</v></c>' % (col.encode(), i) for i, col in enumerate("ABCDEFGH")
    )
    sheet = sheet_with(b"", header_cells=header).replace(
        b"</sheetData>", _row_xml(2, good_row(740_001)) + b"</sheetData>"
    )
    data = replace_member(small_xlsx(), "xl/worksheets/sheet1.xml", sheet)
    types = (
        zipfile.ZipFile(io.BytesIO(data))
        .read("[Content_Types].xml")
        .replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + SST_TYPE + b'"/></Types>',
        )
    )
    data = replace_member(data, "[Content_Types].xml", types)
    return replace_member(data, "xl/sharedStrings.xml", sst)


def replace_member(data: bytes, name: str, content: bytes | None = None, *, zeros: int = 0) -> bytes:
    """The same package with one member replaced (``zeros``: streamed, never held in memory)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
        if zeros:
            with target.open(name, "w") as member:
                for _ in range(zeros >> 20):
                    member.write(bytes(1 << 20))
        else:
            target.writestr(name, content)
    return out.getvalue()


def understate_size(data: bytes, name: str, declared: int) -> bytes:
    """Forge the local and central headers of ``name`` to declare ``declared`` uncompressed bytes."""
    buf = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    assert buf[info.header_offset : info.header_offset + 4] == b"PK\x03\x04"
    buf[info.header_offset + 22 : info.header_offset + 26] = declared.to_bytes(4, "little")
    pos = 0
    encoded = name.encode()
    while True:
        pos = buf.index(b"PK\x01\x02", pos)
        if buf[pos + 46 : pos + 46 + len(encoded)] == encoded:
            break
        pos += 4
    buf[pos + 24 : pos + 28] = declared.to_bytes(4, "little")
    return bytes(buf)


def import_measured(operator, plan, name, data) -> tuple[RosterImport, int]:
    tracemalloc.start()
    try:
        record = do_import(operator, plan, name, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return record, peak


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "docProps/custom-bomb.bin"])
def test_zip_bomb_is_rejected_in_bounded_memory(member, open_plan, body_operator):
    if member.endswith(".bin"):  # an extra member that openpyxl would never even open
        out = io.BytesIO(small_xlsx())
        with (
            zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
            target.open(member, "w") as stream,
        ):
            for _ in range(110):
                stream.write(bytes(1 << 20))
        data = out.getvalue()
    else:
        data = replace_member(small_xlsx(), member, zeros=110 << 20)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    assert info.file_size > 100 * 1024 * 1024 and info.file_size / info.compress_size > 500
    assert len(data) < 1024 * 1024
    before = counts()
    record, peak = import_measured(body_operator, open_plan(), "bomb.xlsx", data)
    assert "压缩" in rejected_for_file(record)
    assert peak < 200 * 1024 * 1024, peak
    assert counts() == before


def test_zip_bomb_that_understates_its_size_is_rejected_in_bounded_memory(open_plan, body_operator):
    """The central directory claims 2 KB; zipfile stops at the declared size and the CRC fails."""
    data = understate_size(
        replace_member(small_xlsx(), "xl/worksheets/sheet1.xml", zeros=110 << 20),
        "xl/worksheets/sheet1.xml",
        2048,
    )
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml").file_size == 2048
    before = counts()
    record, peak = import_measured(body_operator, open_plan(), "bomb.xlsx", data)
    assert "Excel" in rejected_for_file(record)
    assert peak < 200 * 1024 * 1024, peak
    assert counts() == before


LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%s;" % (str(i - 1).encode() if i > 1 else b"")) * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
BAD_XML = {
    "shared-strings-laughs": (
        "xl/sharedStrings.xml",
        LAUGHS + b"<sst " + MAIN + b' count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>',
    ),
    "sheet-laughs": (
        "xl/worksheets/sheet1.xml",
        LAUGHS
        + b"<worksheet "
        + MAIN
        + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
        + b"</worksheet>",
    ),
    "sheet-external-entity": (
        "xl/worksheets/sheet1.xml",
        XXE
        + b"<worksheet "
        + MAIN
        + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>'
        + b"</worksheet>",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_XML))
def test_entity_expansion_is_rejected_in_bounded_memory(case, open_plan, body_operator):
    member, content = BAD_XML[case]
    base = shared_strings_xlsx()
    table, errors = read_rows("ok.xlsx", base)  # the benign package reads: the shared strings are used
    assert errors == [] and [r.values["name"] for r in table] == [good_row(740_001)[0]]
    data = (
        shared_strings_xlsx(content)
        if member.endswith("sharedStrings.xml")
        else replace_member(base, member, content)
    )
    before = counts()
    record, peak = import_measured(body_operator, open_plan(), "lol.xlsx", data)
    assert "Excel" in rejected_for_file(record)
    assert peak < 200 * 1024 * 1024, peak
    assert counts() == before


def _row_xml(number: int, values: list) -> bytes:
    cells = b"".join(
        b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (col.encode(), number, str(v).encode())
        for col, v in zip("ABCDEFGH", values, strict=True)
        if v != ""
    )
    return b'<row r="%d">%s</row>' % (number, cells)


def sheet_with(rows_xml: bytes, dimension: bytes = b"A1:H3", header_cells: bytes | None = None) -> bytes:
    cells = header_cells or b"".join(
        b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (col.encode(), label.encode())
        for col, label in zip("ABCDEFGH", HEADER, strict=True)
    )
    return (
        b"<worksheet "
        + MAIN
        + b'><dimension ref="'
        + dimension
        + b'"/><sheetData><row r="1">'
        + cells
        + b"</row>"
        + rows_xml
        + b"</sheetData></worksheet>"
    )


BROKEN_SHEETS = {
    # found after the <dimension>, i.e. while iterating in read-only mode, not while opening
    "number-cell-with-text": b'<row r="2"><c r="A2" t="n"><v>abc</v></c></row>',
    "truncated": b'<row r="2"><c r="A2"',
    "undefined-entity": b'<row r="2"><c r="A2" t="inlineStr"><is><t>&nope;</t></is></c></row>',
}


@pytest.mark.parametrize("case", sorted(BROKEN_SHEETS))
def test_sheet_broken_after_the_header_is_a_file_error(case, open_plan, body_operator):
    content = sheet_with(BROKEN_SHEETS[case])
    if case == "truncated":
        content = content[: content.index(b"</sheetData>")]
    data = replace_member(small_xlsx(), "xl/worksheets/sheet1.xml", content)
    before = counts()
    record = do_import(body_operator, open_plan(), "broken.xlsx", data)
    assert "无法读取Excel文件" in rejected_for_file(record)
    assert counts() == before


def test_forged_dimension_neither_drops_rows_nor_widens_them(open_plan, body_operator):
    rows = b"".join(_row_xml(i + 2, good_row(750_000 + i)) for i in range(2000))
    # A stale A1:H3 used to drop every row after the second; XFD widened each row to 16,384 cells.
    for dimension in (b"A1:H3", b"A1:XFD1048576"):  # the last file is also imported below
        data = replace_member(small_xlsx(), "xl/worksheets/sheet1.xml", sheet_with(rows, dimension))
        tracemalloc.start()
        try:
            table, errors = read_rows("r.xlsx", data)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert errors == [] and len(table) == 2000, dimension
        assert peak < 100 * 1024 * 1024, (dimension, peak)
    record = do_import(body_operator, open_plan(), "r.xlsx", data)
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report[:3]
    assert record.rows == 2000


def test_oversized_fake_and_empty_files_are_rejected(open_plan, body_operator):
    plan = open_plan()
    before = counts()
    too_big = csv_bytes([good_row(760_000)]) + b"#" * (MAX_UPLOAD_BYTES + 1)
    assert "10MB" in rejected_for_file(do_import(body_operator, plan, "big.csv", too_big))
    big_zip = b"PK\x03\x04" + bytes(MAX_UPLOAD_BYTES)
    assert "10MB" in rejected_for_file(do_import(body_operator, plan, "big.xlsx", big_zip))
    fake = csv_bytes([good_row(760_001)])
    assert "不是有效的Excel" in rejected_for_file(do_import(body_operator, plan, "名册.xlsx", fake))
    assert "不是有效的Excel" in rejected_for_file(
        do_import(body_operator, plan, "名册.XLS", b"\xd0\xcf\x11\xe0")
    )
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("readme.txt", "不是表格")
    assert "无法读取Excel文件" in rejected_for_file(
        do_import(body_operator, plan, "r.xlsx", plain_zip.getvalue())
    )
    assert "文件为空" in rejected_for_file(do_import(body_operator, plan, "empty.csv", b""))
    assert "不是有效的Excel" in rejected_for_file(do_import(body_operator, plan, "empty.xlsx", b""))
    assert "没有考生" in rejected_for_file(do_import(body_operator, plan, "header.csv", csv_bytes([])))
    unclosed = csv_bytes([good_row(760_002)]) + b'"' + b"x" * 200_000 + b"\n"
    assert "CSV" in rejected_for_file(do_import(body_operator, plan, "quote.csv", unclosed))
    assert "编码" in rejected_for_file(do_import(body_operator, plan, "bin.csv", b"\xff\xfe\x00\x81\x30\x81"))
    assert counts() == before
    assert plan.imports.filter(outcome=RosterImport.Outcome.REJECTED).count() == 10


# --- ineligible rows are registrations, not errors -------------------------------------------------------


def test_ineligible_rows_import_with_the_failing_rule(open_plan, body_operator, college):
    unrelated = factories.major(college, code="730101", name="会计事务", occupations=())
    other_school = factories.organisation(name="另一所技师学院")
    factories.major(other_school, code="660103")
    rows = {
        "eligible": row("甲", person_id(770_001)),
        "graduating_year": row("乙", person_id(770_002), graduation="2027-06-30"),
        "full_time": row("丙", person_id(770_003), full_time="否"),
        "major_relation": row("丁", person_id(770_004), major=unrelated.code),
        "partner_agreement": row("戊", person_id(770_005), school=other_school.uscc),
        "age": row("己", factories.citizen_id(6, birth="20120101")),  # 14 at the sitting
    }
    plan = open_plan()
    record = do_import(body_operator, plan, "r.csv", csv_bytes(list(rows.values())))
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report
    assert record.report == [] and record.rows == len(rows)
    for rule, cells in rows.items():
        registration = plan.registrations.get(candidate__name=cells[0])
        failed = [c["rule"] for c in registration.eligibility if not c["passed"]]
        if rule == "eligible":
            assert registration.status == RegistrationStatus.ELIGIBLE and failed == []
        else:
            assert registration.status == RegistrationStatus.INELIGIBLE, rule
            assert failed == [rule]
            assert registration.ineligible_reason
    assert plan.registrations.get(candidate__name="戊").school == other_school


def test_someone_already_in_this_plan_is_a_row_error_even_if_ineligible(open_plan, body_operator):
    """A second roster into the same plan used to hit the one-registration-per-plan constraint (a 500 and
    no import record) when the person's first registration was ineligible."""
    plan = open_plan()
    a, b = person_id(780_001), person_id(780_002)
    first = do_import(body_operator, plan, "1.csv", csv_bytes([row("甲", a, full_time="否"), row("乙", b)]))
    assert first.outcome == RosterImport.Outcome.ACCEPTED
    assert plan.registrations.get(candidate__name="甲").status == RegistrationStatus.INELIGIBLE
    before = counts()
    again = do_import(
        body_operator, plan, "2.csv", csv_bytes([row("丙", person_id(780_003)), row("甲", a), row("乙", b)])
    )
    assert again.outcome == RosterImport.Outcome.REJECTED
    assert [(e["row"], e["column"]) for e in again.report] == [(3, "证件号码"), (4, "证件号码")]
    assert all("已在本机构认定计划" in e["reason"] for e in again.report)
    assert counts() == before
    # Ineligible in another plan does not block a new plan for the same occupation and level.
    other = open_plan()
    assert do_import(body_operator, other, "3.csv", csv_bytes([row("甲", a)])).outcome == "accepted"


def test_import_queries_do_not_grow_with_the_number_of_rows(open_plan, body_operator):
    """The eligibility look-ups (a major's relations, a school's agreement) are made once per roster, not once
    per row: 200 rows cost the same number of SQL statements as 20."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for start, n in ((780_000, 20), (781_000, 200)):
        plan = open_plan()
        rows = [row(f"考生{i}", person_id(start + i)) for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            record = do_import(body_operator, plan, "r.csv", csv_bytes(rows))
        assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report
        assert plan.registrations.filter(status=RegistrationStatus.ELIGIBLE).count() == n
        counts.append(len(ctx.captured_queries))
    assert counts[1] - counts[0] <= 5, counts


@pytest.mark.parametrize("area", ["310199", "310150"])
def test_an_area_code_the_library_cannot_look_up_is_a_row_error_not_a_crash(area, open_plan, body_operator):
    plan = open_plan()
    """python-stdnum raises KeyError for a known province with an unknown county; one such row used to turn
    the whole import into a 500. Now it is one row error, and nothing is written."""
    before = counts()
    bad = with_check_digit(f"{area}20050612001")
    record = do_import(body_operator, plan, "名册.csv", csv_bytes([good_row(1), row("李四", bad)]))
    assert record.outcome == RosterImport.Outcome.REJECTED
    assert [(e["row"], e["column"]) for e in record.report] == [(3, "证件号码")]
    assert "地区码" in record.report[0]["reason"]
    assert counts() == before


# --- one person, one identity: nothing one body stored reaches another ----------------------------------


def opened_plan_of(body, operator, municipal_reviewer, level=4):
    plan = make_plan(body, operator, level=level)
    svc.plan_file(actor=operator, plan=plan, today=FILED_ON)
    wf.task_plan_review(
        actor=municipal_reviewer, task_pk=open_task(plan, "confirm_plan").pk, approve=True, comment="同意"
    )
    plan.refresh_from_db()
    svc.plan_open_registration(actor=operator, plan=plan)
    plan.refresh_from_db()
    return plan


@pytest.fixture
def two_bodies(open_plan, body_operator, municipal_reviewer, roles):
    """Body A (the college) registered 张三 with ``number``; body B is another college's body."""
    plan_a = open_plan()
    number = person_id(7)
    assert do_import(body_operator, plan_a, "a.csv", csv_bytes([row("张三", number)])).outcome == "accepted"
    college_b = factories.organisation(name="乙方技师学院")
    factories.major(college_b, code="660103")
    operator_b = factories.user("operator_b", role="body_operator", organisation=college_b)
    body_b = factories.filed_body(college_b)
    plan_b = opened_plan_of(body_b, operator_b, municipal_reviewer, level=3)
    return plan_a, plan_b, operator_b, number


def test_another_bodys_row_with_a_known_id_and_another_name_is_refused_without_the_stored_name(two_bodies):
    plan_a, plan_b, operator_b, number = two_bodies
    before = counts()
    record = do_import(operator_b, plan_b, "b.csv", csv_bytes([row("随便填的", number)]))
    assert record.outcome == RosterImport.Outcome.REJECTED
    assert [(e["row"], e["column"], e["reason"]) for e in record.report] == [
        (2, "姓名", "姓名与证件号码不一致。")
    ]
    assert "张三" not in str(record.report)
    assert counts() == before


def test_nothing_of_body_a_is_visible_to_body_b_in_pages_or_api(two_bodies, client):
    plan_a, plan_b, operator_b, number = two_bodies
    record = do_import(operator_b, plan_b, "b.csv", csv_bytes([row("随便填的", number)]))
    client.force_login(operator_b)
    for path in (
        f"/plans/{plan_b.pk}/",
        f"/plans/{plan_b.pk}/roster/{record.pk}/report/",
        f"/api/v1/plans/{plan_b.pk}/registrations/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "张三" not in response.content.decode(), path
    assert client.get(f"/plans/{plan_a.pk}/").status_code == 404
    assert client.get(f"/api/v1/plans/{plan_a.pk}/registrations/").status_code == 404


def test_the_same_person_with_the_same_name_written_differently_is_accepted(two_bodies):
    plan_a, plan_b, operator_b, number = two_bodies
    record = do_import(operator_b, plan_b, "b.csv", csv_bytes([row(" 张　三 ", number)]))
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report
    assert Candidate.objects.filter(document_index=pii.index("citizen_id", number)).count() == 1


def test_a_duplicate_with_another_body_does_not_name_its_plan(two_bodies, body_operator, municipal_reviewer):
    plan_a, plan_b, operator_b, number = two_bodies
    college_b = plan_b.body.organisation
    second_b = opened_plan_of(plan_b.body, operator_b, municipal_reviewer, level=3)
    assert do_import(
        operator_b, second_b, "b1.csv", csv_bytes([row("张三", number, major="660103")])
    ).outcome == ("accepted")
    record = do_import(operator_b, plan_b, "b2.csv", csv_bytes([row("张三", number)]))
    assert (
        record.outcome == "rejected" and second_b.title in record.report[0]["reason"]
    )  # its own plan: named
    own_plan_a = plan_a.body.plans.exclude(pk=plan_a.pk).first() or opened_plan_of(
        plan_a.body, body_operator, municipal_reviewer, level=3
    )
    record = do_import(body_operator, own_plan_a, "a2.csv", csv_bytes([row("张三", number)]))
    assert record.outcome == "rejected"
    assert (
        second_b.title not in record.report[0]["reason"] and college_b.name not in record.report[0]["reason"]
    )


# --- files as schools keep them (issue #13, item 6) -----------------------------------------------------


def school_list_xlsx(rows, header, *, title="2027届电工专业毕业生名单", merged=True) -> bytes:
    """A school's own list: a merged title row, an empty row, then the header and the students."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "毕业生"
    sheet.append([title])
    if merged:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append([])
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SCHOOL_HEADER = [
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "学号",
    "专业名称",
    "班级",
    "毕业年份",
    "是否全日制",
    "联系电话",
]


def school_row(k: int, *, major="数控技术应用", year=2027) -> list:
    return [
        k + 1,
        f"学生{k}",
        "男",
        person_id(800_000 + k),
        f"2024{k:04d}",
        major,
        "电工2401班",
        year,
        "是",
        "13800138000",
    ]


def test_a_schools_own_list_imports_and_the_report_says_how_it_was_read(open_plan, body_operator):
    plan = open_plan()
    data = school_list_xlsx([school_row(k) for k in range(5)], SCHOOL_HEADER)
    record = do_import(body_operator, plan, "2027届电工专业毕业生名单.xlsx", data)
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report
    assert plan.registrations.count() == 5
    assert set(plan.registrations.values_list("major__code", "expected_graduation")) == {
        ("660103", datetime.date(2027, 6, 30))
    }
    layout = record.layout
    assert (layout["sheet"], layout["header_row"]) == ("毕业生", 3)
    assert [(c["column"], c["header"], c["field"]) for c in layout["columns"]] == [
        ("B", "姓名", "姓名"),
        ("D", "身份证号", "证件号码"),
        ("F", "专业名称", "专业名称"),
        ("G", "班级", "班级"),
        ("H", "毕业年份", "预计毕业时间"),
        ("I", "是否全日制", "是否全日制"),
        ("J", "联系电话", "联系方式"),
    ]
    assert [c["header"] for c in layout["ignored"]] == ["序号", "性别", "学号"]
    # The contact is kept (encrypted, with its keyed hash) for the holder's own sign-in, never in clear.
    registration = plan.registrations.first()
    assert registration.contact_index and "13800138000" not in registration.contact_encrypted
    assert any("居民身份证" in d for d in layout["defaults"])
    assert not layout["skipped"]


@pytest.mark.parametrize(
    ("number_header", "major_header", "major_value", "graduation_header", "graduation"),
    [
        ("证件号", "专业代码", "660103", "毕业时间", "2027-06-30"),
        ("证件号码", "专业", "660103", "毕业日期", "2027/6/30"),
        ("身份证号码", "专业", "数控技术应用", "毕业年份", "2027届"),
        ("身份证件号码", "所学专业", "数控 技术应用", "预计毕业时间", "2027年6月"),
        ("公民身份号码", "专业名称", "数控技术应用", "毕业年份", 2027),
    ],
)
def test_header_variants_and_a_major_given_by_name(
    number_header, major_header, major_value, graduation_header, graduation, open_plan, body_operator
):
    plan = open_plan()
    header = ["序号", "姓名", number_header, major_header, graduation_header, "是否全日制"]
    rows = [[k, f"学生{k}", person_id(810_000 + k), major_value, graduation, "是"] for k in range(3)]
    record = do_import(body_operator, plan, "r.xlsx", school_list_xlsx(rows, header, merged=False))
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report
    assert set(plan.registrations.values_list("major__code", "expected_graduation")) == {
        ("660103", datetime.date(2027, 6, 30))
    }
    assert record.layout["header_row"] == 3


def test_a_major_name_the_school_does_not_have_or_has_twice_is_a_row_error(open_plan, body_operator, college):
    plan = open_plan()
    factories.major(college, code="660104", name="电气自动化")
    factories.major(college, code="660105", name="电气自动化")
    rows = [school_row(0, major="烹饪"), school_row(1, major="电气自动化"), school_row(2)]
    before = counts()
    record = do_import(body_operator, plan, "r.xlsx", school_list_xlsx(rows, SCHOOL_HEADER))
    assert record.outcome == RosterImport.Outcome.REJECTED
    assert [(e["row"], e["column"]) for e in record.report] == [(4, "专业名称"), (5, "专业名称")]
    assert "不是该校登记的专业" in record.report[0]["reason"]
    assert "请填写专业代码" in record.report[1]["reason"]
    assert counts() == before


def test_the_downloaded_template_holds_no_candidate_and_its_example_is_never_imported(
    open_plan, body_operator
):
    from filing.roster import template_xlsx

    plan = open_plan()
    template = template_xlsx()
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    assert workbook.sheetnames == ["考生名册", "填写说明"]
    sheet = workbook["考生名册"]
    assert not [r for r in sheet.iter_rows(min_row=2, values_only=True) if any(r)]  # the header only
    assert any("张三" in str(c.value) for r in workbook["填写说明"].iter_rows() for c in r)
    record = do_import(body_operator, plan, "考生名册模板.xlsx", template)
    assert record.outcome == RosterImport.Outcome.REJECTED
    assert "没有考生" in record.report[0]["reason"]
    # Filled in: the first sheet is read, the instructions sheet with its example never is.
    for k in range(3):
        for column, value in enumerate(good_row(820_000 + k), 1):
            sheet.cell(row=2 + k, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    record = do_import(body_operator, plan, "filled.xlsx", buffer.getvalue())
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report
    assert record.layout["sheet"] == "考生名册"
    assert not Candidate.objects.filter(name="张三").exists()
    assert plan.registrations.count() == 3


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_rows_marked_as_example_and_the_old_templates_example_are_skipped(fmt, open_plan, body_operator):
    plan = open_plan()
    header = ["序号", *HEADER]
    rows = [
        ["示例", *good_row(830_000)],
        ["", *row("张三", "11010519491231002X")],  # the example row of the templates downloaded before
        [1, *good_row(830_001)],
        ["(示例)", *good_row(830_002)],
        [2, *good_row(830_003)],
    ]
    data = xlsx_bytes(rows, header=header) if fmt == "xlsx" else csv_bytes(rows, header=header)
    record = do_import(body_operator, plan, f"r.{fmt}", data)
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report
    assert [s["row"] for s in record.layout["skipped"]] == [2, 3, 5]
    assert sorted(plan.registrations.values_list("row_number", flat=True)) == [4, 6]
    assert not Candidate.objects.filter(name="张三").exists()


def test_a_header_not_found_in_the_first_rows_is_reported_on_the_row_that_came_closest(
    open_plan, body_operator
):
    plan = open_plan()
    header = ["序号", "姓名", "性别", "学号", "专业名称", "毕业年份"]  # no ID number, no 是否全日制
    record = do_import(
        body_operator, plan, "r.xlsx", school_list_xlsx([[1, "学生", "男", "1", "数控", 2027]], header)
    )
    assert record.outcome == RosterImport.Outcome.REJECTED
    assert [(e["row"], e["column"]) for e in record.report] == [(3, "证件号码"), (3, "是否全日制")]
    assert record.layout["header_row"] == 3


HEADER_WORDS = sorted(
    {*COLUMNS.values(), "身份证号", "证件号", "专业", "毕业年份", "序号", "性别", "学号", "联系电话", "示例"}
)
CELLS = st.one_of(
    st.none(),
    st.sampled_from(HEADER_WORDS),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=25),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.lists(st.lists(CELLS, max_size=12), max_size=25), fmt=st.sampled_from(["csv", "xlsx"]))
def test_property_any_table_is_imported_or_rejected_with_a_report_never_an_exception(
    table, fmt, open_plan, body_operator
):
    """Random title rows, header words in random places, random cells of every type: the import ends in
    an accepted or rejected record, whose report and layout are plain JSON (no exception, no 500)."""
    plan = fuzz_plan(open_plan)
    if fmt == "xlsx":
        workbook = openpyxl.Workbook()
        for r in table:
            workbook.active.append([c.isoformat() if isinstance(c, datetime.date) else c for c in r])
        buffer = io.BytesIO()
        workbook.save(buffer)
        data = buffer.getvalue()
    else:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(table)
        data = buffer.getvalue().encode()
    record = do_import(body_operator, plan, f"fuzz.{fmt}", data)
    assert record.outcome in RosterImport.Outcome.values
    assert all(isinstance(e["reason"], str) and isinstance(e["row"], int) for e in record.report)
    assert isinstance(record.layout, dict)


_FUZZ_PLANS: dict = {}


def fuzz_plan(open_plan):
    """One plan per test run (hypothesis calls the test many times with the same function-scoped fixtures)."""
    key = id(open_plan)
    if key not in _FUZZ_PLANS:
        _FUZZ_PLANS.clear()
        _FUZZ_PLANS[key] = open_plan()
    return _FUZZ_PLANS[key]
