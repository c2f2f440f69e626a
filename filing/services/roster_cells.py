"""Reading the cells of a roster row: document-type names, yes/no, dates (a year alone is 30 June), a
school's majors by code or name, the birth date in an ID number."""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata

from django.utils import translation
from django.utils.translation import gettext as _

from filing.models import Major, Organisation
from filing.roster import clean_text
from filing.validators import DocumentType


@functools.cache
def document_types() -> dict[str, str]:
    """Document-type names a roster may use: the Chinese labels, the English ones (any case), 身份证."""
    names = {"身份证": DocumentType.CITIZEN_ID}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            names |= {str(label).casefold(): value for value, label in DocumentType.choices}
    return names


YES = {"是", "Y", "YES", "TRUE", "1", "全日制"}
NO = {"否", "N", "NO", "FALSE", "0", "非全日制"}


#: A graduation given as a year only (毕业年份 2027, "2027届", "2027年") is that year's 30 June.
YEAR_ONLY = re.compile(r"(\d{4})(?:届|年|级)?(?:毕业)?")


def parse_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    year_only = YEAR_ONLY.fullmatch(clean_text(value))
    if year_only:
        try:
            return datetime.date(int(year_only.group(1)), 6, 30)
        except ValueError:
            return None
    text = (
        clean_text(value)
        .replace("/", "-")
        .replace(".", "-")
        .replace("年", "-")
        .replace("月", "-")
        .rstrip("日")
        .rstrip("-")
    )
    parts = text.split("-")
    if len(parts) == 2:
        parts.append("30" if parts[1] in ("6", "06") else "01")
    try:
        return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except (ValueError, IndexError, OverflowError):  # OverflowError: "99999999999999999999-06-30"
        return None


class MajorLookup:
    """A school's majors by code, or by name when a school's own list gives the name (专业名称)."""

    def __init__(self, school: Organisation):
        self.by_code: dict[str, Major] = {}
        self.by_name: dict[str, list[Major]] = {}
        for major in Major.objects.filter(organisation=school):
            self.by_code[major.code] = major
            self.by_name.setdefault(_name_key(major.name), []).append(major)

    def find(self, code: str, name: str) -> tuple[Major | None, str]:
        """(major, "") or (None, the reason). A code column holding a name (专业: 电气自动化设备安装与维修)
        is read as a name."""
        if code:
            if code in self.by_code:
                return self.by_code[code], ""
            if not name and _name_key(code) in self.by_name:
                name = code
            else:
                return None, _("专业代码“%(code)s”不是该校登记的专业。") % {"code": code[:40]}
        if not name:
            return None, _("专业代码不能为空。")
        found = self.by_name.get(_name_key(name), [])
        if len(found) == 1:
            return found[0], ""
        if found:
            return None, _("该校有多个名为“%(name)s”的专业，请填写专业代码。") % {"name": name[:40]}
        return None, _("专业名称“%(name)s”不是该校登记的专业。") % {"name": name[:40]}


def _name_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


def birth_date(doc_type: str, number: str) -> datetime.date | None:
    if doc_type == DocumentType.PASSPORT:
        return None
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def person_cells(values: dict, err) -> tuple[str, str | None, str]:
    """The person of a row (name, document type, document number), each problem passed to ``err(key,
    reason)``; the same reading for the roster and every other table of people (competition results)."""
    from django.core.exceptions import ValidationError

    from filing.validators import validate_document

    name = clean_text(values.get("name"))
    if not name:
        err("name", _("姓名不能为空。"))
    elif len(name) > 60:
        err("name", _("姓名过长。"))
    doc_label = clean_text(values.get("document_type"))
    doc_type = document_types().get(doc_label.casefold())
    if doc_type is None:
        err(
            "document_type",
            _("证件类型“%(label)s”无效，应为：居民身份证、港澳台居民居住证、外国人永久居留身份证、护照。")
            % {"label": doc_label},
        )
    raw_number = values.get("document_number")
    number = ""
    if isinstance(raw_number, int | float) and not isinstance(raw_number, bool):
        err(
            "document_number",
            _("证件号码被表格软件存成了数字（会丢失末位或变成科学计数法），请将该列设为文本后重新填写。"),
        )
    elif doc_type is not None:
        try:
            number = validate_document(doc_type, raw_number)
        except ValidationError as exc:
            err("document_number", exc.messages[0])
    return name, doc_type, number
