"""Reading roster files (.xlsx, .csv in UTF-8, UTF-8 with BOM, GBK/GB18030) into rows, defensively.

Nothing here writes to the database. Every problem becomes a ``RowError`` with the spreadsheet row
number, the column and a Chinese reason; the caller rejects the whole file when there is any.
Defences: a size cap on the upload, a cap on the decompressed size and compression ratio of .xlsx
members (zip bombs), defusedxml through openpyxl (entity expansion), formula cells refused, trailing
formatted-but-empty rows ignored without reading a million of them into memory.
"""

from __future__ import annotations

import csv
import datetime
import io
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filing.validators import scrub_identifiers

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_ROWS = 20_000
EMPTY_ROWS_BEFORE_STOP = 1000
MAX_COLUMNS = 50  # cells beyond are ignored: a forged <dimension> must not widen every row to XFD

#: The column of a problem with the file as a whole. Column names are the file's own (Chinese) headers.
FILE_COLUMN = "文件"
COLUMNS = {
    "name": "姓名",
    "document_type": "证件类型",
    "document_number": "证件号码",
    "major": "专业代码",
    "class_name": "班级",
    "expected_graduation": "预计毕业时间",
    "full_time": "是否全日制",
    "school_uscc": "就读院校统一社会信用代码",
    "major_name": "专业名称",
    "contact": "联系方式",
}
#: The template's columns (专业名称 is read when a school's own list gives the major by name).
TEMPLATE_COLUMNS = tuple(k for k in COLUMNS if k not in ("major_name", "contact"))
#: The template's sheet also offers 联系方式 (optional): the holder later signs in with a code sent there
#: to see their own results and certificates.
TEMPLATE_SHEET_COLUMNS = (*TEMPLATE_COLUMNS, "contact")
REQUIRED = ("name", "document_number", "expected_graduation", "full_time")
#: Headers as schools write them (compared without spaces, full-width folded). 专业 alone may hold a code
#: or a name: the validator tries the code first, then the name.
HEADER_ALIASES = {label: key for key, label in COLUMNS.items()} | {
    "考生姓名": "name",
    "学生姓名": "name",
    "证件名称": "document_type",
    "身份证号": "document_number",
    "身份证号码": "document_number",
    "身份证件号码": "document_number",
    "公民身份号码": "document_number",
    "证件号": "document_number",
    "专业": "major",
    "所学专业": "major_name",
    "班级名称": "class_name",
    "所在班级": "class_name",
    "毕业时间": "expected_graduation",
    "毕业日期": "expected_graduation",
    "毕业年份": "expected_graduation",
    "预计毕业日期": "expected_graduation",
    "预计毕业年份": "expected_graduation",
    "全日制": "full_time",
    "是否全日制学生": "full_time",
    "院校统一社会信用代码": "school_uscc",
    "学校统一社会信用代码": "school_uscc",
    "联系电话": "contact",
    "手机": "contact",
    "手机号": "contact",
    "手机号码": "contact",
    "电子邮箱": "contact",
    "邮箱": "contact",
    "联系方式（手机或邮箱）": "contact",
}
#: Header columns that name only citizen ID numbers: with no 证件类型 column, rows are 居民身份证.
CITIZEN_ID_HEADERS = {"身份证号", "身份证号码", "身份证件号码", "公民身份号码"}
#: The header is looked for in the first rows (title rows and merged cells may come before it).
HEADER_SCAN_ROWS = 20
MAX_SHEETS = 10
#: A row whose cell says one of these (or starts with 示例/样例) is the template's example, never a person.
SAMPLE_MARKS = ("示例", "样例", "填写示例", "例")
#: The example row of templates downloaded before the example moved to its own sheet.
LEGACY_EXAMPLE = ("张三", "11010519491231002X")


class RosterFileError(Exception):
    """The file as a whole cannot be read (type, size, structure, encoding)."""


@dataclass
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        # Reasons quote cell text (a shifted column can put an ID number there): the report is stored.
        return {"row": self.row, "column": self.column, "reason": scrub_identifiers(self.reason)}


@dataclass
class RawRow:
    row: int
    values: dict[str, object] = field(default_factory=dict)


def clean_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()[:10]
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header_text(cell: object) -> str:
    return "".join(clean_text(cell).split()).rstrip("*＊:：")


def _student_missing(keys: set[str]) -> list[str]:
    missing = [COLUMNS[k] for k in REQUIRED if k not in keys]
    if not keys & {"major", "major_name"}:
        missing.insert(2, COLUMNS["major"])
    return missing


@dataclass(frozen=True)
class Schema:
    """What one kind of file holds: its columns (key → the template's header), the header variants people
    write, and which columns a header must name (``missing(keys)`` → the labels it lacks)."""

    columns: dict[str, str]
    aliases: dict[str, str]
    missing: Callable[[set[str]], list[str]]


#: 考生名册 of a school's plan (today's roster).
STUDENTS = Schema(COLUMNS, HEADER_ALIASES, _student_missing)
#: Worker columns an enterprise body's roster adds (企业自主评价): a row with a 工号 is a worker's.
WORKER_COLUMNS = {
    "employee_number": "工号",
    "skilled_post": "是否技能岗位",
    "years_in_occupation": "从事本职业年限",
    "education": "学历",
    "certificate_number": "现持证书编号",
    "certificate_level": "现持证书等级",
    "certificate_occupation": "现持证书职业",
}
WORKER_ALIASES = {label: key for key, label in WORKER_COLUMNS.items()} | {
    "职工工号": "employee_number",
    "员工编号": "employee_number",
    "员工工号": "employee_number",
    "技能岗位": "skilled_post",
    "是否技能岗": "skilled_post",
    "本职业工作年限": "years_in_occupation",
    "从事本职业工作年限": "years_in_occupation",
    "工作年限": "years_in_occupation",
    "本专业毕业学历": "education",
    "证书编号": "certificate_number",
    "现有证书编号": "certificate_number",
    "已有证书编号": "certificate_number",
    "证书等级": "certificate_level",
    "现有证书等级": "certificate_level",
    "已有证书等级": "certificate_level",
    "证书职业": "certificate_occupation",
    "现有证书职业": "certificate_occupation",
    "已有证书职业": "certificate_occupation",
}


def _enterprise_missing(keys: set[str]) -> list[str]:
    missing = [COLUMNS[k] for k in ("name", "document_number") if k not in keys]
    if "employee_number" not in keys:
        # No worker column: the file is a partner school's students, read as today.
        missing += [m for m in _student_missing(keys) if m not in missing]
    return missing


#: The roster of an enterprise body's plan: worker rows (工号 …) and partner schools' students together.
ENTERPRISE = Schema(COLUMNS | WORKER_COLUMNS, HEADER_ALIASES | WORKER_ALIASES, _enterprise_missing)


def spec_for(
    columns: dict[str, str], required: tuple[str, ...], aliases: dict[str, str] | None = None
) -> Schema:
    """A table of other records read like the roster (headers found in the first rows, variants, examples)."""
    return Schema(
        columns,
        {label: key for key, label in columns.items()} | (aliases or {}),
        lambda keys: [columns[k] for k in required if k not in keys],
    )


def _map_header(cells: list[object], schema: Schema = STUDENTS) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for i, cell in enumerate(cells):
        key = schema.aliases.get(_header_text(cell))
        if key and key not in mapping.values():
            mapping[i] = key
    return mapping


def _missing(mapping: dict[int, str], schema: Schema = STUDENTS) -> list[str]:
    return schema.missing(set(mapping.values()))


def _find_header(
    table: list[list[object]], schema: Schema = STUDENTS
) -> tuple[int, dict[int, str], list[str]]:
    """The first row (among the first HEADER_SCAN_ROWS) that names every required column; otherwise the
    row naming the most of them, with what it lacks. Returns (index in table, mapping, missing)."""
    best: tuple[int, dict[int, str], list[str]] | None = None
    for index, cells in enumerate(table[:HEADER_SCAN_ROWS]):
        if not cells:
            continue
        mapping = _map_header(cells, schema)
        missing = _missing(mapping, schema)
        if not missing:
            return index, mapping, []
        if best is None or len(mapping) > len(best[1]):
            best = index, mapping, missing
    return best or (0, {}, _missing({}, schema))


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Layout:
    """How a file was read, for the import report: the sheet, the header row, the columns used and
    ignored, the rows skipped and the defaults applied."""

    sheet: str = ""
    header_row: int = 0
    columns: list[dict] = field(default_factory=list)
    ignored: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "header_row": self.header_row,
            "columns": self.columns,
            "ignored": self.ignored,
            "skipped": self.skipped[:50],  # bounded: a file of repeated header rows stays small
            "skipped_count": len(self.skipped),
            "defaults": self.defaults,
        }


def _is_sample(cells: list[object], mapping: dict[int, str]) -> bool:
    for i, cell in enumerate(cells):
        text = clean_text(cell).strip("【】[]()（）:：")
        if mapping.get(i) == "name" and text in ("示例", "样例"):
            return True
        if mapping.get(i) != "name" and (text in SAMPLE_MARKS or text.startswith(("示例", "样例"))):
            return True
    values = {mapping[i]: clean_text(c) for i, c in enumerate(cells) if i in mapping}
    return (values.get("name"), values.get("document_number", "").lstrip("'").upper()) == LEGACY_EXAMPLE


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise RosterFileError(_("文件不是有效的Excel（.xlsx）文件。")) from None
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if (
            info.compress_size
            and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
            and info.file_size > 1_000_000
        ):
            raise RosterFileError(_("文件压缩比异常（疑似压缩炸弹），已拒绝。"))
        if total > MAX_XLSX_UNCOMPRESSED:
            raise RosterFileError(_("文件解压后过大，已拒绝。"))


def _xlsx_sheets(data: bytes):
    """(title, rows) of each worksheet in order, read one at a time (instruction sheets are skipped)."""
    _check_zip(data)
    import openpyxl  # uses defusedxml when it is installed (it is a dependency)

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for malformed files
        raise RosterFileError(_("无法读取Excel文件：%(error)s。") % {"error": type(exc).__name__}) from None
    try:
        for sheet in workbook.worksheets[:MAX_SHEETS]:
            title = str(sheet.title or "")
            if "说明" in title or "示例" in title:
                continue
            yield title, _sheet_rows(sheet)
    except RosterFileError:
        raise
    except Exception as exc:  # read-only mode parses the sheet XML lazily: bad content surfaces here
        raise RosterFileError(_("无法读取Excel文件：%(error)s。") % {"error": type(exc).__name__}) from None
    finally:
        workbook.close()


def _sheet_rows(sheet) -> list[list[object]]:
    # The stored <dimension> is untrusted: too small silently drops rows, too wide pads every row.
    sheet.reset_dimensions()
    rows, empty_run = [], 0
    for cells in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
        values = list(cells)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            empty_run += 1
            rows.append([])
            if empty_run >= EMPTY_ROWS_BEFORE_STOP:
                break
            continue
        empty_run = 0
        rows.append(values)
        if len(rows) > MAX_ROWS + EMPTY_ROWS_BEFORE_STOP:
            raise RosterFileError(_("名册超过%(rows)d行，请拆分后上传。") % {"rows": MAX_ROWS})
    return rows


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFileError(_("无法识别CSV文件编码（支持UTF-8、GBK/GB18030）。")) from None


def _rows_from_csv(data: bytes) -> list[list[object]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text))
    rows = []
    try:
        for i, row in enumerate(reader, 1):
            if i > MAX_ROWS + 1:
                raise RosterFileError(_("名册超过%(rows)d行，请拆分后上传。") % {"rows": MAX_ROWS})
            rows.append(row)
    except csv.Error:  # e.g. an unclosed quote swallowing the rest of the file past the field limit
        raise RosterFileError(_("CSV文件格式错误（引号不匹配或单元格过长），请用模板重新保存。")) from None
    return rows


def read_rows(file_name: str, data: bytes, schema: Schema = STUDENTS) -> tuple[list[RawRow], list[RowError]]:
    """Rows keyed by column (row numbers as the spreadsheet shows them), or header errors."""
    rows, errors, _layout = read_table(file_name, data, schema)
    return rows, errors


def read_table(
    file_name: str, data: bytes, schema: Schema = STUDENTS
) -> tuple[list[RawRow], list[RowError], Layout]:
    """Rows keyed by column, header errors, and how the file was read. The first sheet with a header
    naming every required column is used; title rows and merged cells above the header are passed over;
    columns the import does not use (序号, 性别, 学号, 联系电话, ...) are listed as ignored; example rows
    are skipped and listed."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise RosterFileError(_("文件超过10MB。"))
    if data[:4] == b"PK\x03\x04":
        sheets = _xlsx_sheets(data)
    elif file_name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise RosterFileError(_("文件不是有效的Excel（.xlsx）文件。"))
    else:
        sheets = iter([("", _rows_from_csv(data))])
    chosen = None
    try:
        for title, table in sheets:
            if not any(table):
                continue
            index, mapping, missing = _find_header(table, schema)
            if chosen is None or (chosen[4] and not missing):
                chosen = (title, table, index, mapping, missing)
            if not missing:
                break
    finally:
        if hasattr(sheets, "close"):
            sheets.close()
    if chosen is None:
        raise RosterFileError(_("文件为空。"))
    title, table, index, mapping, missing = chosen
    header = table[index]
    layout = Layout(
        sheet=title,
        header_row=index + 1,
        columns=[
            {"column": column_letter(i), "header": _header_text(header[i]), "field": schema.columns[key]}
            for i, key in sorted(mapping.items())
        ],
        ignored=[
            {"column": column_letter(i), "header": _header_text(cell)[:40]}
            for i, cell in enumerate(header)
            if i not in mapping and _header_text(cell)
        ],
    )
    if missing:
        return (
            [],
            [
                RowError(index + 1, label, _("缺少必填列“%(label)s”，请使用模板文件。") % {"label": label})
                for label in missing
            ],
            layout,
        )
    defaults = {}
    if "document_type" in schema.columns and "document_type" not in mapping.values():
        defaults["document_type"] = "居民身份证"
        layout.defaults.append(_("无“证件类型”列：证件类型均按居民身份证读取。"))
    rows = []
    for number, cells in enumerate(table[index + 1 :], start=index + 2):
        if not cells or all(clean_text(c) == "" for c in cells):
            continue
        if _is_sample(cells, mapping):
            layout.skipped.append({"row": number, "reason": _("示例行，未导入。")})
            continue
        if _map_header(cells, schema) == mapping:
            layout.skipped.append({"row": number, "reason": _("重复的表头行，未导入。")})
            continue
        values = {key: cells[i] if i < len(cells) else None for i, key in mapping.items()}
        rows.append(RawRow(number, defaults | values))
    return rows, [], layout


def is_formula(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().startswith("=")
    # openpyxl returns array and data-table formulas as objects, not "=..." strings
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def formula_cells(values: dict, err) -> None:
    """A formula in any cell of a row is a row error on that cell (never evaluated, never stored)."""
    for key, value in values.items():
        if is_formula(value):
            err(key, _("单元格是公式，请粘贴为数值或文本。"))


TEMPLATE_EXAMPLE = {
    "name": "张三",
    "document_type": "居民身份证",
    "document_number": "11010519491231002X",
    "major": "660103",
    "class_name": "数控2201班",
    "expected_graduation": "2026-06-30",
    "full_time": "是",
    "school_uscc": "",
    "contact": "zhangsan@example.com",
}

INSTRUCTIONS = [
    gettext_lazy("“考生名册”工作表每行填写一名考生，从第2行开始填写，不要填写示例。"),
    gettext_lazy("证件号码列已设为文本格式：请勿改为数字，否则末位会丢失或变成科学计数法。"),
    gettext_lazy("专业代码填本校登记的专业代码；也可改填“专业名称”列（与本校登记的名称一致）。"),
    gettext_lazy("预计毕业时间写作2026-06-30；只写年份（如2027）时按当年6月30日读取。"),
    gettext_lazy("是否全日制填“是”或“否”；就读院校统一社会信用代码仅在考生不是本校学生时填写。"),
    gettext_lazy(
        "也可上传学校自己的名单：标题行、序号、性别、学号等列会被忽略，导入结果会说明使用了哪一行表头和哪些列。"
    ),
    gettext_lazy(
        "联系方式（手机号码或电子邮箱）可不填；填写后，考生可凭姓名、证件号码和发送到该联系方式的验证码查询本人成绩和证书。"
    ),
    gettext_lazy("第一列写“示例”的行不会导入。"),
]


def template_xlsx() -> bytes:
    """The downloadable template: the header on the sheet that is read (ID column formatted as text), and
    the instructions with one example on a separate sheet that the import never reads."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "考生名册"
    sheet.append([COLUMNS[k] for k in TEMPLATE_SHEET_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=1, max_row=1000, min_col=3, max_col=3):
        for cell in row:
            cell.number_format = "@"
    widths = (10, 14, 22, 10, 14, 14, 10, 26, 24)
    for column, width in zip("ABCDEFGHI", widths, strict=True):
        sheet.column_dimensions[column].width = width
    notes = workbook.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 12
    notes.append([str(_("填写说明"))])
    notes["A1"].font = Font(bold=True)
    for number, text in enumerate(INSTRUCTIONS, 1):
        notes.append([number, str(text)])
    notes.append([])
    notes.append([str(_("示例"))] + [COLUMNS[k] for k in TEMPLATE_SHEET_COLUMNS])
    notes.append([str(_("示例"))] + [TEMPLATE_EXAMPLE[k] for k in TEMPLATE_SHEET_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the enterprise's staff register (职工名册) ---------------------------------------------------

STAFF_COLUMNS = {
    "employee_number": "工号",
    "name": "姓名",
    "document_type": "证件类型",
    "document_number": "证件号码",
    "department": "部门",
    "post": "岗位",
    "skilled_post": "是否技能岗位",
    "occupation": "岗位对应职业",
    "hired_on": "入职日期",
    "left_on": "离职日期",
    "years_in_occupation": "从事本职业年限",
}
STAFF_ALIASES = (
    {label: key for key, label in STAFF_COLUMNS.items()}
    | {k: v for k, v in HEADER_ALIASES.items() if v in ("name", "document_type", "document_number")}
    | {
        k: v
        for k, v in WORKER_ALIASES.items()
        if v in ("employee_number", "skilled_post", "years_in_occupation")
    }
    | {
        "员工姓名": "name",
        "职工姓名": "name",
        "所在部门": "department",
        "部门名称": "department",
        "车间": "department",
        "岗位名称": "post",
        "工作岗位": "post",
        "职业": "occupation",
        "岗位职业": "occupation",
        "职业编码": "occupation",
        "入职时间": "hired_on",
        "入职日期（年月日）": "hired_on",
        "离职时间": "left_on",
    }
)
STAFF_REQUIRED = ("employee_number", "name", "document_number", "post", "skilled_post", "hired_on")


def _staff_missing(keys: set[str]) -> list[str]:
    return [STAFF_COLUMNS[k] for k in STAFF_REQUIRED if k not in keys]


STAFF = Schema(STAFF_COLUMNS, STAFF_ALIASES, _staff_missing)

STAFF_EXAMPLE = {
    "employee_number": "E0001",
    "name": "张三",
    "document_type": "居民身份证",
    "document_number": "11010519491231002X",
    "department": "机加工车间",
    "post": "数控车工",
    "skilled_post": "是",
    "occupation": "6-18-01-01",
    "hired_on": "2019-07-01",
    "left_on": "",
    "years_in_occupation": "6",
}
STAFF_INSTRUCTIONS = [
    gettext_lazy("“职工名册”工作表每行填写一名职工，从第2行开始填写，不要填写示例。"),
    gettext_lazy("证件号码列已设为文本格式：请勿改为数字，否则末位会丢失或变成科学计数法。"),
    gettext_lazy(
        "是否技能岗位填“是”或“否”；技能岗位须填写岗位对应职业（职业编码如6-18-01-01，或职业名称）。"
    ),
    gettext_lazy("入职日期、离职日期写作2019-07-01；在职职工的离职日期留空。"),
    gettext_lazy("从事本职业年限填数字（如3或3.5），可留空。"),
    gettext_lazy("再次导入同一工号时按新文件更新该职工；任何一行有误，整份文件不导入。"),
]


def staff_template_xlsx() -> bytes:
    """The staff register's template: the header (ID column as text) and a separate instructions sheet."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "职工名册"
    sheet.append(list(STAFF_COLUMNS.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=1, max_row=1000, min_col=4, max_col=4):
        for cell in row:
            cell.number_format = "@"
    for column, width in zip("ABCDEFGHIJK", (10, 10, 12, 22, 14, 14, 12, 16, 12, 12, 14), strict=True):
        sheet.column_dimensions[column].width = width
    notes = workbook.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 12
    notes.append([str(_("填写说明"))])
    notes["A1"].font = Font(bold=True)
    for number, text in enumerate(STAFF_INSTRUCTIONS, 1):
        notes.append([number, str(text)])
    notes.append([])
    notes.append([str(_("示例"))] + list(STAFF_COLUMNS.values()))
    notes.append([str(_("示例"))] + list(STAFF_EXAMPLE.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
