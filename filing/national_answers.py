"""Reading the national system's answer file (反馈文件): one row per reported record, whether the national
lookup system took it (接收) or sent it back (退回) and why. The file comes from outside: every problem is a
file error or a row error with its row number, never an exception that escapes (docs/national-report.md).

Layout: CSV, UTF-8 (with or without BOM) or GB18030, header ``证书编号,版本,结果,原因``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re

from django.utils.translation import gettext as _

HEADER = ["证书编号", "版本", "结果", "原因"]
ACCEPTED, REJECTED = "接收", "退回"
MAX_ROWS = 200_000
MAX_REASON = 500
NUMBER = re.compile(r"[A-Z0-9]{1,40}")
#: Leading characters a spreadsheet adds to keep a number as text, or that formula escaping added.
TEXT_MARKS = "'\t "


@dataclasses.dataclass(frozen=True)
class Answer:
    row: int
    number: str
    version: int
    accepted: bool
    reason: str


@dataclasses.dataclass
class Parsed:
    answers: list[Answer]
    #: [{"row": 3, "column": "版本", "reason": "..."}]; row 0 is the file itself.
    errors: list[dict]


def _error(row: int, column: str, reason: str) -> dict:
    return {"row": row, "column": column, "reason": reason}


def _decode(data: bytes) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _clean(value: str) -> str:
    return value.strip().lstrip(TEXT_MARKS).strip()


def parse(data: bytes, *, max_bytes: int) -> Parsed:
    """Every answer of ``data``, or the reasons it cannot be read. Duplicate (number, version) rows are
    errors: the national system answers a record once."""
    if len(data) > max_bytes:
        return Parsed([], [_error(0, "", _("文件超过 %(n)d 字节的上限。") % {"n": max_bytes})])
    text = _decode(data)
    if text is None:
        return Parsed([], [_error(0, "", _("文件编码无法识别（应为 UTF-8 或 GB18030 的 CSV）。"))])
    if "\x00" in text:
        return Parsed([], [_error(0, "", _("文件不是文本格式的 CSV。"))])
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return Parsed([], [_error(0, "", _("CSV 格式错误：%(e)s") % {"e": str(exc)[:200]})])
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        return Parsed([], [_error(0, "", _("文件为空。"))])
    header = [_clean(cell) for cell in rows[0]]
    if header[: len(HEADER)] != HEADER:
        expected = "，".join(HEADER)
        return Parsed([], [_error(1, "", _("表头应为：%(h)s。") % {"h": expected})])
    if len(rows) - 1 > MAX_ROWS:
        return Parsed([], [_error(0, "", _("文件超过 %(n)d 行的上限。") % {"n": MAX_ROWS})])
    answers, errors, seen = [], [], {}
    for index, raw in enumerate(rows[1:], start=2):
        cells = [_clean(cell) for cell in raw] + [""] * len(HEADER)
        number, version_text, result, reason = cells[:4]
        row_errors = []
        number = number.upper()
        if not NUMBER.fullmatch(number):
            row_errors.append(_error(index, "证书编号", _("证书编号格式不正确。")))
        version = None
        if version_text.isascii() and version_text.isdigit() and 0 < len(version_text) <= 4:
            version = int(version_text)
        if not version:
            row_errors.append(_error(index, "版本", _("版本应为正整数。")))
        if result not in (ACCEPTED, REJECTED):
            row_errors.append(_error(index, "结果", _("结果应为“接收”或“退回”。")))
        if result == REJECTED and not reason:
            row_errors.append(_error(index, "原因", _("退回的记录须填写原因。")))
        if len(reason) > MAX_REASON:
            row_errors.append(_error(index, "原因", _("原因不超过 %(n)d 个字。") % {"n": MAX_REASON}))
        if not row_errors:
            key = (number, version)
            if key in seen:
                row_errors.append(
                    _error(
                        index,
                        "证书编号",
                        _("与第 %(row)d 行重复（同一证书编号和版本）。") % {"row": seen[key]},
                    )
                )
            seen.setdefault(key, index)
        if row_errors:
            errors.extend(row_errors)
            continue
        answers.append(
            Answer(index, number, version, result == ACCEPTED, reason if result == REJECTED else "")
        )
    return Parsed(answers, errors)
