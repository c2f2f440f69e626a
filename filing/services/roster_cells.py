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


#: How rosters write a level: 五级, 5, 5级, 四级/中级工, 中级工, 中级, 高级技师 ...
LEVEL_WORDS = {
    "五": 5, "初级": 5, "初级工": 5,
    "四": 4, "中级": 4, "中级工": 4,
    "三": 3, "高级": 3, "高级工": 3,
    "二": 2, "技师": 2,
    "一": 1, "高级技师": 1,
}  # fmt: skip


def parse_level(value) -> int | None:
    """A skill level 1–5 from what a roster cell says, or None."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "".join(clean_text(value).split())
    for part in text.replace("／", "/").split("/"):
        part = part.removesuffix("级") if part not in ("初级", "中级", "高级") else part
        if part.isdigit() and len(part) == 1 and 1 <= int(part) <= 5:
            return int(part)
        if part in LEVEL_WORDS:
            return LEVEL_WORDS[part]
    return None


def parse_years(value):
    """Years in the occupation: 0 to 60, one decimal (3, 3.5, "3年"); None when unreadable."""
    import decimal

    if isinstance(value, bool):
        return None
    text = clean_text(value).removesuffix("年").removesuffix("年以上")
    try:
        years = decimal.Decimal(text)
    except (decimal.InvalidOperation, ValueError):
        return None
    if not years.is_finite() or years < 0 or years > 60:
        return None
    return years.quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_DOWN)


EDUCATION_WORDS = {
    "技工院校": "technician_school",
    "技工学校": "technician_school",
    "技校": "technician_school",
    "中职": "secondary_vocational",
    "中专": "secondary_vocational",
    "职业高中": "secondary_vocational",
    "高级技工学校": "senior_technician_school",
    "技师学院": "senior_technician_school",
    "高职": "higher_vocational",
    "大专": "higher_vocational",
    "高职（大专）": "higher_vocational",
    "本科": "undergraduate",
    "本科及以上": "undergraduate",
    "硕士": "undergraduate",
    "研究生": "undergraduate",
}


def parse_education(value) -> str | None:
    """An education kind (``Education``) from its label, value or a short form; "" when empty; None when
    unknown."""
    from filing.models import Education

    text = "".join(clean_text(value).split())
    if not text:
        return ""
    labels = {"".join(str(label).split()): v for v, label in Education.choices}
    if text in Education.values:
        return text
    if text in labels:
        return labels[text]
    return EDUCATION_WORDS.get(text.removesuffix("本专业毕业").removesuffix("毕业"))
