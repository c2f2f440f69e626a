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
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

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
}
REQUIRED = ("name", "document_type", "document_number", "major", "expected_graduation", "full_time")
HEADER_ALIASES = {label: key for key, label in COLUMNS.items()} | {
    "身份证号码": "document_number",
    "专业": "major",
}


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


def _map_header(cells: list[object]) -> tuple[dict[int, str], list[RowError]]:
    mapping: dict[int, str] = {}
    for i, cell in enumerate(cells):
        key = HEADER_ALIASES.get(clean_text(cell).replace(" ", ""))
        if key and key not in mapping.values():
            mapping[i] = key
    missing = [COLUMNS[k] for k in REQUIRED if k not in mapping.values()]
    errors = [
        RowError(1, label, _("缺少必填列“%(label)s”，请使用模板文件。") % {"label": label})
        for label in missing
    ]
    return mapping, errors


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


def _rows_from_xlsx(data: bytes) -> list[list[object]]:
    _check_zip(data)
    import openpyxl  # uses defusedxml when it is installed (it is a dependency)

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for malformed files
        raise RosterFileError(_("无法读取Excel文件：%(error)s。") % {"error": type(exc).__name__}) from None
    try:
        sheet = workbook.worksheets[0]
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
    except RosterFileError:
        raise
    except Exception as exc:  # read-only mode parses the sheet XML lazily: bad content surfaces here
        raise RosterFileError(_("无法读取Excel文件：%(error)s。") % {"error": type(exc).__name__}) from None
    finally:
        workbook.close()


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


def read_rows(file_name: str, data: bytes) -> tuple[list[RawRow], list[RowError]]:
    """Rows keyed by column (row numbers as the spreadsheet shows them), or header errors."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise RosterFileError(_("文件超过10MB。"))
    if data[:4] == b"PK\x03\x04":
        table = _rows_from_xlsx(data)
    elif file_name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise RosterFileError(_("文件不是有效的Excel（.xlsx）文件。"))
    else:
        table = _rows_from_csv(data)
    if not table:
        raise RosterFileError(_("文件为空。"))
    mapping, errors = _map_header(table[0])
    if errors:
        return [], errors
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not cells or all(clean_text(c) == "" for c in cells):
            continue
        rows.append(RawRow(number, {key: cells[i] if i < len(cells) else None for i, key in mapping.items()}))
    return rows, []


def is_formula(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().startswith("=")
    # openpyxl returns array and data-table formulas as objects, not "=..." strings
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


TEMPLATE_EXAMPLE = [
    "张三",
    "居民身份证",
    "'11010519491231002X",
    "660103",
    "数控2201班",
    "2026-06-30",
    "是",
    "",
]


def template_xlsx() -> bytes:
    """The downloadable template: the header, one example row, the ID column formatted as text."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "考生名册"
    sheet.append(list(COLUMNS.values()))
    sheet.append([v.lstrip("'") for v in TEMPLATE_EXAMPLE])
    for row in sheet.iter_rows(min_row=1, max_row=1000, min_col=3, max_col=3):
        for cell in row:
            cell.number_format = "@"
    for column, width in zip("ABCDEFGH", (10, 14, 22, 10, 14, 14, 10, 26), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
